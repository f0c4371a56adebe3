"""Every write in meetings: scheduling, invitations, answers, minutes, actions, summaries.

Services are keyword-only and atomic. They raise PermissionDenied for a person who may not
act and ValidationError (naming the field where there is one) for a state that forbids the
action, and write nothing when a rule says no.
"""

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mass_mail
from django.db import transaction
from django.utils import timezone

from accounts.decorators import permission_require
from accounts.models import User
from config.db import insert_or_retry
from config.fields import LATEST
from definitions import services as definition_services
from definitions.models import Definition, EvidenceStandard, Proposal, Vote
from meetings.models import (
    DEFAULT_QUESTIONS,
    ActionItem,
    AgendaItem,
    Answer,
    Attendance,
    Confirmation,
    Meeting,
    Minutes,
    Question,
    Summary,
)
from meetings.selectors import people_missing_answers

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


def _require_facilitate(user: User, action: str) -> None:
    permission_require(user, "meetings.facilitate", action=action)


def facilitator_require(meeting: Meeting, by: User, action: str) -> None:
    """Only the meeting's own facilitator runs it; views call this before parsing input."""
    if by.pk != meeting.facilitator_id:
        raise PermissionDenied(
            f"Only this meeting's facilitator, {meeting.facilitator}, can {action}."
        )


def _refuse_if_closed(meeting: Meeting, what: str) -> None:
    if meeting.status == Meeting.Status.CLOSED:
        raise ValidationError(
            f"This meeting is closed, so {what} can no longer change. "
            "Its facilitator can reopen it."
        )


