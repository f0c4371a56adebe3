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


def _together(writes) -> list:
    """Run the writes at one moment, each in its own thread and connection; their errors."""
    barrier, errors = threading.Barrier(len(writes)), []

    def run(write):
        try:
            barrier.wait()
            write()
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(write,)) for write in writes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


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
        writes = [
            lambda lead=lead: services.feedback_record(
                lead=lead, rep=rep, agrees_with_stage=False, decision="rejected", reasons=timing
            ),
            lambda lead=lead: services.outcome_record(
                lead=lead, result="bought", occurred_on=date.today(), amount=None, by=facilitator
            ),
        ]
        assert _together(writes) == []
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
        assert _together(writes) == []
        for lead in leads:
            assert LeadFeedback.objects.filter(lead=lead).count() == 1
    assert_summaries_fresh()
    _assert_tallies_and_rejections_fresh(cycle)


def _assert_tallies_and_rejections_fresh(cycle):
    from tests.feedback.test_bulk import days, rejections_figured, rejections_given

    tallies = days()
    services.rejection_days_rebuild(definition_ids=[cycle.definition_id])
    assert days() == tallies
    assert rejections_figured() == rejections_given()


def test_a_bulk_action_that_meets_a_first_verdict_committed_meanwhile_writes_it_as_a_change(
    monkeypatch,
):
    """Another tab gives one of the selected leads its first verdict, and commits, after the
    bulk action read their rows: the bulk action's insert conflicts, it reads them again and
    writes that lead's verdict as a change, with no error and nothing lost."""
    from feedback.services import feedback as writes
    from tests.feedback.test_summaries import assert_summaries_fresh

    reasons_default_ensure(RejectionReason)
    rep = UserFactory(department="sales")
    cycle = cycle_make()
    timing = list(RejectionReason.objects.filter(label="Timing"))
    leads = [lead_make(cycle, rep=rep) for _ in range(3)]
    read, errors = writes._links_of, []

    def other_tab():
        try:
            services.feedback_record(
                lead=leads[1], rep=rep, agrees_with_stage=True, decision="accepted"
            )
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    def meanwhile(feedback_ids):
        if not errors and not LeadFeedback.objects.filter(lead=leads[1]).exists():
            thread = threading.Thread(target=other_tab)
            thread.start()
            thread.join()
        return read(feedback_ids)

    monkeypatch.setattr(writes, "_links_of", meanwhile)
    write, attempts = writes._bulk_write, []
    monkeypatch.setattr(writes, "_bulk_write", lambda *a: attempts.append(1) or write(*a))
    services.feedback_bulk(
        cycle=cycle,
        rep=rep,
        lead_ids=[lead.pk for lead in leads],
        decision="rejected",
        reasons=timing,
    )
    assert errors == []
    assert len(attempts) == 2  # the conflict, then the whole action again, set-based
    for lead in leads:
        feedback = LeadFeedback.objects.get(lead=lead)
        assert (feedback.decision, list(feedback.reasons.all())) == ("rejected", timing)
    history = LeadFeedback.history.filter(lead_id=leads[1].pk).order_by("history_date")
    assert [(r.history_change_reason, r.decision) for r in history] == [
        ("Given", "accepted"),
        ("Changed", "rejected"),
    ]
    assert_summaries_fresh()
    _assert_tallies_and_rejections_fresh(cycle)
