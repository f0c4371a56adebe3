"""The backtest groups leads by what the draft's rules make of their values, in SQL; it must
count exactly what checking every lead one by one counts, whatever the kind of rule."""

import itertools
import random
from collections import Counter
from datetime import timedelta

import pytest

from definitions.ladder import STARTING_LADDER
from feedback import numbers, services
from feedback.checks import Mark, ladder_check, lead_values
from feedback.models import CriterionResult, Lead
from tests.definitions.factories import DefinitionFactory, version_published
from tests.feedback.factories import cycle_make, lead_make

pytestmark = pytest.mark.django_db

HUMAN = {"key": "human", "statement": "Sounds like a real person", "evidence": "stated"}


def rule(key, field, operator, value=None):
    return {
        "key": key,
        "statement": key,
        "evidence": "stated",
        "rule": {"field": field, "operator": operator, "value": value},
    }


# One stage per kind of rule, so that every criterion decides how far a lead climbs.
DRAFT = {
    "stages": [
        {
            "key": "inquiry",
            "level": "inquiry",
            "name": "Inquiry",
            "criteria": [rule("mail", "email", "is_present"), {**HUMAN, "rule": None}],
        },
        {
            "key": "lead",
            "level": "lead",
            "name": "Lead",
            "criteria": [
                rule("industry", "industry", "in", ["Manufacturing", "logistics"]),
                rule("size", "company_size", "between", [50, 500]),
            ],
        },
        {
            "key": "accepted",
            "level": "accepted",
            "name": "Accepted",
            "criteria": [
                rule("senior", "seniority", "at_least", "director"),
                rule("asked", "asked_for_information", "is_true"),
            ],
        },
        {
            "key": "opportunity",
            "level": "opportunity",
            "name": "Opportunity",
            "criteria": [
                rule("budget", "budget_evidence", "at_least", "stated"),
                rule("region", "region", "is_present"),
            ],
        },
    ]
}


def test_the_backtest_counts_what_checking_each_lead_counts(monkeypatch):
    definition = DefinitionFactory()
    ladder = [dict(stage, criteria=list(stage["criteria"])) for stage in STARTING_LADDER]
    ladder[0]["criteria"] = ladder[0]["criteria"] + [{**HUMAN, "rule": None}]
    version_published(definition, {"stages": ladder})
    cycle = cycle_make(definition)
    human = cycle.version.stages.get(key="inquiry").criteria.get(key="human")
    pick = random.Random(7)
    values = itertools.product(
        ["", "a@example.com"],
        ["", "manufacturing ", "Logistics", "Retail"],
        [None, 49, 50, 500, 501],
        ["", "manager", "director", "owner"],
        [None, True, False],
        ["believed", "stated"],
        ["", "EMEA"],
    )
    for n, (email, industry, size, seniority, asked, budget, region) in enumerate(values):
        if pick.random() > 0.35:  # a spread of combinations, not all 1 920
            continue
        lead = lead_make(
            cycle,
            crm_reference=f"B-{n}",
            email=email,
            industry=industry,
            company_size=size,
            seniority=seniority,
            asked_for_information=asked,
            budget_evidence=budget,
            region=region,
        )
        if n % 4:
            services.criterion_mark(
                lead=lead, criterion=human, result="met", evidence="stated", by=lead.rep
            )
    monkeypatch.setattr(numbers, "draft_build", lambda d, latest=None: (DRAFT, [object()], []))
    result = numbers.backtest(definition, now=cycle.starts_at + timedelta(days=1))

    draft = numbers.draft_ladder(DRAFT)
    draft_human = draft[0][1][1]
    expected = Counter()
    for lead in Lead.objects.filter(cycle=cycle):
        marked = CriterionResult.objects.filter(lead=lead, criterion=human, result="met").exists()
        marks = {draft_human.pk: Mark("met", "stated", None, None)} if marked else {}
        reached, _ = ladder_check(draft, lead_values(lead), marks)
        expected[reached.level if reached else ""] += 1
    assert result.total == sum(expected.values()) > 500
    assert len(expected) >= 5  # the leads spread over every level
    for index, row in enumerate(result.rows):
        assert row["draft"] == sum(expected[level] for level in numbers.LEVELS[index:])
