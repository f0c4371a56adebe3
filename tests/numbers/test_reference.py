"""Every figure of the numbers pages computed twice on generated data: by the SQL selectors in
numbers_app and by a plain-Python reference over the same rows. They must agree,
including empty periods and zero denominators (None, never 0 or an error)."""

import calendar
import copy
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from definitions.ladder import STARTING_LADDER
from definitions.rules import EVIDENCE_LEVELS, SENIORITY_LEVELS
from feedback import services
from feedback.catalogue import reasons_default_ensure
from feedback.checks import Mark, ladder_check, ladders_for, lead_values
from feedback.models import Lead, RejectionReason
from feedback.rounding import percent
from numbers_app import backtest, figures
from numbers_app.criteria import PREDICTOR_MIN, criteria_prediction
from numbers_app.filters import Filters
from numbers_app.lead_lists import disagreements, rejected_then_bought
from numbers_app.reasons import PRIVATE_FILTER_MIN, PRIVATE_FILTER_SHARE, rejection_reasons
from tests.definitions.factories import DefinitionFactory, version_published
from tests.feedback.factories import rep_make

pytestmark = pytest.mark.django_db

SOURCES = ["web_inquiry", "webinar", "purchased_list"]
DECISIONS = [None, "accepted", "rejected", "rejected", "recycled"]
OUTCOMES = [None, None, "bought", "lost", "opportunity", "open", "no_decision"]
# Days from hand-over to the outcome: before it, on the day, inside and outside 24 months.
OUTCOME_DAYS = [-10, 0, 1, 400, 730, 731, 735, 740, 900]
# Days from hand-over to the feedback: a rejection is dated by the day it was given.
FEEDBACK_DAYS = [0, 1, 9]

lead_spec = st.fixed_dictionaries(
    {
        "cycle": st.integers(0, 1),
        "hours": st.integers(1, 300),
        "seniority": st.sampled_from(["", *SENIORITY_LEVELS]),
        "phone": st.booleans(),
        "email": st.booleans(),
        "company_size": st.sampled_from([None, 20, 400]),
        "asked_for_information": st.sampled_from([None, True, False]),
        "permission_to_follow_up": st.sampled_from([None, True, True, False]),
        "need_evidence": st.sampled_from(EVIDENCE_LEVELS),
        "budget_evidence": st.sampled_from(EVIDENCE_LEVELS),
        "authority_evidence": st.sampled_from(EVIDENCE_LEVELS),
        "source": st.sampled_from(SOURCES),
        "rep": st.integers(0, 2),
        "stage_handed_over": st.sampled_from(["lead", "accepted", "opportunity"]),
        "decision": st.sampled_from(DECISIONS),
        "reasons": st.sets(st.integers(0, 9), min_size=1, max_size=3),
        "outcome": st.sampled_from(OUTCOMES),
        "outcome_days": st.sampled_from(OUTCOME_DAYS),
        "feedback_days": st.sampled_from(FEEDBACK_DAYS),
        "amount": st.sampled_from([None, Decimal("1000"), Decimal("25000.50")]),
    }
)

# Version 2 asks for a director or above where version 1 asked for a manager.
LADDER_V2 = copy.deepcopy(STARTING_LADDER)
LADDER_V2[2]["criteria"][0]["rule"]["value"] = "director"
# The draft under test in the backtest: VP or above, and a stated budget is enough.
LADDER_DRAFT = copy.deepcopy(STARTING_LADDER)
LADDER_DRAFT[2]["criteria"][0]["rule"]["value"] = "vp"
LADDER_DRAFT[3]["criteria"][1]["rule"]["value"] = "stated"


