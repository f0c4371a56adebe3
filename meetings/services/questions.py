"""The agenda, the questions and the answers to them."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from config.db import insert_or_retry
from definitions.models import Proposal
from meetings import permissions
from meetings.models import (
    AgendaItem,
    Answer,
    Meeting,
    Question,
)
from meetings.services._common import _lock, _refuse_if_closed, _save

# --- agenda and questions ---------------------------------------------------------------


@transaction.atomic
def agenda_item_add(
    *, meeting: Meeting, by: User, title: str = "", proposal: Proposal | None = None
) -> AgendaItem:
    meeting = _lock(meeting)
    permissions.facilitator_require(meeting, by, "change the agenda")
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
    permissions.facilitator_require(meeting, by, "change the agenda")
    _refuse_if_closed(meeting, "the agenda")
    item._change_reason = "Agenda item removed"
    item.delete()


@transaction.atomic
def agenda_item_move(*, item: AgendaItem, by: User, up: bool) -> None:
    """Swap an agenda item with its neighbour above (or below)."""
    meeting = _lock(item.meeting)
    permissions.facilitator_require(meeting, by, "change the agenda")
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
    permissions.facilitator_require(meeting, by, "change the questions")
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
    permissions.facilitator_require(meeting, by, "change the questions")
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
    permissions.facilitator_require(meeting, by, "change the questions")
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
    permissions.invited_require(meeting, person, "answer its questions")
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

    def change_the_winner() -> Answer:
        # The same person answered twice at once (two tabs): keep one answer, the latest.
        winner = Answer.objects.get(question=question, person=person)
        winner.text, winner.answered_at = text, timezone.now()
        _save(winner, "Answer changed")
        return winner

    return insert_or_retry(insert, change_the_winner, adding=answer._state.adding)


@transaction.atomic
def answers_save(*, meeting: Meeting, person: User, texts: dict[int, str]) -> list[Answer]:
    """Save several answers at once (the answer form); blank ones are left as they were."""
    meeting = _lock(meeting)
    permissions.invited_require(meeting, person, "answer its questions")
    _refuse_if_closed(meeting, "answers")
    questions = {q.pk: q for q in Question.objects.filter(meeting=meeting)}
    saved = []
    for question_id, text in texts.items():
        if question_id not in questions:
            raise ValidationError("That question is not part of this meeting.")
        if text.strip():
            saved.append(answer_save(question=questions[question_id], person=person, text=text))
    return saved
