"""Who may act in a meeting: one function per rule, asked by services, views and templates."""

from django.core.exceptions import PermissionDenied

from accounts.decorators import permission_require
from meetings.models import Attendance

FACILITATE = "meetings.facilitate"


def facilitate_require(user, action: str) -> None:
    """The Facilitator role: scheduling a meeting, and a follow-up review."""
    permission_require(user, FACILITATE, action=action)


def is_facilitator(user, meeting) -> bool:
    """Only the meeting's own facilitator runs it (another facilitator does not)."""
    return user.pk == meeting.facilitator_id


def facilitator_require(meeting, by, action: str) -> None:
    """Only the meeting's own facilitator runs it; views call this before parsing input."""
    if not is_facilitator(by, meeting):
        raise PermissionDenied(
            f"Only this meeting's facilitator, {meeting.facilitator}, can {action}."
        )


def may_propose_from(user, meeting) -> bool:
    """The meeting's own facilitator turns its answers into proposals while it is open."""
    return is_facilitator(user, meeting) and user.has_perm(FACILITATE) and not meeting.is_closed


def is_invited(meeting, person) -> bool:
    return Attendance.objects.filter(meeting=meeting, person=person).exists()


def invited_require(meeting, person, action: str) -> None:
    """Only people invited to the meeting answer, confirm and vote from its page."""
    if not is_invited(meeting, person):
        raise PermissionDenied(f"Only people invited to this meeting {action}.")


def may_mark_action(user, item) -> bool:
    """The owner of an action item or the meeting's facilitator ticks it off."""
    return user.pk in (item.owner_id, item.meeting.facilitator_id)