def dataset_build(specs: list[dict]):
    """Two cycles (version 1, then version 2) with the leads, feedback and outcomes in `specs`,
    all written through the services."""
    reasons_default_ensure(RejectionReason)
    reasons = list(RejectionReason.objects.order_by("position", "label"))[:10]
    definition = DefinitionFactory()
    facilitator = definition.facilitator
    version_published(definition)
    reps = [rep_make(full_name=f"Rep {n}") for n in range(3)]
    start = timezone.now() + timedelta(hours=1)
    cycles = [services.cycle_open(definition=definition, by=facilitator, starts_at=start, days=14)]
    by_cycle = [[s for s in specs if s["cycle"] == 0], [s for s in specs if s["cycle"] == 1]]
    n = 0
    for index, cycle_specs in enumerate(by_cycle):
        if index == 1:
            version_published(definition, {"stages": LADDER_V2})
            cycles.append(
                services.cycle_open(
                    definition=definition,
                    by=facilitator,
                    starts_at=start + timedelta(days=14),
                    days=14,
                )
            )
        cycle = cycles[index]
        for spec in cycle_specs:
            n += 1
            rep = reps[spec["rep"]]
            lead = services.lead_create(
                cycle=cycle,
                rep=rep,
                by=facilitator,
                crm_reference=f"REF-{n}",
                company=f"Company {n}",
                email=f"c{n}@example.com" if spec["email"] else "",
                phone="+44 20 7946 0000" if spec["phone"] else "",
                seniority=spec["seniority"],
                company_size=spec["company_size"],
                asked_for_information=spec["asked_for_information"],
                permission_to_follow_up=spec["permission_to_follow_up"],
                need_evidence=spec["need_evidence"],
                budget_evidence=spec["budget_evidence"],
                authority_evidence=spec["authority_evidence"],
                source=spec["source"],
                stage_handed_over=spec["stage_handed_over"],
                handed_over_at=cycle.starts_at + timedelta(hours=spec["hours"]),
            )
            if spec["decision"]:
                services.feedback_record(
                    lead=lead,
                    rep=rep,
                    agrees_with_stage=spec["decision"] == "accepted",
                    decision=spec["decision"],
                    reasons=[reasons[i] for i in sorted(spec["reasons"])]
                    if spec["decision"] != "accepted"
                    else [],
                    now=lead.handed_over_at + timedelta(days=spec.get("feedback_days", 0)),
                )
            if spec["outcome"]:
                services.outcome_record(
                    lead=lead,
                    result=spec["outcome"],
                    occurred_on=timezone.localdate(lead.handed_over_at)
                    + timedelta(days=spec["outcome_days"]),
                    amount=spec["amount"],
                    by=facilitator,
                )
    return definition, cycles, reps


# --- the plain-Python reference ------------------------------------------------------------


def reference_rows(definition) -> list[SimpleNamespace]:
    """Every lead of the definition as plain values, read row by row."""
    rows = []
    leads = (
        Lead.objects.filter(definition=definition)
        .select_related("version")
        .prefetch_related("feedback__reasons", "criterion_results")
    )
    ladders = ladders_for(definition.versions.values_list("pk", flat=True))
    for lead in leads:
        # The check evaluated again here, lead by lead, with the marks people made.
        marks = {
            r.criterion_id: Mark(r.result, r.evidence_seen, r.marked_by_id, r.marked_at)
            for r in lead.criterion_results.all()
        }
        _, outcomes = ladder_check(ladders.get(lead.version_id, []), lead_values(lead), marks)
        feedback = next((f for f in lead.feedback.all() if f.cycle_id == lead.cycle_id), None)
        try:
            level = lead.qualification.level_reached
        except Lead.qualification.RelatedObjectDoesNotExist:
            level = None
        try:
            outcome = lead.outcome
        except Lead.outcome.RelatedObjectDoesNotExist:
            outcome = None
        rows.append(
            SimpleNamespace(
                pk=lead.pk,
                lead=lead,
                day=timezone.localdate(lead.handed_over_at),
                cycle=lead.cycle_id,
                version=lead.version_id,
                stage=lead.stage_handed_over,
                source=lead.source,
                rep=lead.rep_id,
                decision=feedback.decision if feedback else None,
                decided_on=timezone.localdate(feedback.created_at) if feedback else None,
                reasons=[(r.pk, r.label, r.kind, r.criterion_key) for r in feedback.reasons.all()]
                if feedback
                else [],
                level=level,
                outcome=outcome.result if outcome else None,
                outcome_on=outcome.occurred_on if outcome else None,
                amount=outcome.amount if outcome else None,
                results=[(o.criterion.key, o.criterion.statement, o.result) for o in outcomes],
            )
        )
    return rows


def div(a, b):
    return None if not b else a / b


def keep(row, f: Filters) -> bool:
    return (
        (f.date_from is None or row.day >= f.date_from)
        and (f.date_to is None or row.day <= f.date_to)
        and (not f.version_id or row.version == f.version_id)
        and (not f.source or row.source == f.source)
        and (not f.rep_id or row.rep == f.rep_id)
    )


