"""The numbers' item in the navigation (through accounts.apps_registry)."""

from django.urls import reverse


def nav_items(user) -> list[tuple[str, str, str]]:
    """Everyone signed in reads the numbers."""
    if not user.is_authenticated:
        return []
    return [("numbers", reverse("numbers:index"), "Numbers")]
