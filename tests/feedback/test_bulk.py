"""A bulk accept or reject writes, for every selected lead, what a save of that lead would
(the verdict, its reasons, one history record holding them, the day's tally, the figures
and their sums), in the same number of statements for three leads as for twelve."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from feedback import services
from feedback.catalogue import reasons_default_ensure
from feedback.models import (
    LeadFeedback,
    LeadFigures,
    RejectionDay,
    RejectionFigures,
    RejectionReason,
)
from tests.feedback.factories import QUALIFIED, cycle_make, lead_make
from tests.feedback.test_summaries import assert_summaries_fresh

pytestmark = pytest.mark.django_db


@pytest.fixture
def reasons():
    reasons_default_ensure(RejectionReason)
    return list(RejectionReason.objects.active().order_by("pk")[:2])


def leads_with_every_kind_of_past(cycle, rep, reasons, count: int) -> list:
    """`count` leads: a third never reviewed, a third accepted with a comment, a third
    rejected for another reason."""
    leads = [lead_make(cycle, rep=rep, **QUALIFIED) for _ in range(count)]
    for index, lead in enumerate(leads):
        if index % 3 == 1:
            services.feedback_record(
                lead=lead, rep=rep, agrees_with_stage=True, decision="accepted", comment="Warm"
            )
        elif index % 3 == 2:
            services.feedback_record(
                lead=lead,
                rep=rep,
                agrees_with_stage=False,
                decision="rejected",
                reasons=reasons[1:],
            )
    return leads


def days() -> list:
    """The health warning's tallies that count something (a rebuild drops the empty ones)."""
    rows = RejectionDay.objects.values_list("definition_id", "day", "rejections", "unwritten")
    return sorted(row for row in rows if row[2] or row[3])


def test_a_bulk_reject_leaves_each_lead_as_its_own_save_would(sales_rep, reasons):
    cycle = cycle_make()
    leads = leads_with_every_kind_of_past(cycle, sales_rep, reasons, 6)
    records_before = {
        lead.pk: LeadFeedback.history.filter(lead_id=lead.pk).count() for lead in leads
    }

    count = services.feedback_bulk(
        cycle=cycle,
        rep=sales_rep,
        lead_ids=[lead.pk for lead in leads],
        decision="rejected",
        reasons=reasons[:1],
    )

    assert count == 6
    for index, lead in enumerate(leads):
        feedback = LeadFeedback.objects.get(lead=lead, cycle=cycle)
        assert (feedback.decision, feedback.agrees_with_stage) == ("rejected", False)
        assert [r.pk for r in feedback.reasons.all()] == [reasons[0].pk]
        assert feedback.comment == ("Warm" if index % 3 == 1 else "")  # the text is kept
        assert feedback.rep == sales_rep and feedback.version_id == lead.version_id
        history = LeadFeedback.history.filter(lead_id=lead.pk).order_by(
            "history_date", "history_id"
        )
        assert history.count() == records_before[lead.pk] + 1
        record = history.last()
        assert record.history_type == ("+" if index % 3 == 0 else "~")
        assert record.history_change_reason == ("Given" if index % 3 == 0 else "Changed")
        assert record.history_user == sales_rep
        assert (record.decision, record.comment) == ("rejected", feedback.comment)
        assert [r.rejectionreason_id for r in record.reasons.all()] == [reasons[0].pk]
        assert LeadFigures.objects.get(lead=lead).decision == "rejected"
    tallies = days()
    services.rejection_days_rebuild(definition_ids=[cycle.definition_id])
    assert days() == tallies
    assert rejections_figured() == rejections_given()
    assert_summaries_fresh()


def rejections_figured() -> list:
    """(lead, reason) of every rejection's figures row."""
    return sorted(RejectionFigures.objects.values_list("lead_id", "reason_id"))


def rejections_given() -> list:
    """(lead, reason) of every reason a rejected or recycled feedback gives."""
    links = LeadFeedback.reasons.through.objects.filter(
        leadfeedback__decision__in=["rejected", "recycled"]
    )
    return sorted(links.values_list("leadfeedback__lead_id", "rejectionreason_id"))


def test_a_bulk_accept_drops_the_reasons_and_undoes_the_tally(sales_rep, reasons):
    cycle = cycle_make()
    leads = leads_with_every_kind_of_past(cycle, sales_rep, reasons, 3)
    services.feedback_bulk(
        cycle=cycle, rep=sales_rep, lead_ids=[lead.pk for lead in leads], decision="accepted"
    )
    assert set(LeadFeedback.objects.values_list("decision", flat=True)) == {"accepted"}
    assert not LeadFeedback.reasons.through.objects.exists()
    assert rejections_figured() == []
    assert days() == []
    tallies = days()
    services.rejection_days_rebuild(definition_ids=[cycle.definition_id])
    assert days() == tallies
    assert_summaries_fresh()


def test_a_bulk_action_runs_the_same_statements_for_three_leads_as_for_twelve(sales_rep, reasons):
    def statements(count: int) -> int:
        cycle = cycle_make()
        leads = leads_with_every_kind_of_past(cycle, sales_rep, reasons, count)
        with CaptureQueriesContext(connection) as queries:
            services.feedback_bulk(
                cycle=cycle,
                rep=sales_rep,
                lead_ids=[lead.pk for lead in leads],
                decision="recycled",
                reasons=reasons[:1],
            )
        return len(queries)

    assert statements(3) == statements(12)
