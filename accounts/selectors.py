"""Reads for the people pages."""

from django.urls import reverse
from django.utils import timezone

from accounts.apps_registry import hooks
from accounts.models import Mailing
from accounts.roles import ROLE_DESCRIPTIONS


def home_sections(user) -> list[dict]:
    """Each kind of pending work for `user`, as sections of the home page.

    Each app contributes its own sections here as it grows. A section is either
    {"template": "<app>/_home_<name>.html", ...its data}, drawn by that partial (which holds
    the section's id, title and empty-state sentence), or {"id", "title", "items",
    "empty"}, drawn by the home page's generic card; a section with no items still shows,
    with a sentence saying there is nothing waiting.
    """
    return mail_sections(user) + [
        section
        for home_sections in hooks("selectors", "home_sections")
        for section in home_sections(user)
    ]


def mail_sections(user) -> list[dict]:
    """E-mail that `user` asked for (or is responsible for) that could not be sent yet; the
    section shows only while there is some."""
    troubled = list(Mailing.objects.troubled_for(user)[:20])
    if not troubled:
        return []
    items = []
    for mailing in troubled:
        if mailing.status == Mailing.Status.FAILED:
            detail = (
                f"not sent after {mailing.attempts} attempts: {mailing.last_error}. "
                "Check the mail server settings, then send it again."
            )
        else:
            when = timezone.localtime(mailing.next_attempt_at)
            detail = (
                f"the mail server refused it ({mailing.last_error}); "
                f"trying again at {when:%H:%M} (attempt {mailing.attempts + 1})."
            )
        items.append(
            {
                "url": mailing.link or "#",
                "label": mailing.subject,
                "detail": detail,
                "retry_url": reverse("accounts:mailing_retry", args=[mailing.pk])
                if mailing.status == Mailing.Status.FAILED
                else "",
            }
        )
    return [
        {
            "id": "mail-problems",
            "title": "E-mail that could not be sent",
            "items": items,
            "empty": "",
        }
    ]


def role_summary(user) -> list[tuple[str, str]]:
    return [(role, ROLE_DESCRIPTIONS.get(role, "")) for role in user.role_names]