def months_after(day: date, months: int) -> date:
    """The same day `months` calendar months later, or that month's last day."""
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def within_24_months_after(start: date, day: date | None) -> bool:
    return day is not None and start <= day <= months_after(start, figures.WINDOW_MONTHS)


def rejected_bought(row) -> bool:
    """Bought within 24 calendar months after the rejection (the feedback's date)."""
    return (
        row.decision == "rejected"
        and row.outcome == "bought"
        and within_24_months_after(row.decided_on, row.outcome_on)
    )


def bought_later(row) -> bool:
    """Bought after the hand-over, within the same 24 months: never before it."""
    return row.outcome == "bought" and within_24_months_after(row.day, row.outcome_on)


def ref_counts(rows) -> dict:
    counts = {
        "handed": len(rows),
        "reviewed": sum(r.decision is not None for r in rows),
        "accepted": sum(r.decision == "accepted" for r in rows),
        "rejected": sum(r.decision == "rejected" for r in rows),
        "recycled": sum(r.decision == "recycled" for r in rows),
        "bought": sum(r.outcome == "bought" for r in rows),
        "rejected_bought": sum(rejected_bought(r) for r in rows),
        "high_rejected": sum(
            r.level in ("opportunity", "customer") and r.decision == "rejected" for r in rows
        ),
        "accepted_low": sum(
            r.decision == "accepted" and r.level in (None, "", "inquiry") for r in rows
        ),
    }
    counts["acceptance"] = div(counts["accepted"], counts["handed"])
    counts["rejected_bought_share"] = div(counts["rejected_bought"], counts["rejected"])
    counts["bought_share"] = div(counts["bought"], counts["handed"])
    return counts


def ref_reasons(rows, level_filter=None) -> list[dict]:
    rejected = [r for r in rows if r.decision == "rejected"]
    if level_filter:
        rejected = [r for r in rejected if r.level in level_filter]
    counts = Counter(reason for r in rejected for reason in r.reasons)
    # Reasons given on recycled leads are shown too, in their own column, never as rejections.
    recycled = Counter(
        reason
        for r in rows
        if r.decision == "recycled" and not level_filter
        for reason in r.reasons
    )
    total = sum(r.decision == "rejected" for r in rows)
    ranked = sorted(
        ((reason, counts[reason]) for reason in set(counts) | set(recycled)),
        key=lambda item: (-item[1], item[0][1]),
    )
    return [
        {
            "id": reason[0],
            "label": reason[1],
            "count": n,
            "recycled": recycled[reason],
            "share": div(n, total),
            "private_filter": reason[2] == "unwritten"
            and n >= PRIVATE_FILTER_MIN
            and div(n, total) > PRIVATE_FILTER_SHARE,
        }
        for reason, n in ranked
    ]


def ref_criteria(rows) -> dict:
    table = defaultdict(Counter)
    for r in rows:
        accepted = r.decision == "accepted"
        for key, _, result in r.results:
            c = table[key]
            c[result] += 1
            if result == "met" and accepted:
                c["met_accepted"] += 1
            if result == "missed" and (accepted or bought_later(r)):
                c["missed_accepted_or_bought"] += 1
    out = {}
    for key, c in table.items():
        met_share = div(c["met_accepted"], c["met"])
        missed_share = div(c["missed_accepted_or_bought"], c["missed"])
        lift = None if met_share is None or missed_share is None else met_share - missed_share
        out[key] = {
            "met": c["met"],
            "met_accepted": c["met_accepted"],
            "missed": c["missed"],
            "missed_accepted_or_bought": c["missed_accepted_or_bought"],
            "unknown": c["unknown"],
            "met_accepted_share": met_share,
            "missed_accepted_or_bought_share": missed_share,
            "predicts_badly": lift is not None
            and c["met"] >= PREDICTOR_MIN
            and c["missed"] >= PREDICTOR_MIN
            and lift <= 0,
        }
    return out


LEVEL_RANK = {"lead": 1, "accepted": 2, "opportunity": 3, "customer": 4}


def ref_rank(r) -> int:
    outcome = {"bought": 4, "opportunity": 3, "lost": 3, "no_decision": 3}.get(r.outcome, 0)
    return max(LEVEL_RANK.get(r.level, 0), 2 if r.decision == "accepted" else 0, outcome)


def ref_funnel(rows) -> dict:
    counts = [sum(ref_rank(r) >= k for r in rows) for k in range(5)]
    amounts = [r.amount for r in rows if r.outcome == "bought" and r.amount is not None]
    return {
        "counts": counts,
        "conversions": [div(counts[k + 1], counts[k]) for k in range(4)],
        "average": sum(amounts) / len(amounts) if amounts else None,
    }


