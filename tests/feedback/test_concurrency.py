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
