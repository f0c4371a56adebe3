"""Scheduling meetings, invitations, attendance, and starting, closing and reopening."""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from config.fields import LATEST
from definitions.models import Definition, Proposal
from meetings import permissions
from meetings.models import (
    DEFAULT_QUESTIONS,
    AgendaItem,
    Answer,
    Attendance,
    Meeting,
    Question,
)
from meetings.services._common import _lock, _refuse_if_closed, _save

DEFAULT_AGENDA = {
    Meeting.Kind.KICKOFF: [
        "Why we are here: one definition of a lead that marketing and sales both sign",
        "The question round: everybody answers",
        "Where marketing and sales differ",
        "Next steps and owners",
    ],
    Meeting.Kind.CONFIRMATION: [
        "Review the summary of the last meeting",
    ],
    Meeting.Kind.REVIEW: [
        "Leads handed over since the last review: was each one a lead?",
        "What should we stop, start and continue?",
        "Changes to propose",
    ],
}


# --- scheduling -------------------------------------------------------------------------


@transaction.atomic
def meeting_schedule(
    *,
    by: User,
    definition: Definition,
    kind: str,
    title: str,
    starts_at: datetime,
    duration_minutes: int = 60,
    place: str = "",
    call_link: str = "",
    sponsor: User | None = None,
    invitees: Iterable[User] = (),
    questions: Iterable[str] | None = None,
    follows: Meeting | None = None,
) -> Meeting:
    """Schedule a meeting run by `by`: invitations, the standard
    questions (the Universal Lead Definition's “ask the question”), a starting agenda.

    A confirmation meeting's agenda lists every proposal of the definition open for a vote.
    """
    permissions.facilitate_require(by, "schedule a meeting")
    if sponsor is not None and not sponsor.has_perm("definitions.approve_version"):
        raise ValidationError({"sponsor": "The executive sponsor must have the Executive role."})
    meeting = Meeting(
        definition=definition,
        kind=kind,
        title=title.strip(),
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        place=place.strip(),
        call_link=call_link.strip(),
        facilitator=by,
        sponsor=sponsor,
        follows=follows,
    )
    _save(meeting, "Scheduled")

    people = list(invitees)
    if sponsor is not None:
        people.append(sponsor)
    _invite(meeting, people)

    for position, text in enumerate(DEFAULT_QUESTIONS if questions is None else questions, start=1):
        _save(Question(meeting=meeting, position=position, text=text.strip()), "Question set")

    agenda = list(DEFAULT_AGENDA.get(kind, []))
    for position, text in enumerate(agenda, start=1):
        _save(AgendaItem(meeting=meeting, position=position, title=text), "Agenda set")
    if kind == Meeting.Kind.CONFIRMATION:
        position = len(agenda)
        for proposal in Proposal.objects.for_definition(definition).open().order_by("pk"):
            position += 1
            _save(
                AgendaItem(
                    meeting=meeting,
                    position=position,
                    title=f"Vote: {proposal.title}"[:200],
                    proposal=proposal,
                ),
                "Proposal put on the agenda",
            )
    return meeting


@transaction.atomic
def meeting_update(
    *,
    meeting: Meeting,
    by: User,
    title: str,
    starts_at: datetime,
    duration_minutes: int,
    place: str = "",
    call_link: str = "",
    sponsor: User | None = None,
) -> Meeting:
    """Change the meeting's details; a new sponsor is invited."""
    meeting = _lock(meeting)
    permissions.facilitator_require(meeting, by, "change the meeting")
    _refuse_if_closed(meeting, "its details")
    if sponsor is not None and not sponsor.has_perm("definitions.approve_version"):
        raise ValidationError({"sponsor": "The executive sponsor must have the Executive role."})
    meeting.title = title.strip()
    meeting.starts_at = starts_at
    meeting.duration_minutes = duration_minutes
    meeting.place = place.strip()
    meeting.call_link = call_link.strip()
    meeting.sponsor = sponsor
    _save(meeting, f"Details changed by {by}")
    if sponsor is not None:
        _invite(meeting, [sponsor])
    return meeting


def _invite(meeting: Meeting, people: Iterable[User]) -> list[Attendance]:
    already = set(Attendance.objects.filter(meeting=meeting).values_list("person_id", flat=True))
    added = []
    for person in people:
        if person.pk in already or not person.is_active:
            continue
        already.add(person.pk)
        attendance = Attendance(meeting=meeting, person=person, department=person.department)
        _save(attendance, "Invited")
        added.append(attendance)
    return added