def approx(value):
    return None if value is None else pytest.approx(value)


# --- the comparison ------------------------------------------------------------------------


def filters_to_try(definition, cycles, reps) -> list[Filters]:
    first_day = timezone.localdate(cycles[0].starts_at)
    versions = list(definition.versions.order_by("number"))
    return [
        Filters(),
        Filters(source="webinar"),
        Filters(rep_id=reps[1].pk),
        Filters(version_id=versions[-1].pk),
        Filters(date_from=first_day + timedelta(days=3), date_to=first_day + timedelta(days=17)),
        Filters(source="purchased_list", rep_id=reps[0].pk),
        # An empty period: every rate is None.
        Filters(date_from=date(2001, 1, 1), date_to=date(2001, 1, 31)),
    ]


def assert_figures_agree(definition, filters, all_rows):
    rows = [r for r in all_rows if keep(r, filters)]
    expected = ref_counts(rows)

    totals = figures.totals(definition, filters)
    for name, value in expected.items():
        assert totals[name] == approx(value), (name, filters)

    for dimension, attribute in (
        ("cycle", "cycle"),
        ("version", "version"),
        ("stage", "stage"),
        ("source", "source"),
        ("rep", "rep"),
    ):
        got = {row["key"]: row for row in figures.acceptance_by(definition, filters, dimension)}
        groups = defaultdict(list)
        for r in rows:
            groups[getattr(r, attribute)].append(r)
        assert set(got) == set(groups), (dimension, filters)
        for key, group in groups.items():
            for name, value in ref_counts(group).items():
                if name in ("high_rejected", "accepted_low"):
                    continue  # counted over the whole set only
                assert got[key][name] == approx(value), (dimension, key, name, filters)

    # The page reads the totals and every dimension in one scan on PostgreSQL (grouping
    # sets): the same figures as one query each.
    page_totals, page_by = figures.totals_and_dimensions(definition, filters)
    assert page_totals == figures.totals(definition, filters, with_funnel=True)
    for dimension in figures.DIMENSIONS:
        assert page_by[dimension] == figures.acceptance_by(definition, filters, dimension)

    reasons = rejection_reasons(definition, filters, totals["rejected"])
    expected_reasons = ref_reasons(rows)
    assert [(r["id"], r["count"], r["recycled"]) for r in reasons] == [
        (r["id"], r["count"], r["recycled"]) for r in expected_reasons
    ]
    for got, want in zip(reasons, expected_reasons, strict=True):
        assert got["share"] == approx(want["share"])
        assert got["private_filter"] == want["private_filter"]

    criteria = {row["key"]: row for row in criteria_prediction(definition, filters)}
    expected_criteria = ref_criteria(rows)
    assert set(criteria) == set(expected_criteria)
    for key, want in expected_criteria.items():
        for name, value in want.items():
            assert criteria[key][name] == approx(value), (key, name, filters)

    found = disagreements(definition, filters)
    assert {lead.pk for lead in found["high_rejected"]} == {
        r.pk for r in rows if r.level in ("opportunity", "customer") and r.decision == "rejected"
    }
    assert {lead.pk for lead in found["accepted_low"]} == {
        r.pk for r in rows if r.decision == "accepted" and r.level in (None, "", "inquiry")
    }
    high = ref_reasons(rows, level_filter=("opportunity", "customer"))
    if high:
        assert found["high_rejected_reason"]["label"] == high[0]["label"]
        assert found["high_rejected_reason"]["count"] == high[0]["count"]
    else:
        assert found["high_rejected_reason"] is None
    missed = Counter(
        key
        for r in rows
        if r.decision == "accepted" and r.level in (None, "", "inquiry")
        for key, _, result in r.results
        if result == "missed"
    )
    if missed:
        top = sorted(missed.items(), key=lambda item: (-item[1], item[0]))[0]
        assert (found["accepted_low_missed"]["key"], found["accepted_low_missed"]["count"]) == top
    else:
        assert found["accepted_low_missed"] is None

    assert {lead.pk for lead in rejected_then_bought(definition, filters)} == {
        r.pk for r in rows if rejected_bought(r)
    }

    funnel = figures.funnel(definition, filters)
    # The page takes the funnel from the totals' single scan: the same figures.
    assert (
        figures.funnel(definition, filters, figures.totals(definition, filters, with_funnel=True))
        == funnel
    )
    want = ref_funnel(rows)
    assert [s["count"] for s in funnel["steps"]] == want["counts"]
    assert [s["conversion"] for s in funnel["steps"][:-1]] == [
        approx(c) for c in want["conversions"]
    ]
    if want["average"] is None:
        assert funnel["average_deal"] is None
    else:
        assert funnel["average_deal"] == want["average"].quantize(Decimal("0.01"))


