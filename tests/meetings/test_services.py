"""The rules of meetings, enforced in the services and the database."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from definitions.models import Proposal, Vote
from meetings import selectors, services
from meetings.models import (
    DEFAULT_QUESTIONS,
    ActionItem,
    AgendaItem,
    Answer,
    Attendance,
    Confirmation,
    Meeting,
    Question,
)
from tests.accounts.factories import UserFactory
from tests.meetings.factories import meeting_scheduled

pytestmark = pytest.mark.django_db


def first_question(meeting) -> Question:
    return meeting.questions.first()


def test_scheduling_invites_the_sponsor_and_asks_seed_001s_questions(meeting, executive):
    assert [q.text for q in meeting.questions.all()] == DEFAULT_QUESTIONS
    assert meeting.attendances.filter(person=executive).exists()
    assert meeting.status == Meeting.Status.PLANNED
    assert meeting.agenda_items.count() > 0


def test_only_a_facilitator_schedules_a_meeting(marketer):
    with pytest.raises(PermissionDenied, match="Facilitator role"):
        meeting_scheduled(facilitator=marketer)


def test_the_sponsor_must_be_an_executive(facilitator, sales_rep):
    with pytest.raises(ValidationError) as error:
        meeting_scheduled(facilitator=facilitator, sponsor=sales_rep)
    assert "sponsor" in error.value.message_dict


def test_a_meeting_shorter_than_five_minutes_is_refused_naming_the_field(facilitator):
    with pytest.raises(ValidationError) as error:
        meeting_scheduled(facilitator=facilitator, duration_minutes=2)
    assert "duration_minutes" in error.value.message_dict


def test_composition_warnings_name_missing_marketing_sales_and_executive(marketer):
    executive = UserFactory(department="other", roles=["Executive"])
    warnings = selectors.composition_warnings([marketer])
    assert len(warnings) == 2
    assert any("sales" in w for w in warnings)
    assert any("executive" in w for w in warnings)
    assert selectors.composition_warnings([marketer, executive]) == [
        w for w in warnings if "sales" in w
    ]


def test_a_confirmation_meeting_puts_open_proposals_on_its_agenda(facilitator, marketer):
    kickoff = meeting_scheduled(facilitator=facilitator, invitees=[marketer])
    answer = services.answer_save(
        question=first_question(kickoff), person=marketer, text="Asked for a demo"
    )
    proposal = services.proposal_from_answers(
        meeting=kickoff,
        by=facilitator,
        answers=[answer],
        stage_key="mql",
        statement="Asked for a demo",
        origin_url="/meetings/1/answers/",
    )
    confirmation = meeting_scheduled(
        facilitator=facilitator,
        definition=kickoff.definition,
        kind=Meeting.Kind.CONFIRMATION,
        invitees=[marketer],
    )
    assert AgendaItem.objects.filter(meeting=confirmation, proposal=proposal).exists()


# --- answers ------------------------------------------------------------------------------


def test_an_invited_person_answers_and_can_change_the_answer(meeting, marketer):
    question = first_question(meeting)
    services.answer_save(question=question, person=marketer, text="Budget and a need")
    answer = services.answer_save(question=question, person=marketer, text="Budget, need, time")
    assert Answer.objects.filter(question=question, person=marketer).count() == 1
    assert answer.text == "Budget, need, time"
    assert answer.history.count() == 2


def test_someone_not_invited_cannot_answer(meeting):
    outsider = UserFactory(department="sales")
    with pytest.raises(PermissionDenied, match="Only people invited"):
        services.answer_save(question=first_question(meeting), person=outsider, text="Me too")
    assert not Answer.objects.exists()


def test_an_empty_answer_is_refused_naming_the_field(meeting, marketer):
    with pytest.raises(ValidationError) as error:
        services.answer_save(question=first_question(meeting), person=marketer, text="   ")
    assert "text" in error.value.message_dict


def test_the_database_allows_one_answer_per_person_per_question(meeting, marketer):
    question = first_question(meeting)
    Answer.objects.create(question=question, person=marketer, text="one")
    with pytest.raises(IntegrityError), transaction.atomic():
        Answer.objects.create(question=question, person=marketer, text="two")


def test_a_closed_meeting_refuses_answers_with_a_clear_message(meeting, facilitator, marketer):
    services.meeting_close(meeting=meeting, by=facilitator)
    with pytest.raises(ValidationError, match="meeting is closed"):
        services.answer_save(question=first_question(meeting), person=marketer, text="Late")


def test_answers_save_keeps_blank_answers_as_they_were(meeting, marketer):
    q1, q2 = list(meeting.questions.all())[:2]
    services.answer_save(question=q2, person=marketer, text="Kept")
    services.answers_save(meeting=meeting, person=marketer, texts={q1.pk: "New", q2.pk: ""})
    assert Answer.objects.get(question=q2, person=marketer).text == "Kept"
    assert Answer.objects.get(question=q1, person=marketer).text == "New"


# --- facilitator-only edits and closing -------------------------------------------------


@pytest.mark.parametrize(
    "write",
    [
        lambda m, by: services.minutes_save(meeting=m, by=by, text="Notes"),
        lambda m, by: services.summary_publish(meeting=m, by=by, text="We agreed"),
        lambda m, by: services.agenda_item_add(meeting=m, by=by, title="More"),
        lambda m, by: services.question_add(meeting=m, by=by, text="Why?"),
        lambda m, by: services.meeting_close(meeting=m, by=by),
    ],
)
def test_only_the_meetings_facilitator_edits_agenda_minutes_and_summary(meeting, write):
    other_facilitator = UserFactory(department="other", roles=["Facilitator"])
    with pytest.raises(PermissionDenied, match="Only this meeting's facilitator"):
        write(meeting, other_facilitator)


@pytest.mark.parametrize(
    "write",
    [
        lambda m, by: services.minutes_save(meeting=m, by=by, text="Notes"),
        lambda m, by: services.summary_publish(meeting=m, by=by, text="We agreed"),
        lambda m, by: services.agenda_item_add(meeting=m, by=by, title="More"),
        lambda m, by: services.question_add(meeting=m, by=by, text="Why?"),
        lambda m, by: services.attendance_record(meeting=m, by=by, present=[]),
        lambda m, by: services.action_item_add(
            meeting=m, by=by, text="Do", owner=by, due=timezone.localdate()
        ),
    ],
)
def test_a_closed_meeting_refuses_edits(meeting, facilitator, write):
    services.meeting_close(meeting=meeting, by=facilitator)
    with pytest.raises(ValidationError, match="meeting is closed"):
        write(meeting, facilitator)


def test_reopening_is_the_facilitators_and_is_recorded_in_the_history(meeting, facilitator):
    services.meeting_close(meeting=meeting, by=facilitator)
    other = UserFactory(department="other", roles=["Facilitator"])
    with pytest.raises(PermissionDenied):
        services.meeting_reopen(meeting=meeting, by=other)
    services.meeting_reopen(meeting=meeting, by=facilitator)
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.IN_PROGRESS
    assert meeting.closed_at is None
    reasons = list(meeting.history.values_list("history_change_reason", flat=True))
    assert f"Reopened by {facilitator}" in reasons
    assert f"Closed by {facilitator}" in reasons


def test_the_meeting_moves_planned_in_progress_closed(meeting, facilitator):
    services.meeting_start(meeting=meeting, by=facilitator)
    with pytest.raises(ValidationError, match="Only a planned meeting"):
        services.meeting_start(meeting=meeting, by=facilitator)
    services.meeting_close(meeting=meeting, by=facilitator)
    with pytest.raises(ValidationError, match="already closed"):
        services.meeting_close(meeting=meeting, by=facilitator)


def test_the_database_refuses_a_closed_meeting_without_a_closing_time(meeting):
    meeting.status = Meeting.Status.CLOSED
    with pytest.raises(IntegrityError), transaction.atomic():
        meeting.save()


def test_attendance_marks_present_and_absent(meeting, facilitator, marketer, sales_rep):
    services.attendance_record(meeting=meeting, by=facilitator, present=[marketer])
    presence = dict(meeting.attendances.values_list("person_id", "present"))
    assert presence[marketer.pk] is True
    assert presence[sales_rep.pk] is False


def test_a_question_with_answers_cannot_be_removed(meeting, facilitator, marketer):
    question = first_question(meeting)
    services.answer_save(question=question, person=marketer, text="Yes")
    with pytest.raises(ValidationError, match="stays"):
        services.question_remove(question=question, by=facilitator)


def test_minutes_keep_their_history(meeting, facilitator):
    services.minutes_save(meeting=meeting, by=facilitator, text="First")
    minutes = services.minutes_save(meeting=meeting, by=facilitator, text="Second")
    assert [h.text for h in minutes.history.order_by("history_date")] == ["First", "Second"]


# --- action items -----------------------------------------------------------------------


def test_action_items_are_open_then_overdue_then_done(meeting, facilitator, marketer):
    yesterday = timezone.localdate() - timedelta(days=1)
    item = services.action_item_add(
        meeting=meeting, by=facilitator, text="Send the ICP", owner=marketer, due=yesterday
    )
    assert list(ActionItem.objects.owned_by(marketer).overdue()) == [item]
    services.action_item_mark(item=item, by=marketer)
    assert not ActionItem.objects.owned_by(marketer).open().exists()


def test_only_the_owner_or_facilitator_ticks_an_action_item(meeting, facilitator, marketer):
    item = services.action_item_add(
        meeting=meeting, by=facilitator, text="Do it", owner=marketer, due=timezone.localdate()
    )
    with pytest.raises(PermissionDenied):
        services.action_item_mark(item=item, by=UserFactory())


# --- summary and confirmations ----------------------------------------------------------


def test_a_concern_needs_a_comment(meeting, facilitator, marketer):
    services.summary_publish(meeting=meeting, by=facilitator, text="We agreed on five criteria")
    with pytest.raises(ValidationError) as error:
        services.confirmation_give(meeting=meeting, person=marketer, position="concern")
    assert "comment" in error.value.message_dict


def test_the_database_refuses_a_concern_without_a_comment(meeting, facilitator, marketer):
    summary = services.summary_publish(meeting=meeting, by=facilitator, text="Done")
    with pytest.raises(IntegrityError), transaction.atomic():
        Confirmation.objects.create(
            summary=summary, person=marketer, position="concern", comment="", revision=1
        )


def test_confirmations_are_taken_after_the_meeting_closes(meeting, facilitator, marketer):
    services.summary_publish(meeting=meeting, by=facilitator, text="We agreed")
    services.meeting_close(meeting=meeting, by=facilitator)
    confirmation = services.confirmation_give(meeting=meeting, person=marketer, position="confirm")
    assert confirmation.revision == 1


def test_only_invited_people_confirm(meeting, facilitator):
    services.summary_publish(meeting=meeting, by=facilitator, text="We agreed")
    with pytest.raises(PermissionDenied):
        services.confirmation_give(meeting=meeting, person=UserFactory(), position="confirm")


def test_revising_the_summary_asks_everyone_to_confirm_again(meeting, facilitator, marketer):
    services.summary_publish(meeting=meeting, by=facilitator, text="Version one")
    services.confirmation_give(meeting=meeting, person=marketer, position="confirm")
    assert Confirmation.objects.current().count() == 1
    summary = services.summary_publish(meeting=meeting, by=facilitator, text="Version two")
    assert summary.revision == 2
    assert Confirmation.objects.current().count() == 0


# --- proposals and votes ----------------------------------------------------------------


def test_answers_become_a_proposal_linked_both_ways(meeting, facilitator, marketer, sales_rep):
    question = first_question(meeting)
    a1 = services.answer_save(question=question, person=marketer, text="Asked for a demo")
    a2 = services.answer_save(question=question, person=sales_rep, text="Has a budget")
    proposal = services.proposal_from_answers(
        meeting=meeting,
        by=facilitator,
        answers=[a1, a2],
        stage_key="mql",
        statement="Asked for a demo",
        origin_url=f"/meetings/{meeting.pk}/answers/",
    )
    assert proposal.origin == Proposal.Origin.MEETING
    assert proposal.origin_label == f"Answers from {meeting.title}"
    assert proposal.origin_url == f"/meetings/{meeting.pk}/answers/"
    assert set(proposal.meeting_answers.all()) == {a1, a2}
    latest = a1.history.latest("history_date")
    assert [row.proposal_id for row in latest.proposals.all()] == [proposal.pk]


def test_a_proposal_from_answers_with_an_unknown_stage_names_the_field(
    meeting, facilitator, marketer
):
    answer = services.answer_save(question=first_question(meeting), person=marketer, text="x")
    with pytest.raises(ValidationError) as error:
        services.proposal_from_answers(
            meeting=meeting,
            by=facilitator,
            answers=[answer],
            stage_key="nope",
            statement="x",
            origin_url="/",
        )
    assert "stage_key" in error.value.message_dict
    assert not Proposal.objects.filter(origin=Proposal.Origin.MEETING).exists()


def test_answers_from_another_meeting_cannot_make_a_proposal(meeting, facilitator, marketer):
    other = meeting_scheduled(facilitator=facilitator, invitees=[marketer])
    answer = services.answer_save(question=first_question(other), person=marketer, text="x")
    with pytest.raises(ValidationError) as error:
        services.proposal_from_answers(
            meeting=meeting,
            by=facilitator,
            answers=[answer],
            stage_key="mql",
            statement="x",
            origin_url="/",
        )
    assert "answers" in error.value.message_dict


def test_attendees_vote_on_agenda_proposals_through_vote_cast(meeting, facilitator, marketer):
    answer = services.answer_save(question=first_question(meeting), person=marketer, text="x")
    proposal = services.proposal_from_answers(
        meeting=meeting,
        by=facilitator,
        answers=[answer],
        stage_key="mql",
        statement="Asked for a demo",
        origin_url="/",
    )
    services.agenda_item_add(meeting=meeting, by=facilitator, proposal=proposal)
    vote = services.vote_from_meeting(
        meeting=meeting, proposal=proposal, voter=marketer, position=Vote.Position.AGREE
    )
    assert vote.department == "marketing"
    with pytest.raises(ValidationError) as error:
        services.vote_from_meeting(
            meeting=meeting, proposal=proposal, voter=marketer, position=Vote.Position.BLOCK
        )
    assert "comment" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        services.vote_from_meeting(
            meeting=meeting,
            proposal=proposal,
            voter=UserFactory(department="sales"),
            position=Vote.Position.AGREE,
        )


# --- next review and reminders ----------------------------------------------------------


def test_the_next_review_is_two_weeks_later_with_the_same_people(meeting, facilitator):
    review = services.review_schedule_next(meeting=meeting, by=facilitator)
    assert review.kind == Meeting.Kind.REVIEW
    assert review.starts_at == meeting.starts_at + timedelta(days=14)
    assert review.follows == meeting
    assert set(review.attendances.values_list("person_id", flat=True)) == set(
        meeting.attendances.values_list("person_id", flat=True)
    )


def test_reminders_go_only_to_people_who_have_not_answered_everything(
    meeting, facilitator, marketer, sales_rep, executive, django_capture_on_commit_callbacks
):
    for question in meeting.questions.all():
        services.answer_save(question=question, person=marketer, text="Done")
    services.answer_save(question=first_question(meeting), person=sales_rep, text="Some")
    with django_capture_on_commit_callbacks(execute=True):
        reminded = services.reminders_send(meeting=meeting, by=facilitator, meeting_url="http://x/")
    assert set(reminded) == {sales_rep, executive}
    assert sorted(m.to[0] for m in mail.outbox) == sorted([sales_rep.email, executive.email])
    assert "3 questions left" in next(m for m in mail.outbox if m.to == [sales_rep.email]).body


def test_an_invitation_is_unique_per_person(meeting, facilitator, marketer):
    added = services.invitations_add(meeting=meeting, by=facilitator, people=[marketer])
    assert added == []
    assert Attendance.objects.filter(meeting=meeting, person=marketer).count() == 1


def test_an_action_item_goes_to_someone_in_the_meeting(meeting, facilitator):
    with pytest.raises(ValidationError) as error:
        services.action_item_add(
            meeting=meeting,
            by=facilitator,
            text="Do it",
            owner=UserFactory(),
            due=timezone.localdate(),
        )
    assert "owner" in error.value.message_dict


def test_agenda_items_move_up_and_down(meeting, facilitator):
    def titles():
        return list(meeting.agenda_items.values_list("title", flat=True))

    before = titles()
    services.agenda_item_move(item=meeting.agenda_items.last(), by=facilitator, up=True)
    assert titles() == [*before[:-2], before[-1], before[-2]]
    services.agenda_item_move(item=meeting.agenda_items.first(), by=facilitator, up=True)
    assert titles()[0] == before[0]
    with pytest.raises(PermissionDenied):
        services.agenda_item_move(
            item=meeting.agenda_items.first(), by=UserFactory(roles=["Facilitator"]), up=False
        )


def test_an_invitation_is_withdrawn_unless_the_person_answered(
    meeting, facilitator, marketer, sales_rep, executive
):
    services.answer_save(question=first_question(meeting), person=marketer, text="Yes")
    with pytest.raises(ValidationError, match="has answered"):
        services.invitation_remove(meeting=meeting, by=facilitator, person=marketer)
    with pytest.raises(ValidationError, match="sponsor stays invited"):
        services.invitation_remove(meeting=meeting, by=facilitator, person=executive)
    services.invitation_remove(meeting=meeting, by=facilitator, person=sales_rep)
    assert not meeting.attendances.filter(person=sales_rep).exists()


def test_a_question_is_reworded_only_before_anyone_answers(meeting, facilitator, marketer):
    question = first_question(meeting)
    services.question_reword(question=question, by=facilitator, text="What is a lead to you?")
    question.refresh_from_db()
    assert question.text == "What is a lead to you?"
    services.answer_save(question=question, person=marketer, text="A person with a need")
    with pytest.raises(ValidationError, match="wording stays"):
        services.question_reword(question=question, by=facilitator, text="Changed")
