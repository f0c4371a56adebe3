"""The draft applies passed proposals whatever order their votes closed in, and freezes what
the executive approves."""

import pytest

from definitions import selectors, services
from definitions.models import Proposal, Submission
from tests.definitions.conftest import criterion_payload, stage_payload
from tests.definitions.factories import version_published

pytestmark = pytest.mark.django_db


def test_a_criterion_whose_stage_passed_later_is_still_in_the_draft(
    definition, propose, pass_proposal
):
    stage = propose(payload=stage_payload("Marketing Qualified Lead"))
    criterion = propose(
        kind=Proposal.Kind.ADD_CRITERION,
        stage_key=stage.target_key,
        payload=criterion_payload("Asked for a demo"),
        check_draft=False,
    )
    pass_proposal(criterion)  # closes first
    pass_proposal(stage)
    content, applied, skipped = selectors.draft_build(definition)
    assert skipped == []
    assert {p.pk for p in applied} == {stage.pk, criterion.pk}
    assert content["stages"][0]["criteria"][0]["statement"] == "Asked for a demo"


def test_a_criterion_whose_stage_never_passed_is_reported_not_applied(
    definition, propose, pass_proposal
):
    stage = propose(payload=stage_payload("Sales Accepted Lead", level="accepted"))
    criterion = propose(
        kind=Proposal.Kind.ADD_CRITERION,
        stage_key=stage.target_key,
        payload=criterion_payload(),
        check_draft=False,
    )
    pass_proposal(criterion)
    content, applied, skipped = selectors.draft_build(definition)
    assert content["stages"] == [] and applied == []
    assert skipped == [(criterion, "its stage is not in the draft")]


def test_the_profile_approved_is_the_profile_published(definition, propose, pass_proposal):
    definition.ideal_customer_profile = "Manufacturers in Europe."
    definition.save()
    pass_proposal(propose())
    submission = services.draft_submit(
        definition=definition, by=definition.facilitator, change_summary="First."
    )
    services.submission_approve(submission=submission, by=definition.executive_sponsor)
    definition.ideal_customer_profile = "Anyone at all."  # edited after the approval
    definition.save()
    version = services.version_publish(
        submission=Submission.objects.get(pk=submission.pk), by=definition.executive_sponsor
    )
    assert version.ideal_customer_profile == "Manufacturers in Europe."


def test_a_new_stage_can_be_placed_after_a_chosen_one(client_as, definition):
    version_published(definition)
    marketer = definition.executive_sponsor
    client_as(marketer).post(
        f"/definitions/{definition.pk}/proposals/new/add_stage/",
        {
            "c-name": "Recycled",
            "c-level": "inquiry",
            "c-after_key": "mql",
            "m-rationale": "Leads sales returns need a home.",
        },
    )
    proposal = Proposal.objects.get()
    after = selectors.draft_preview(definition, proposal)
    assert [s["key"] for s in after["stages"]][:3] == ["inquiry", "mql", proposal.target_key]