def assert_backtest_agrees(definition, cycles, all_rows, monkeypatch):
    draft = {"stages": copy.deepcopy(LADDER_DRAFT)}
    monkeypatch.setattr(backtest, "draft_build", lambda d, latest=None: (draft, [object()], []))
    cycle = cycles[-1]
    result = backtest.backtest(definition, now=cycle.starts_at + timedelta(days=1))
    rows = [r for r in all_rows if r.cycle == cycle.pk]
    ladder = backtest.draft_ladder(draft)
    expected_draft, expected_now = Counter(), Counter()
    for r in rows:
        reached, _ = ladder_check(ladder, lead_values(r.lead))
        expected_draft[reached.level if reached else ""] += 1
        expected_now[r.level or ""] += 1
    assert result.total == len(rows)
    for index, row in enumerate(result.rows):
        at_least = backtest.LEVELS[index:]
        assert row["draft"] == sum(expected_draft[lvl] for lvl in at_least)
        assert row["now"] == sum(expected_now[lvl] for lvl in at_least)


SLOW = settings(
    max_examples=5,
    deadline=None,
    # Each example writes a dataset through the services; shrinking would take minutes.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


@SLOW
@given(specs=st.lists(lead_spec, min_size=0, max_size=40))
def test_every_figure_agrees_with_a_plain_python_reference(specs, monkeypatch):
    with transaction.atomic():
        definition, cycles, reps = dataset_build(specs)
        rows = reference_rows(definition)
        assert len(rows) == len(specs)
        for filters in filters_to_try(definition, cycles, reps):
            assert_figures_agree(definition, filters, rows)
        with monkeypatch.context() as patch:
            assert_backtest_agrees(definition, cycles, rows, patch)
        transaction.set_rollback(True)


def test_an_empty_period_gives_no_data_not_zero():
    definition, _, _ = dataset_build([])
    filters = Filters()
    totals = figures.totals(definition, filters)
    assert totals["handed"] == 0
    assert totals["acceptance"] is None
    assert totals["rejected_bought_share"] is None
    assert figures.acceptance_by(definition, filters, "cycle") == []
    assert rejection_reasons(definition, filters, totals["rejected"]) == []
    steps = figures.funnel(definition, filters)["steps"]
    assert [s["count"] for s in steps] == [0, 0, 0, 0, 0]
    assert all(s["conversion"] is None for s in steps)
    assert (
        figures.leads_needed(steps, Decimal("100000"), Decimal("10000"))["steps"][0]["needed"]
        is None
    )
    assert percent(None) == "no data"


def test_a_period_with_leads_but_no_rejections_has_no_rejected_then_bought_share():
    spec = {
        "cycle": 0,
        "hours": 5,
        "seniority": "vp",
        "phone": True,
        "email": True,
        "company_size": 400,
        "asked_for_information": True,
        "permission_to_follow_up": True,
        "need_evidence": "stated",
        "budget_evidence": "verified",
        "authority_evidence": "verified",
        "source": "webinar",
        "rep": 0,
        "stage_handed_over": "lead",
        "decision": "accepted",
        "reasons": {0},
        "outcome": "bought",
        "outcome_days": 10,
        "amount": Decimal("5000"),
    }
    definition, _, _ = dataset_build([spec, {**spec, "decision": None}])
    totals = figures.totals(definition, Filters())
    assert totals["acceptance"] == 0.5
    assert totals["rejected"] == 0
    assert totals["rejected_bought_share"] is None
    needed = figures.leads_needed(
        figures.funnel(definition, Filters())["steps"], Decimal("20000"), Decimal("5000")
    )
    # 4 deals; 2 leads handed over for the 2 that bought: 4 leads handed over are needed.
    assert needed["deals"] == 4
    assert needed["steps"][0]["needed"] == 4


def _next_date(month: int, day: int, after: date, *, leap_next: bool = False) -> date:
    """The first `day`/`month` after `after` (in a leap year, or followed by one)."""
    year = after.year
    while True:
        try:
            candidate = date(year, month, day)
        except ValueError:
            candidate = None
        leap = calendar.isleap(year + 1) if leap_next else True
        if candidate and candidate > after and leap:
            return candidate
        year += 1


def _rejected_and_bought(cycle, rep, reason, rejected_on: date, bought_on: date):
    lead = services.lead_create(
        cycle=cycle,
        rep=rep,
        by=cycle.definition.facilitator,
        crm_reference=f"R-{rejected_on}-{bought_on}",
        company="Acme",
        source="webinar",
        stage_handed_over="lead",
        handed_over_at=cycle.starts_at + timedelta(hours=2),
    )
    noon = timezone.make_aware(datetime.combine(rejected_on, time(12)))
    services.feedback_record(
        lead=lead,
        rep=rep,
        agrees_with_stage=False,
        decision="rejected",
        reasons=[reason],
        now=noon,
    )
    services.outcome_record(
        lead=lead,
        result="bought",
        occurred_on=bought_on,
        amount=None,
        by=cycle.definition.facilitator,
    )
    return lead


def test_rejected_then_bought_counts_24_calendar_months_after_the_rejection():
    reasons_default_ensure(RejectionReason)
    reason = RejectionReason.objects.order_by("position").first()
    definition, cycles, reps = dataset_build([])
    cycle, rep = cycles[0], reps[0]
    handed_on = timezone.localdate(cycle.starts_at + timedelta(hours=2))
    # 15 March, with a 29 February in the next 24 months: 731 days to 15 March two years on.
    march = _next_date(3, 15, handed_on + timedelta(days=30), leap_next=True)
    two_years = date(march.year + 2, 3, 15)
    assert (two_years - march).days == 731
    # A rejection on 29 February: 24 months later is 28 February.
    leap_day = _next_date(2, 29, handed_on + timedelta(days=30))
    counted = {
        _rejected_and_bought(cycle, rep, reason, march, two_years),
        _rejected_and_bought(cycle, rep, reason, march, march),
        _rejected_and_bought(cycle, rep, reason, leap_day, date(leap_day.year + 2, 2, 28)),
    }
    not_counted = {
        _rejected_and_bought(cycle, rep, reason, march, two_years + timedelta(days=1)),
        # Bought after the hand-over, but before the rejection.
        _rejected_and_bought(cycle, rep, reason, march, march - timedelta(days=1)),
        _rejected_and_bought(cycle, rep, reason, leap_day, date(leap_day.year + 2, 3, 1)),
    }

    found = {lead.pk for lead in rejected_then_bought(definition, Filters())}
    assert found == {lead.pk for lead in counted}
    totals = figures.totals(definition, Filters())
    assert totals["rejected"] == 6
    assert totals["rejected_bought"] == 3
    assert totals["rejected_bought_share"] == 0.5
    rows = reference_rows(definition)
    assert {r.pk for r in rows if rejected_bought(r)} == {lead.pk for lead in counted}
    assert not {r.pk for r in rows if rejected_bought(r)} & {lead.pk for lead in not_counted}
    assert_figures_agree(definition, Filters(), rows)


def test_the_criteria_table_counts_only_purchases_after_the_hand_over_within_24_months():
    base = {
        "cycle": 0,
        "hours": 5,
        "seniority": "manager",
        "phone": False,  # misses "direct contact information"
        "email": False,
        "company_size": 400,
        "asked_for_information": True,
        "permission_to_follow_up": True,
        "need_evidence": "none",
        "budget_evidence": "none",
        "authority_evidence": "none",
        "source": "webinar",
        "rep": 0,
        "stage_handed_over": "lead",
        "decision": None,
        "reasons": {5},
        "outcome": "bought",
        "amount": None,
    }
    # Before the hand-over (any distance), on its day, and either side of 24 months after.
    specs = [{**base, "outcome_days": days} for days in (-400, -1, 0, 200, 800)]
    definition, _, _ = dataset_build(specs)
    rows = reference_rows(definition)
    later = [r for r in rows if bought_later(r)]
    assert len(later) == 2
    contact = next(row for row in criteria_prediction(definition, Filters()) if row["missed"] == 5)

    assert contact["missed_accepted_or_bought"] == 2
    assert contact["missed_accepted_or_bought_share"] == pytest.approx(0.4)
    assert_figures_agree(definition, Filters(), rows)
