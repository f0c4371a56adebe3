from django.urls import reverse


def nav_items(user) -> list[tuple[str, str, str]]:
    items = [("definitions", reverse("definitions:list"), "Definitions")]
    if user.has_perm("definitions.facilitate"):
        items.append(("definition-new", reverse("definitions:create"), "Start a definition"))
    return items
