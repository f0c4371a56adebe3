"""The meetings entry in the main navigation: everyone is invited to some meeting."""

from django.urls import reverse


def nav_items(user) -> list[tuple[str, str, str]]:
    return [("meetings", reverse("meetings:list"), "Meetings")]
