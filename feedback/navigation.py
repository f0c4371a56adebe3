from django.urls import reverse


def nav_items(user) -> list[tuple[str, str, str]]:
    items = [("feedback", reverse("feedback:index"), "Reviews")]
    if user.has_perm("feedback.facilitate"):
        items.append(("feedback-import", reverse("feedback:import_new"), "Import leads"))
    return items