def _lock(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_related("facilitator").select_for_update().get(pk=meeting.pk)


def _is_invited(meeting: Meeting, person: User) -> bool:
    return Attendance.objects.filter(meeting=meeting, person=person).exists()


def _save(obj, reason: str) -> None:
    obj.full_clean()
    obj._change_reason = reason
    obj.save()


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
    """Schedule a meeting run by `by`: invitations, seed 001's questions, a starting agenda.

    A confirmation meeting's agenda lists every proposal of the definition open for a vote.
    """
    _require_facilitate(by, "schedule a meeting")
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
    facilitator_require(meeting, by, "change the meeting")
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
    facilitator_require(meeting, by, "invite people")
    _refuse_if_closed(meeting, "the invitations")
    return _invite(meeting, people)


@transaction.atomic
def invitation_remove(*, meeting: Meeting, by: User, person: User) -> None:
    """Withdraw an invitation sent by mistake; someone who has answered stays invited."""
    meeting = _lock(meeting)
    facilitator_require(meeting, by, "change the invitations")
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
    facilitator_require(meeting, by, "take attendance")
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
    facilitator_require(meeting, by, "start the meeting")
    if meeting.status != Meeting.Status.PLANNED:
        raise ValidationError("Only a planned meeting can be started.")
    meeting.status = Meeting.Status.IN_PROGRESS
    _save(meeting, f"Started by {by}")
    return meeting


@transaction.atomic
def meeting_close(*, meeting: Meeting, by: User) -> Meeting:
    """Close the meeting: answers, minutes, agenda and attendance are frozen."""
    meeting = _lock(meeting)
    facilitator_require(meeting, by, "close the meeting")
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
    facilitator_require(meeting, by, "reopen the meeting")
    if meeting.status != Meeting.Status.CLOSED:
        raise ValidationError("Only a closed meeting can be reopened.")
    meeting.status = Meeting.Status.IN_PROGRESS
    meeting.closed_at = None
    _save(meeting, f"Reopened by {by}")
    return meeting


@transaction.atomic
def review_schedule_next(*, meeting: Meeting, by: User) -> Meeting:
    """The bi-weekly review two weeks after `meeting`, with the same people (seed 001, step 5)."""
    _require_facilitate(by, "schedule a meeting")
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


# --- agenda and questions ---------------------------------------------------------------


@transaction.atomic
def agenda_item_add(
    *, meeting: Meeting, by: User, title: str = "", proposal: Proposal | None = None
) -> AgendaItem:
    meeting = _lock(meeting)
    facilitator_require(meeting, by, "change the agenda")
    _refuse_if_closed(meeting, "the agenda")
    title = title.strip()
    if proposal is not None:
        if proposal.definition_id != meeting.definition_id:
            raise ValidationError({"proposal": "Choose a proposal of this meeting's definition."})
        if AgendaItem.objects.filter(meeting=meeting, proposal=proposal).exists():
            raise ValidationError({"proposal": "That proposal is already on the agenda."})
        title = title or f"Vote: {proposal.title}"[:200]
    if not title:
        raise ValidationError({"title": "Say what the agenda item is about."})
    last = AgendaItem.objects.filter(meeting=meeting).order_by("-position").first()
    item = AgendaItem(
        meeting=meeting,
        position=(last.position if last else 0) + 1,
        title=title,
        proposal=proposal,
    )
    _save(item, "Agenda item added")
    return item


@transaction.atomic
def agenda_item_remove(*, item: AgendaItem, by: User) -> None:
    meeting = _lock(item.meeting)
    facilitator_require(meeting, by, "change the agenda")
    _refuse_if_closed(meeting, "the agenda")
    item._change_reason = "Agenda item removed"
    item.delete()


@transaction.atomic
def agenda_item_move(*, item: AgendaItem, by: User, up: bool) -> None:
    """Swap an agenda item with its neighbour above (or below)."""
    meeting = _lock(item.meeting)
    facilitator_require(meeting, by, "change the agenda")
    _refuse_if_closed(meeting, "the agenda")
    items = list(AgendaItem.objects.filter(meeting=meeting))
    index = next(i for i, other in enumerate(items) if other.pk == item.pk)
    neighbour = index - 1 if up else index + 1
    if not 0 <= neighbour < len(items):
        return
    # Renumber all items in their new order, so equal or gapped positions never linger.
    items[index], items[neighbour] = items[neighbour], items[index]
    for position, each in enumerate(items, start=1):
        if each.position != position:
            each.position = position
            _save(each, "Agenda reordered")


@transaction.atomic
def question_add(*, meeting: Meeting, by: User, text: str) -> Question:
    meeting = _lock(meeting)
    facilitator_require(meeting, by, "change the questions")
    _refuse_if_closed(meeting, "the questions")
    text = text.strip()
    if not text:
        raise ValidationError({"text": "Write the question."})
    last = Question.objects.filter(meeting=meeting).order_by("-position").first()
    question = Question(meeting=meeting, position=(last.position if last else 0) + 1, text=text)
    _save(question, "Question added")
    return question


@transaction.atomic
def question_reword(*, question: Question, by: User, text: str) -> Question:
    """Change a question's wording while nobody has answered it yet."""
    meeting = _lock(question.meeting)
    facilitator_require(meeting, by, "change the questions")
    _refuse_if_closed(meeting, "the questions")
    if question.answers.exists():
        raise ValidationError("People have answered this question, so its wording stays.")
    text = text.strip()
    if not text:
        raise ValidationError({"text": "Write the question."})
    question.text = text
    _save(question, "Question reworded")
    return question


@transaction.atomic
def question_remove(*, question: Question, by: User) -> None:
    meeting = _lock(question.meeting)
    facilitator_require(meeting, by, "change the questions")
    _refuse_if_closed(meeting, "the questions")
    if question.answers.exists():
        raise ValidationError("People have answered this question, so it stays.")
    question._change_reason = "Question removed"
    question.delete()


# --- answers ----------------------------------------------------------------------------


@transaction.atomic
def answer_save(*, question: Question, person: User, text: str) -> Answer:
    """Write or change `person`'s one answer to `question`; only invited people answer."""
    meeting = _lock(question.meeting)
    if not _is_invited(meeting, person):
        raise PermissionDenied("Only people invited to this meeting answer its questions.")
    _refuse_if_closed(meeting, "answers")
    text = text.strip()
    if not text:
        raise ValidationError({"text": "Write an answer."})
    answer = Answer.objects.filter(question=question, person=person).first()
    reason = "Answer changed"
    if answer is None:
        answer = Answer(question=question, person=person)
        reason = "Answered"
    elif answer.text == text:
        return answer
    answer.text = text
    answer.answered_at = timezone.now()
    answer.full_clean(validate_unique=False)
    answer._change_reason = reason

    def insert() -> Answer:
        answer.save()
        return answer

    def after_conflict() -> Answer:
        # The same person answered twice at once (two tabs): keep one answer, the latest.
        winner = Answer.objects.get(question=question, person=person)
        winner.text, winner.answered_at = text, timezone.now()
        _save(winner, "Answer changed")
        return winner

    return insert_or_retry(insert, after_conflict)


@transaction.atomic
def answers_save(*, meeting: Meeting, person: User, texts: dict[int, str]) -> list[Answer]:
    """Save several answers at once (the answer form); blank ones are left as they were."""
    meeting = _lock(meeting)
    if not _is_invited(meeting, person):
        raise PermissionDenied("Only people invited to this meeting answer its questions.")
    _refuse_if_closed(meeting, "answers")
    questions = {q.pk: q for q in Question.objects.filter(meeting=meeting)}
    saved = []
    for question_id, text in texts.items():
        if question_id not in questions:
            raise ValidationError("That question is not part of this meeting.")
        if text.strip():
            saved.append(answer_save(question=questions[question_id], person=person, text=text))
    return saved


# --- minutes and action items -----------------------------------------------------------


@transaction.atomic
def minutes_save(*, meeting: Meeting, by: User, text: str) -> Minutes:
    meeting = _lock(meeting)
    facilitator_require(meeting, by, "edit the minutes")
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
    facilitator_require(meeting, by, "add action items")
    _refuse_if_closed(meeting, "the action items")
    if not text.strip():
        raise ValidationError({"text": "Say what has to be done."})
    if owner.pk != meeting.facilitator_id and not _is_invited(meeting, owner):
        raise ValidationError({"owner": "Give the action to someone invited to this meeting."})
    item = ActionItem(meeting=meeting, text=text.strip(), owner=owner, due=due)
    _save(item, "Action item added")
    return item


@transaction.atomic
def action_item_mark(*, item: ActionItem, by: User, done: bool = True) -> ActionItem:
    """The owner or the facilitator ticks an item off (also after the meeting has closed)."""
    item = ActionItem.objects.select_for_update().select_related("meeting").get(pk=item.pk)
    if by.pk not in (item.owner_id, item.meeting.facilitator_id):
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
    facilitator_require(meeting, by, "publish the summary")
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
    if not _is_invited(meeting, person):
        raise PermissionDenied("Only people invited to this meeting confirm its summary.")
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


# --- proposals and votes ----------------------------------------------------------------


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
    facilitator_require(meeting, by, "turn answers into a proposal")
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
    if not _is_invited(meeting, voter):
        raise PermissionDenied("Only people invited to this meeting vote from its page.")
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

    facilitator_require(meeting, by, "send reminders")
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
