"""Proposals from a meeting's answers, votes from its page, and reminders to answer."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.mail import send_mass_mail
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from definitions import services as definition_services
from definitions.models import EvidenceStandard, Proposal, Vote
from meetings import permissions
from meetings.models import (
    AgendaItem,
    Answer,
    Meeting,
)
from meetings.selectors import people_missing_answers
from meetings.services._common import _lock, _refuse_if_closed

# --- proposals and votes ----------------------------------------------------------------

CLOSED_FOR_PROPOSALS = (
    "This meeting is closed, so its answers can no longer become proposals. "
    "Reopen the meeting from its page to propose from them."
)


@transaction.atomic
def proposal_from_answers(
    *,
    meeting: Meeting,
    by: User,
    answers: Iterable[Answer],
    stage_key: str,
    statement: str,
    guidance: str = "",
    evidence: str = EvidenceStandard.STATED,
    weight: int = 1,
    rationale: str = "",
    origin_url: str,
) -> Proposal:
    """Turn meeting answers into a proposed criterion; the answers and proposal link both ways."""
    meeting = _lock(meeting)
    permissions.facilitator_require(meeting, by, "turn answers into a proposal")
    if meeting.is_closed:
        raise ValidationError(CLOSED_FOR_PROPOSALS)
    answers = list(answers)
    if not answers:
        raise ValidationError({"answers": "Choose at least one answer."})
    if any(answer.question.meeting_id != meeting.pk for answer in answers):
        raise ValidationError({"answers": "Choose answers given in this meeting."})
    proposal = definition_services.proposal_create(
        definition=meeting.definition,
        by=by,
        kind=Proposal.Kind.ADD_CRITERION,
        stage_key=stage_key,
        payload={
            "statement": statement,
            "guidance": guidance,
            "evidence": evidence,
            "rule": None,
            "weight": weight,
        },
        rationale=rationale,
        origin=Proposal.Origin.MEETING,
        origin_label=f"Answers from {meeting.title}"[:300],
        origin_url=origin_url,
    )
    for answer in answers:
        answer.proposals.add(proposal)
    return proposal


@transaction.atomic
def vote_from_meeting(
    *, meeting: Meeting, proposal: Proposal, voter: User, position: str, comment: str = ""
) -> Vote:
    """An attendee votes on a proposal that is on this meeting's agenda."""
    if not AgendaItem.objects.filter(meeting=meeting, proposal=proposal).exists():
        raise ValidationError("That proposal is not on this meeting's agenda.")
    permissions.invited_require(meeting, voter, "vote from its page")
    return definition_services.vote_cast(
        proposal=proposal, voter=voter, position=position, comment=comment
    )


# --- reminders --------------------------------------------------------------------------


@transaction.atomic
def reminders_send(*, meeting: Meeting, by: User, meeting_url: str) -> list[User]:
    """Queue a reminder for every invited person who has not answered every question;
    returns them. The e-mail goes from a background task (retried while the mail server
    fails), so the page never waits on the mail server nor fails with it."""
    from accounts.mailing import mailing_send
    from meetings import tasks

    permissions.facilitator_require(meeting, by, "send reminders")
    _refuse_if_closed(meeting, "answers")
    missing = [person for person, _ in people_missing_answers(meeting)]
    if missing:
        mailing_send(
            task=tasks.reminders_send,
            args=[meeting.pk, by.pk, meeting_url],
            subject=f"Reminders to answer “{meeting.title}”",
            link=meeting.get_absolute_url(),
            notify=by,
        )
    return missing


def reminders_deliver(*, meeting_id: int, by_id: int, meeting_url: str) -> int:
    """E-mail the reminders (from the task); returns how many were sent."""
    meeting = Meeting.objects.get(pk=meeting_id)
    by = User.objects.get(pk=by_id)
    when = timezone.localtime(meeting.starts_at)
    messages = [
        (
            f"Your answers for “{meeting.title}”",
            f"Hello {person.get_short_name()},\n\n"
            f"{by} is asking everyone invited to “{meeting.title}” "
            f"({when:%A %-d %B, %H:%M}) to answer its questions, so that marketing "
            f"and sales can see where they agree and where they differ.\n\n"
            f"You have {left} question{'s' if left != 1 else ''} left to answer:\n"
            f"{meeting_url}\n",
            None,
            [person.email],
        )
        for person, left in people_missing_answers(meeting)
    ]
    return send_mass_mail(messages, fail_silently=False)
