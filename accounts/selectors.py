"""Reads for the people pages."""

from accounts.apps_registry import hooks
from accounts.roles import ROLE_DESCRIPTIONS


def home_sections(user) -> list[dict]:
    """Each kind of pending work for `user`, as {"id", "title", "items", "empty"} sections.

    Each app contributes its own sections here as it grows; a section with no items still
    shows, with a sentence saying there is nothing waiting.
    """
    return [
        section
        for home_sections in hooks("selectors", "home_sections")
        for section in home_sections(user)
    ]


def role_summary(user) -> list[tuple[str, str]]:
    return [(role, ROLE_DESCRIPTIONS.get(role, "")) for role in user.role_names]
