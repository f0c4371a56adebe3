"""The summary rows the numbers add up (per cycle, version, rep, source and stage) against the
per-lead figures they summarise: on generated data written and rewritten through the
services, every summarised figure equals the one computed from the leads' rows, and the
rows equal a recount. Run on SQLite and on PostgreSQL (DATABASE_URL)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from hypothesis import given
from hypothesis import strategies as st

from feedback import services
from feedback.models import FiguresStamp, FiguresSummary, Lead
from numbers_app import figures, selectors
from numbers_app.filters import Filters
from tests.numbers.test_reference import SLOW, dataset_build, filters_to_try, lead_spec

pytestmark = pytest.mark.django_db

SPEC = {
    "cycle": 0,
    "hours": 5,
    "seniority": "director",
    "phone": True,
    "email": True,
    "company_size": 400,
    "asked_for_information": True,
    "permission_to_follow_up": True,
    "need_evidence": "stated",
    "budget_evidence": "believed",
    "authority_evidence": "stated",
    "source": "webinar",
    "rep": 0,
    "stage_handed_over": "lead",
    "decision": "rejected",
    "reasons": {1},
    "outcome": "bought",
    "outcome_days": 400,
    "feedback_days": 1,
    "amount": Decimal("1000"),
}


def _specs(count: int) -> list[dict]:
    """Leads of one group, differing in what the counts tell apart."""
    decisions = [None, "accepted", "rejected", "recycled"]
    outcomes = [None, "bought", "lost"]
    return [
        {**SPEC, "hours": 1 + i, "decision": decisions[i % 4], "outcome": outcomes[i % 3]}
        for i in range(count)
    ]


def _per_lead(monkeypatch, compute):
    with monkeypatch.context() as patch:
        patch.setattr(figures, "summarised", lambda filters: False)
        return compute()


def _rewrite_some(leads, reps, step: int) -> None:
    """Change what some leads' figures derive from: outcomes bought, lost, or changed again,
    so the summary takes old rows out as well as adding new ones."""
    for i, lead in enumerate(leads[::step]):
        result = ["bought", "lost", "opportunity"][i % 3]
        services.outcome_record(
            lead=lead,
            result=result,
            occurred_on=lead.handed_over_at.date() + timedelta(days=30),
            amount=Decimal("1500.25") if result == "bought" else None,
            by=reps[0].__class__.objects.get(pk=lead.rep_id),
        )


@SLOW
@given(specs=st.lists(lead_spec, min_size=0, max_size=30), step=st.integers(1, 4))
def test_summarised_figures_equal_the_per_lead_figures(specs, step, monkeypatch):
    with transaction.atomic():
        definition, cycles, reps = dataset_build(specs)
        _rewrite_some(list(Lead.objects.filter(definition=definition).order_by("pk")), reps, step)
        assert services.summary_drift() == 0
        for filters in filters_to_try(definition, cycles, reps):
            if not figures.summarised(filters):
                continue  # dates: the per-lead rows answer anyway
            summarised = figures.totals_and_dimensions(definition, filters)
            per_lead = _per_lead(
                monkeypatch, lambda f=filters: figures.totals_and_dimensions(definition, f)
            )
            assert summarised == per_lead, filters
            assert figures.totals(definition, filters) == _per_lead(
                monkeypatch, lambda f=filters: figures.totals(definition, f)
            )
            for dim in figures.DIMENSIONS:
                assert figures.acceptance_by(definition, filters, dim) == _per_lead(
                    monkeypatch, lambda f=filters, d=dim: figures.acceptance_by(definition, f, d)
                )
            assert figures.funnel(definition, filters) == _per_lead(
                monkeypatch, lambda f=filters: figures.funnel(definition, f)
            )
        transaction.set_rollback(True)


def test_the_summary_has_rows_per_group_not_per_lead():
    definition, _, _ = dataset_build(_specs(12))
    assert FiguresSummary.objects.filter(definition=definition).count() == 1
    assert figures.totals(definition, Filters())["handed"] == 12


def test_a_save_raises_its_own_definitions_stamp_only():
    one, _, reps = dataset_build(_specs(3))
    other, _, _ = dataset_build(_specs(2))
    before = selectors.data_stamp(one), selectors.data_stamp(other)
    lead = Lead.objects.filter(definition=one).first()
    services.outcome_record(
        lead=lead,
        result="lost",
        occurred_on=lead.handed_over_at.date(),
        amount=None,
        by=reps[0].__class__.objects.get(pk=lead.rep_id),
    )
    assert selectors.data_stamp(one) != before[0]
    assert selectors.data_stamp(other) == before[1]


def test_figures_rebuild_recounts_a_summary_that_drifted(capsys):
    definition, _, _ = dataset_build(_specs(5))
    expected = figures.totals(definition, Filters())
    FiguresSummary.objects.filter(definition=definition).update(n_accepted=99, n_handed=1)
    serial = FiguresStamp.objects.get(definition=definition).serial
    assert services.summary_drift() > 0
    call_command("figures_rebuild")
    assert "recounted" in capsys.readouterr().out
    assert services.summary_drift() == 0
    assert figures.totals(definition, Filters()) == expected
    # The numbers cached before the recount are not served after it.
    assert FiguresStamp.objects.get(definition=definition).serial > serial
