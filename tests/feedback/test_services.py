"""Feedback rules: one per lead per cycle, reasons when rejected, only the rep, history."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from feedback import services
from feedback.models import Lead, LeadFeedback, Outcome, RejectionReason
from tests.feedback.factories import cycle_make, lead_make, rep_make

pytestmark = pytest.mark.django_db


def reason(label):
    return RejectionReason.objects.get(label=label)


def test_the_catalogue_starts_with_the_default_reasons():
    unwritten = set(
        RejectionReason.objects.filter(kind="unwritten").values_list("label", flat=True)
    )
    assert unwritten == {
        "Title below VP",
        "Competitor already engaged",
        "Earlier efforts came up dry",
        "Industry not a focus",
        "Timing",
    }
    assert reason("No verified budget").criterion_key == "sql-budget"


def test_a_rejection_needs_a_reason(sales_rep):
    lead = lead_make(cycle_make(), rep=sales_rep)
    with pytest.raises(ValidationError, match="at least one reason"):
        services.feedback_record(
            lead=lead, rep=sales_rep, agrees_with_stage=False, decision="rejected"
        )
    assert not LeadFeedback.objects.exists()


def test_feedback_is_recorded_once_per_cycle_against_the_hand_over_version(sales_rep):
    lead = lead_make(cycle_make(), rep=sales_rep)
    services.feedback_record(lead=lead, rep=sales_rep, agrees_with_stage=True, decision="accepted")
    feedback = services.feedback_record(
        lead=lead,
        rep=sales_rep,
        agrees_with_stage=False,
        decision="recycled",
        reasons=[reason("Timing")],
        comment="Call back in spring",
    )
    assert LeadFeedback.objects.count() == 1
    assert feedback.version == lead.version
    assert list(feedback.reasons.values_list("label", flat=True)) == ["Timing"]
    # Every change is kept, the reasons with it.
    latest = feedback.history.latest()
    assert latest.decision == "recycled"
    assert [r.rejectionreason.label for r in latest.reasons.all()] == ["Timing"]
    assert feedback.history.earliest().decision == "accepted"


def test_the_database_refuses_a_second_feedback_for_a_lead_in_a_cycle(sales_rep):
    lead = lead_make(cycle_make(), rep=sales_rep)
    services.feedback_record(lead=lead, rep=sales_rep, agrees_with_stage=True, decision="accepted")
    with pytest.raises(IntegrityError), transaction.atomic():
        LeadFeedback.objects.create(
            lead=lead,
            cycle=lead.cycle,
            version=lead.version,
            rep=sales_rep,
            agrees_with_stage=True,
            decision="accepted",
        )


def test_a_rep_cannot_give_feedback_on_someone_elses_lead(sales_rep):
    lead = lead_make(cycle_make())
    with pytest.raises(PermissionDenied):
        services.feedback_record(
            lead=lead, rep=sales_rep, agrees_with_stage=True, decision="accepted"
        )


def test_bulk_reject_asks_for_a_reason_and_bulk_accept_does_not(sales_rep):
    cycle = cycle_make()
    leads = [lead_make(cycle, rep=sales_rep) for _ in range(3)]
    ids = [lead.pk for lead in leads]
    with pytest.raises(ValidationError, match="reason"):
        services.feedback_bulk(cycle=cycle, rep=sales_rep, lead_ids=ids, decision="rejected")
    assert (
        services.feedback_bulk(cycle=cycle, rep=sales_rep, lead_ids=ids, decision="accepted") == 3
    )
    assert Lead.objects.in_cycle(cycle).awaiting_feedback_from(sales_rep).count() == 0


def test_bulk_refuses_leads_that_are_not_the_reps(sales_rep):
    cycle = cycle_make()
    mine = lead_make(cycle, rep=sales_rep)
    theirs = lead_make(cycle, rep=rep_make())
    with pytest.raises(PermissionDenied):
        services.feedback_bulk(
            cycle=cycle, rep=sales_rep, lead_ids=[mine.pk, theirs.pk], decision="accepted"
        )
    assert not LeadFeedback.objects.exists()


def test_awaiting_feedback_lists_only_my_unreviewed_leads_in_the_cycle(sales_rep):
    cycle = cycle_make()
    done, waiting = lead_make(cycle, rep=sales_rep), lead_make(cycle, rep=sales_rep)
    lead_make(cycle)
    services.feedback_record(lead=done, rep=sales_rep, agrees_with_stage=True, decision="accepted")
    assert list(Lead.objects.in_cycle(cycle).awaiting_feedback_from(sales_rep)) == [waiting]


def test_cycles_do_not_overlap_and_need_a_published_version():
    cycle = cycle_make()
    with pytest.raises(ValidationError, match="overlap"):
        services.cycle_open(
            definition=cycle.definition,
            by=cycle.definition.facilitator,
            starts_at=cycle.starts_at + datetime.timedelta(days=3),
        )
    following = services.cycle_open(
        definition=cycle.definition, by=cycle.definition.facilitator, starts_at=cycle.ends_at
    )
    assert following.ends_at - following.starts_at == datetime.timedelta(days=14)
    with pytest.raises(ValidationError, match="publish one first"):
        services.cycle_open(
            definition=cycle.definition,
            by=cycle.definition.facilitator,
            starts_at=timezone.now() - datetime.timedelta(days=400),
        )


def test_the_cadence_sets_the_cycle_length():
    cycle = cycle_make()
    services.cadence_set(definition=cycle.definition, cycle_days=7, by=cycle.definition.facilitator)
    following = services.cycle_open(
        definition=cycle.definition, by=cycle.definition.facilitator, starts_at=cycle.ends_at
    )
    assert following.ends_at - following.starts_at == datetime.timedelta(days=7)


def test_only_a_facilitator_opens_cycles(sales_rep):
    cycle = cycle_make()
    with pytest.raises(PermissionDenied):
        services.cycle_open(definition=cycle.definition, by=sales_rep, starts_at=cycle.ends_at)


def test_a_lead_needs_a_sales_rep(marketer):
    with pytest.raises(ValidationError, match="sales rep"):
        lead_make(cycle_make(), rep=marketer)


def test_a_duplicate_crm_reference_is_a_clear_error():
    cycle = cycle_make()
    lead_make(cycle, crm_reference="A-1")
    with pytest.raises(ValidationError, match="A-1"):
        lead_make(cycle, crm_reference="A-1")


def test_an_outcome_is_one_per_lead_with_history(sales_rep):
    lead = lead_make(cycle_make(), rep=sales_rep)
    services.outcome_record(
        lead=lead, result="open", occurred_on=datetime.date(2026, 12, 1), amount=None, by=sales_rep
    )
    outcome = services.outcome_record(
        lead=lead,
        result="bought",
        occurred_on=datetime.date(2027, 2, 1),
        amount=12000,
        by=sales_rep,
    )
    assert outcome.history.count() == 2
    assert Outcome.objects.get(lead=lead).result == "bought"


def test_an_unwritten_reason_has_no_criterion_and_a_backed_one_has():
    with pytest.raises(IntegrityError), transaction.atomic():
        RejectionReason.objects.create(label="Odd", kind="unwritten", criterion_key="sql-need")


def test_suggestions_need_text(sales_rep):
    cycle = cycle_make()
    with pytest.raises(ValidationError):
        services.suggestion_add(cycle=cycle, author=sales_rep, kind="stop", text="  ")
    assert services.suggestion_add(
        cycle=cycle, author=sales_rep, kind="start", text="Ask for the budget owner"
    ).pk


def test_a_cycle_can_be_tied_to_a_review_meeting_of_its_definition():
    from meetings.models import Meeting
    from tests.meetings.factories import meeting_scheduled

    cycle = cycle_make()
    facilitator = cycle.definition.facilitator
    review = meeting_scheduled(
        facilitator=facilitator,
        definition=cycle.definition,
        kind=Meeting.Kind.REVIEW,
        title="Review of the leads",
    )
    kickoff = meeting_scheduled(facilitator=facilitator, definition=cycle.definition)
    with pytest.raises(ValidationError, match="review meeting"):
        services.cycle_open(
            definition=cycle.definition,
            by=facilitator,
            starts_at=cycle.ends_at,
            meeting_id=kickoff.pk,
        )
    tied = services.cycle_open(
        definition=cycle.definition,
        by=facilitator,
        starts_at=cycle.ends_at,
        meeting_id=review.pk,
    )
    assert tied.meeting_id == review.pk


def test_suggestions_come_from_the_reps(marketer):
    cycle = cycle_make()
    with pytest.raises(PermissionDenied):
        services.suggestion_add(cycle=cycle, author=marketer, kind="stop", text="Stop it")


def test_feedback_cannot_be_saved_on_a_cycle_before_it_starts(sales_rep):
    cycle = cycle_make(starts_at=timezone.now() + datetime.timedelta(days=2))
    lead = lead_make(cycle, rep=sales_rep, handed_over_at=cycle.starts_at)

    with pytest.raises(ValidationError, match="has not started yet"):
        services.feedback_record(
            lead=lead, rep=sales_rep, agrees_with_stage=True, decision="accepted"
        )
    with pytest.raises(ValidationError, match="has not started yet"):
        services.feedback_bulk(cycle=cycle, rep=sales_rep, lead_ids=[lead.pk], decision="accepted")

    assert not LeadFeedback.objects.exists()
    assert cycle.status() == "upcoming"
    assert cycle.status(now=cycle.starts_at) == "open"
    assert cycle.status(now=cycle.ends_at) == "closed"
