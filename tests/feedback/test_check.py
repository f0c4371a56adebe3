"""The qualification check: stages in order, rules evaluated, person checks, stored in SQL."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from definitions.ladder import STARTING_LADDER
from feedback import selectors, services
from feedback.checks import bits_results
from feedback.models import CycleRecheck, Lead, LeadCheck, LeadFigures
from tests.definitions.factories import DefinitionFactory, version_published
from tests.feedback.factories import QUALIFIED, cycle_make, lead_make

pytestmark = pytest.mark.django_db


def checklist_of(lead) -> dict:
    """{criterion key: the result the lead page shows}."""
    lead = Lead.objects.select_related("qualification").get(pk=lead.pk)
    return {
        result.criterion.key: result
        for stage in selectors.lead_checklist(lead)
        for result in stage["results"]
    }


def results_of(lead) -> dict[str, str]:
    """{criterion key: met, missed or unknown}, as shown, after checking that the stored bits
    (which the numbers count) say the same."""
    shown = {key: result.result for key, result in checklist_of(lead).items()}
    check = LeadCheck.objects.get(lead=lead)
    stored = bits_results(check.met_bits, check.missed_bits, len(shown))
    assert dict(zip(shown, stored, strict=True)) == shown
    figures = LeadFigures.objects.get(lead=lead)
    assert (figures.met_bits, figures.missed_bits) == (check.met_bits, check.missed_bits)
    assert figures.level_reached == check.level_reached
    return shown


def test_a_lead_meeting_every_rule_reaches_the_opportunity_stage():
    lead = lead_make(cycle_make(), **QUALIFIED)
    check = LeadCheck.objects.get(lead=lead)
    assert check.level_reached == "opportunity"
    assert set(results_of(lead).values()) == {"met"}
    # The customer stage has no criteria: the check never claims a lead bought.
    assert check.stage_reached.key == "sql"


def test_a_missed_criterion_stops_the_climb_even_if_later_stages_are_met():
    lead = lead_make(cycle_make(), **{**QUALIFIED, "company_size": 10})
    check = LeadCheck.objects.get(lead=lead)
    assert check.level_reached == "inquiry"
    assert results_of(lead)["mql-target-profile"] == "missed"
    assert results_of(lead)["sql-budget"] == "met"


def test_missing_data_is_unknown_and_believed_budget_is_missed():
    lead = lead_make(
        cycle_make(), **{**QUALIFIED, "company_size": None, "budget_evidence": "believed"}
    )
    results = results_of(lead)
    assert results["mql-target-profile"] == "unknown"
    assert results["sql-budget"] == "missed"
    assert checklist_of(lead)["sql-budget"].evidence_seen == "believed"


def test_a_lead_without_contact_reaches_no_stage():
    lead = lead_make(cycle_make(), email="")
    assert LeadCheck.objects.get(lead=lead).level_reached == ""


def person_checked_ladder():
    ladder = [dict(stage, criteria=list(stage["criteria"])) for stage in STARTING_LADDER]
    ladder[0]["criteria"] = ladder[0]["criteria"] + [
        {
            "key": "inquiry-human",
            "statement": "Sounds like a real person",
            "evidence": "stated",
            "rule": None,
        }
    ]
    return {"stages": ladder}


def test_a_criterion_without_a_rule_counts_only_when_a_person_marks_it_met(
    django_capture_on_commit_callbacks,
):
    definition = DefinitionFactory()
    version_published(definition, person_checked_ladder())
    cycle = cycle_make(definition)
    lead = lead_make(cycle, **QUALIFIED)
    assert results_of(lead)["inquiry-human"] == "unknown"
    assert LeadCheck.objects.get(lead=lead).level_reached == ""

    criterion = cycle.version.stages.get(key="inquiry").criteria.get(key="inquiry-human")
    services.criterion_mark(
        lead=lead, criterion=criterion, result="met", evidence="stated", by=lead.rep
    )
    assert LeadCheck.objects.get(lead=lead).level_reached == "opportunity"
    assert checklist_of(lead)["inquiry-human"].marked_by == lead.rep
    # Re-running the check keeps what the person marked.
    with django_capture_on_commit_callbacks(execute=True):
        services.cycle_recheck(cycle=cycle, by=definition.facilitator)
    assert CycleRecheck.objects.get().status == "done", "the re-run ran"
    assert results_of(lead)["inquiry-human"] == "met"
    assert LeadFigures.objects.get(lead=lead).rank == 3
    assert LeadCheck.objects.get(lead=lead).level_reached == "opportunity"


def test_a_person_cannot_mark_met_on_a_belief(sales_rep):
    definition = DefinitionFactory()
    version_published(definition, person_checked_ladder())
    cycle = cycle_make(definition)
    lead = lead_make(cycle, rep=sales_rep)
    criterion = cycle.version.stages.get(key="inquiry").criteria.get(key="inquiry-human")
    with pytest.raises(ValidationError, match="at least"):
        services.criterion_mark(
            lead=lead, criterion=criterion, result="met", evidence="believed", by=sales_rep
        )


def test_only_the_rep_or_a_facilitator_marks_criteria(marketer):
    definition = DefinitionFactory()
    version_published(definition, person_checked_ladder())
    cycle = cycle_make(definition)
    lead = lead_make(cycle)
    criterion = cycle.version.stages.get(key="inquiry").criteria.get(key="inquiry-human")
    with pytest.raises(PermissionDenied):
        services.criterion_mark(
            lead=lead, criterion=criterion, result="met", evidence="stated", by=marketer
        )


def test_a_lead_is_checked_against_the_version_in_force_at_hand_over():
    cycle = cycle_make()
    first = cycle.version
    lead = lead_make(cycle, **QUALIFIED)
    second = version_published(cycle.definition)
    later = lead_make(cycle, **QUALIFIED)
    assert lead.version == first
    assert later.version == second
    assert LeadCheck.objects.get(lead=later).version == second


def test_a_ladder_too_long_for_the_bits_is_refused_clearly():
    from types import SimpleNamespace

    from feedback.checks import check_bits

    outcomes = [SimpleNamespace(result="met")] * 63
    assert check_bits(outcomes) == ((1 << 63) - 1, 0)
    with pytest.raises(ValueError, match="64 criteria cannot be checked"):
        check_bits([*outcomes, SimpleNamespace(result="missed")])
