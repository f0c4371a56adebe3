"""Two saves of one lead's feedback at the same moment leave one row, never an error."""

import threading

import pytest
from django.db import connection, connections

from feedback import services
from feedback.catalogue import reasons_default_ensure
from feedback.models import LeadFeedback, RejectionReason
from tests.accounts.factories import UserFactory
from tests.feedback.factories import cycle_make, lead_make

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite serialises writers anyway"
    ),
]


def test_simultaneous_saves_of_one_leads_feedback_keep_one_row():
    reasons_default_ensure(RejectionReason)
    rep = UserFactory(department="sales")
    cycle = cycle_make()
    for _ in range(5):
        lead = lead_make(cycle, rep=rep)
        barrier = threading.Barrier(2)
        errors = []

        def save(decision, lead=lead, barrier=barrier, errors=errors):
            try:
                barrier.wait()
                services.feedback_record(
                    lead=lead,
                    rep=rep,
                    agrees_with_stage=decision == "accepted",
                    decision=decision,
                    reasons=RejectionReason.objects.filter(label="Timing")
                    if decision != "accepted"
                    else [],
                )
            except Exception as error:
                errors.append(error)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=save, args=(d,)) for d in ("accepted", "recycled")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert LeadFeedback.objects.filter(lead=lead).count() == 1


def test_feedback_and_an_outcome_saved_together_leave_fresh_figures():
    """Each write rewrites the lead's figures; the second waits for the first and reads it."""
    from datetime import date

    from feedback.models import LeadFigures

    reasons_default_ensure(RejectionReason)
    rep = UserFactory(department="sales")
    cycle = cycle_make()
    facilitator = cycle.definition.facilitator
    timing = list(RejectionReason.objects.filter(label="Timing"))
    for _ in range(20):
        lead = lead_make(cycle, rep=rep)
        barrier = threading.Barrier(2)
        errors = []

        def run(write, barrier=barrier, errors=errors):
            try:
                barrier.wait()
                write()
            except Exception as error:
                errors.append(error)
            finally:
                connections.close_all()

        writes = [
            lambda lead=lead: services.feedback_record(
                lead=lead, rep=rep, agrees_with_stage=False, decision="rejected", reasons=timing
            ),
            lambda lead=lead: services.outcome_record(
                lead=lead, result="bought", occurred_on=date.today(), amount=None, by=facilitator
            ),
        ]
        threads = [threading.Thread(target=run, args=(write,)) for write in writes]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        figures = LeadFigures.objects.get(lead=lead)
        assert (figures.decision, figures.outcome_result) == ("rejected", "bought")


def test_bulk_actions_and_a_save_at_the_same_moment_leave_one_row_per_lead():
    """Two bulk actions over overlapping leads and a single save of one of them, all at once:
    no error, no deadlock, one feedback per lead, and sums a rebuild would give."""
    from tests.feedback.test_summaries import assert_summaries_fresh

    reasons_default_ensure(RejectionReason)
    rep = UserFactory(department="sales")
    cycle = cycle_make()
    timing = list(RejectionReason.objects.filter(label="Timing"))
    for round_ in range(5):
        leads = [lead_make(cycle, rep=rep) for _ in range(4)]
        if round_ % 2:  # every other round, the leads already have a verdict to change
            services.feedback_bulk(
                cycle=cycle, rep=rep, lead_ids=[lead.pk for lead in leads], decision="accepted"
            )
        barrier = threading.Barrier(3)
        errors = []

        def run(write, barrier=barrier, errors=errors):
            try:
                barrier.wait()
                write()
            except Exception as error:
                errors.append(error)
            finally:
                connections.close_all()

        writes = [
            lambda leads=leads: services.feedback_bulk(
                cycle=cycle, rep=rep, lead_ids=[lead.pk for lead in leads], decision="accepted"
            ),
            lambda leads=leads: services.feedback_bulk(
                cycle=cycle,
                rep=rep,
                lead_ids=[leads[3].pk, leads[2].pk, leads[0].pk],
                decision="recycled",
                reasons=timing,
            ),
            lambda leads=leads: services.feedback_record(
                lead=leads[1], rep=rep, agrees_with_stage=False, decision="rejected", reasons=timing
            ),
        ]
        threads = [threading.Thread(target=run, args=(write,)) for write in writes]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        for lead in leads:
            assert LeadFeedback.objects.filter(lead=lead).count() == 1
    assert_summaries_fresh()