@transaction.atomic
def invitations_add(*, meeting: Meeting, by: User, people: Iterable[User]) -> list[Attendance]:
    meeting = _lock(meeting)
    permissions.facilitator_require(meeting, by, "invite people")
    _refuse_if_closed(meeting, "the invitations")
    return _invite(meeting, people)


@transaction.atomic
def invitation_remove(*, meeting: Meeting, by: User, person: User) -> None:
    """Withdraw an invitation sent by mistake; someone who has answered stays invited."""
    meeting = _lock(meeting)
    permissions.facilitator_require(meeting, by, "change the invitations")
    _refuse_if_closed(meeting, "the invitations")
    if person.pk == meeting.sponsor_id:
        raise ValidationError("The executive sponsor stays invited; change the sponsor first.")
    if Answer.objects.for_meeting(meeting).by(person).exists():
        raise ValidationError(f"{person} has answered, so stays invited.")
    attendance = Attendance.objects.filter(meeting=meeting, person=person).first()
    if attendance is None:
        raise ValidationError(f"{person} is not invited.")
    attendance._change_reason = "Invitation withdrawn"
    attendance.delete()


@transaction.atomic
def attendance_record(*, meeting: Meeting, by: User, present: Iterable[User]) -> None:
    """Mark who is present; every other invited person is recorded as absent."""
    meeting = _lock(meeting)
    permissions.facilitator_require(meeting, by, "take attendance")
    _refuse_if_closed(meeting, "attendance")
    present_ids = {person.pk for person in present}
    for attendance in Attendance.objects.filter(meeting=meeting):
        value = attendance.person_id in present_ids
        if attendance.present is not value:
            attendance.present = value
            _save(attendance, "Attendance taken")


@transaction.atomic
def meeting_start(*, meeting: Meeting, by: User) -> Meeting:
    meeting = _lock(meeting)
    permissions.facilitator_require(meeting, by, "start the meeting")
    if meeting.status != Meeting.Status.PLANNED:
        raise ValidationError("Only a planned meeting can be started.")
    meeting.status = Meeting.Status.IN_PROGRESS
    _save(meeting, f"Started by {by}")
    return meeting


@transaction.atomic
def meeting_close(*, meeting: Meeting, by: User) -> Meeting:
    """Close the meeting: answers, minutes, agenda and attendance are frozen."""
    meeting = _lock(meeting)
    permissions.facilitator_require(meeting, by, "close the meeting")
    if meeting.status == Meeting.Status.CLOSED:
        raise ValidationError("This meeting is already closed.")
    meeting.status = Meeting.Status.CLOSED
    meeting.closed_at = timezone.now()
    _save(meeting, f"Closed by {by}")
    return meeting


@transaction.atomic
def meeting_reopen(*, meeting: Meeting, by: User) -> Meeting:
    """Reopen a closed meeting; the history records who reopened it and when."""
    meeting = _lock(meeting)
    permissions.facilitator_require(meeting, by, "reopen the meeting")
    if meeting.status != Meeting.Status.CLOSED:
        raise ValidationError("Only a closed meeting can be reopened.")
    meeting.status = Meeting.Status.IN_PROGRESS
    meeting.closed_at = None
    _save(meeting, f"Reopened by {by}")
    return meeting


@transaction.atomic
def review_schedule_next(*, meeting: Meeting, by: User) -> Meeting:
    """The bi-weekly review two weeks after `meeting`, with the same people: the
    Universal Lead Definition's “close the loop” step."""
    permissions.facilitate_require(by, "schedule a meeting")
    if meeting.starts_at.date() > LATEST - timedelta(days=15):
        raise ValidationError(
            f"This meeting is in {meeting.starts_at.year}: correct its date before "
            "scheduling the review after it."
        )
    starts_at = meeting.starts_at + timedelta(days=14)
    local = timezone.localtime(starts_at)
    return meeting_schedule(
        by=by,
        definition=meeting.definition,
        kind=Meeting.Kind.REVIEW,
        title=f"Review of {meeting.definition.name}, {local:%-d %B %Y}"[:200],
        starts_at=starts_at,
        duration_minutes=meeting.duration_minutes,
        place=meeting.place,
        call_link=meeting.call_link,
        sponsor=meeting.sponsor,
        invitees=[a.person for a in meeting.attendances.select_related("person")],
        follows=meeting,
    )
