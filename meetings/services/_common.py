"""What the meeting services share: locking a meeting, refusing a closed one, saving."""

from django.core.exceptions import ValidationError

from meetings.models import (
    Meeting,
)


def _refuse_if_closed(meeting: Meeting, what: str) -> None:
    if meeting.status == Meeting.Status.CLOSED:
        raise ValidationError(
            f"This meeting is closed, so {what} can no longer change. "
            "Its facilitator can reopen it."
        )


def _lock(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_related("facilitator").select_for_update().get(pk=meeting.pk)


def _save(obj, reason: str) -> None:
    obj.full_clean()
    obj._change_reason = reason
    obj.save()
