"""Minutes, action items, the summary and its confirmations."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from config.db import insert_or_retry
from meetings import permissions
from meetings.models import (
    ActionItem,
    Confirmation,
    Meeting,
    Minutes,
    Summary,
)
from meetings.services._common import _lock, _refuse_if_closed, _save

# --- minutes and action items -----------------------------------------------------------


@transaction.atomic
def minutes_save(*, meeting: Meeting, by: User, text: str) -> Minutes:
    meeting = _lock(meeting)
    permissions.facilitator_require(meeting, by, "edit the minutes")
    _refuse_if_closed(meeting, "the minutes")
    minutes = Minutes.objects.filter(meeting=meeting).first() or Minutes(meeting=meeting)
    minutes.text = text.strip()
    minutes.updated_by = by
    minutes.updated_at = timezone.now()
    _save(minutes, "Minutes edited")
    return minutes


@transaction.atomic
def action_item_add(*, meeting: Meeting, by: User, text: str, owner: User, due: date) -> ActionItem:
    meeting = _lock(meeting)
    permissions.facilitator_require(meeting, by, "add action items")
    _refuse_if_closed(meeting, "the action items")
    if not text.strip():
        raise ValidationError({"text": "Say what has to be done."})
    if owner.pk != meeting.facilitator_id and not permissions.is_invited(meeting, owner):
        raise ValidationError({"owner": "Give the action to someone invited to this meeting."})
    item = ActionItem(meeting=meeting, text=text.strip(), owner=owner, due=due)
    _save(item, "Action item added")
    return item


@transaction.atomic
def action_item_mark(*, item: ActionItem, by: User, done: bool = True) -> ActionItem:
    """The owner or the facilitator ticks an item off (also after the meeting has closed)."""
    item = ActionItem.objects.select_for_update().select_related("meeting").get(pk=item.pk)
    if not permissions.may_mark_action(by, item):
        raise PermissionDenied("Only the owner of an action item or the facilitator can tick it.")
    if done == item.is_done:
        return item
    item.done_at = timezone.now() if done else None
    _save(item, "Done" if done else "Reopened")
    return item


# --- summary and confirmations ----------------------------------------------------------


@transaction.atomic
def summary_publish(*, meeting: Meeting, by: User, text: str) -> Summary:
    """Publish or revise the summary; a revised text asks everyone to confirm again."""
    meeting = _lock(meeting)
    permissions.facilitator_require(meeting, by, "publish the summary")
    _refuse_if_closed(meeting, "the summary")
    text = text.strip()
    if not text:
        raise ValidationError({"text": "Write the summary."})
    summary = Summary.objects.filter(meeting=meeting).first()
    if summary is None:
        summary = Summary(meeting=meeting, text=text, published_by=by)
        _save(summary, "Summary published")
    elif summary.text != text:
        summary.text = text
        summary.revision += 1
        summary.published_by = by
        summary.published_at = timezone.now()
        _save(summary, f"Summary revised (revision {summary.revision})")
    return summary


@transaction.atomic
def confirmation_give(
    *, meeting: Meeting, person: User, position: str, comment: str = ""
) -> Confirmation:
    """An invited person confirms the summary as it reads now, or raises a concern."""
    summary = Summary.objects.select_for_update().filter(meeting=meeting).first()
    if summary is None:
        raise ValidationError("There is no summary to confirm yet.")
    permissions.invited_require(meeting, person, "confirm its summary")
    comment = comment.strip()
    if position not in Confirmation.Position.values:
        raise ValidationError({"position": "Choose whether the summary is right."})
    if position == Confirmation.Position.CONCERN and not comment:
        raise ValidationError({"comment": "Say what your concern is: a comment is required."})
    confirmation = Confirmation.objects.filter(summary=summary, person=person).first()
    if confirmation is None:
        confirmation = Confirmation(summary=summary, person=person)
    confirmation.position = position
    confirmation.comment = comment
    confirmation.revision = summary.revision
    confirmation.given_at = timezone.now()
    confirmation.full_clean(validate_unique=False)
    confirmation._change_reason = confirmation.get_position_display()

    def recorded_elsewhere():
        raise ValidationError(
            "Your answer was recorded from another tab at the same moment; reload the page."
        ) from None

    insert_or_retry(confirmation.save, recorded_elsewhere)
    return confirmation
