"""The approval page's impact: the last cycle's leads replayed, stage by stage, under the
version in force and under a submitted draft; the home card's acceptance among the reviewed."""

import copy

import pytest

from numbers_app.impact import draft_impact
from numbers_app.selectors import acceptance_sentence
from tests.definitions.factories import DefinitionFactory, version_published
from tests.feedback.factories import cycle_make, lead_make

pytestmark = pytest.mark.django_db


def rule(key, field, operator, value=None):
    return {
        "key": key,
        "statement": key,
        "evidence": "stated",
        "rule": {"field": field, "operator": operator, "value": value},
    }


LIVE = {
    "stages": [
        {
            "key": "inquiry",
            "level": "inquiry",
            "name": "Inquiry",
            "criteria": [rule("mail", "email", "is_present")],
        },
        {
            "key": "mql",
            "level": "lead",
            "name": "Marketing Qualified Lead",
            "criteria": [rule("size", "company_size", "at_least", 50)],
        },
        {
            "key": "sql",
            "level": "accepted",
            "name": "Sales Qualified Lead",
            "criteria": [rule("asked", "asked_for_information", "is_true")],
        },
    ]
}


def _cycle_with_leads():
    definition = DefinitionFactory()
    version_published(definition, LIVE)
    cycle = cycle_make(definition)
    for size, asked in [(10, True), (60, True), (100, False), (200, True)]:
        lead_make(cycle, email="a@example.com", company_size=size, asked_for_information=asked)
    lead_make(cycle, email="", company_size=500, asked_for_information=True)
    return definition


def test_the_impact_counts_every_stage_under_the_version_and_the_draft():
    definition = _cycle_with_leads()
    draft = copy.deepcopy(LIVE)
    draft["stages"][1]["criteria"][0]["rule"]["value"] = 150  # MQL gets stricter
    impact = draft_impact(definition, draft)
    rows = {row["name"]: (row["now"], row["draft"], row["delta"]) for row in impact.rows}
    assert impact.total == 5
    assert rows == {
        "Inquiry": (4, 4, 0),
        "Marketing Qualified Lead": (3, 1, -2),
        "Sales Qualified Lead": (2, 1, -1),
    }
    assert [row["name"] for row in impact.changed] == [
        "Marketing Qualified Lead",
        "Sales Qualified Lead",
    ]


def test_a_change_below_an_unchanged_top_stage_still_shows():
    definition = _cycle_with_leads()
    draft = copy.deepcopy(LIVE)
    draft["stages"][0]["criteria"] = []  # nobody can reach the first stage any more
    draft["stages"][2]["criteria"][0]["rule"] = {
        "field": "email",
        "operator": "is_present",
        "value": None,
    }
    impact = draft_impact(definition, draft)
    assert [row["name"] for row in impact.changed] == [
        "Inquiry",
        "Marketing Qualified Lead",
        "Sales Qualified Lead",
    ]
    assert all(row["draft"] == 0 for row in impact.rows)


def test_no_cycle_means_no_impact_figures():
    definition = DefinitionFactory()
    version_published(definition, LIVE)
    impact = draft_impact(definition, LIVE)
    assert impact.cycle is None and impact.rows == []


def _cycle(label, handed, reviewed, accepted):
    return {"label": label, "handed": handed, "reviewed": reviewed, "accepted": accepted}


def test_a_partly_reviewed_cycle_reads_as_the_rate_among_the_reviewed():
    trend = [_cycle("3 Nov", 40, 40, 16), _cycle("17 Nov", 40, 14, 5)]
    assert acceptance_sentence(trend) == (
        "36% accepted among the 14 leads reviewed in the cycle of 17 Nov "
        "(14 of 40 reviewed so far); -4 points on the cycle before"
    )


def test_a_fully_reviewed_cycle_says_no_so_far_and_an_unreviewed_one_no_rate():
    assert acceptance_sentence([_cycle("17 Nov", 20, 20, 5)]) == (
        "25% accepted among the 20 leads reviewed in the cycle of 17 Nov"
    )
    assert acceptance_sentence([_cycle("17 Nov", 20, 0, 0)]) == (
        "0 of 20 reviewed so far in the cycle of 17 Nov"
    )
