"""Journey: the executive opens a draft, reads its impact stage by stage and the tallies it
carries, approves it and publishes it through the confirmation; a member cannot publish.
Screenshots of the approval page at 1280 and 390 px go to docs/screens/."""

import copy
from pathlib import Path

import pytest
from playwright.sync_api import expect

from definitions import services
from definitions.models import Proposal, Version
from tests.accounts.factories import UserFactory
from tests.definitions.factories import DefinitionFactory, version_published
from tests.feedback.factories import cycle_make, lead_make
from tests.numbers.test_impact import LIVE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENS = Path(__file__).resolve().parents[2] / "docs" / "screens"


def _submitted_draft():
    """Version 1 in force, a cycle of five leads, and a draft that makes the MQL stricter."""
    facilitator = UserFactory(department="other", roles=["Facilitator"], full_name="Fran Fac")
    executive = UserFactory(department="other", roles=["Executive"], full_name="Elena Exec")
    voters = [
        UserFactory(department=d, full_name=f"{d} {n}")
        for d in ("marketing", "sales")
        for n in (1, 2)
    ]
    definition = DefinitionFactory(
        name="Northwind lead", facilitator=facilitator, executive_sponsor=executive
    )
    version_published(definition, LIVE)
    stricter = copy.deepcopy(LIVE["stages"][1]["criteria"][0])
    stricter["rule"]["value"] = 150
    proposal = services.proposal_create(
        definition=definition,
        by=facilitator,
        kind=Proposal.Kind.CHANGE_CRITERION,
        target_key="size",
        payload=stricter,
        rationale="Small companies rarely buy.",
    )
    for voter, position in zip(voters, ["agree", "live_with", "agree", "agree"], strict=True):
        services.vote_cast(proposal=proposal, voter=voter, position=position)
    closed = services.proposal_close(proposal=proposal, by=facilitator)
    assert closed.status == Proposal.Status.PASSED, closed.outcome
    # The reps the leads need come after the vote, so they were not among its electorate.
    cycle = cycle_make(definition)
    for size, asked in [(10, True), (60, True), (100, False), (200, True)]:
        lead_make(cycle, email="a@example.com", company_size=size, asked_for_information=asked)
    lead_make(cycle, email="", company_size=500, asked_for_information=True)
    submission = services.draft_submit(
        definition=definition, by=facilitator, change_summary="The MQL needs 150 employees."
    )
    return definition, submission, executive, voters[0]


def _rows(page) -> dict:
    rows = {}
    for row in page.locator("[data-impact-row]").all():
        name = row.locator("th").inner_text().strip()
        cells = [row.locator(f"[data-{c}]").inner_text().strip() for c in ("now", "draft", "delta")]
        rows[name] = tuple(cells)
    return rows


def test_the_executive_sees_the_impact_approves_and_publishes(sign_in):
    definition, submission, executive, _ = _submitted_draft()
    elena = sign_in(executive)
    elena.set_viewport_size({"width": 1280, "height": 800})
    elena.goto(submission.get_absolute_url())

    # The impact, every stage: the MQL and the SQL both move, the headline says both.
    assert _rows(elena) == {
        "Inquiry": ("4", "4", "0"),
        "Marketing Qualified Lead": ("3", "1", "-2"),
        "Sales Qualified Lead": ("2", "1", "-1"),
    }
    headline = elena.locator("[data-impact-headline]")
    expect(headline).to_contain_text("1 instead of 3 would reach Marketing Qualified Lead")
    expect(headline).to_contain_text("1 instead of 2 would reach Sales Qualified Lead")
    # The tally each department gave the carried proposal.
    expect(elena.locator("[data-tally=marketing]")).to_contain_text(
        "2 of 2 voted · 1 agree, 1 can live with it, 0 disagree"
    )
    expect(elena.locator("[data-tally=sales]")).to_contain_text("2 of 2 voted · 2 agree")
    # Approve and send back are on the first screen, at both widths.
    approve = elena.get_by_role("button", name="Approve")
    elena.screenshot(path=str(SCREENS / "approval-1280.png"))
    expect(approve).to_be_in_viewport()
    elena.set_viewport_size({"width": 390, "height": 844})
    elena.screenshot(path=str(SCREENS / "approval-390.png"))
    expect(approve).to_be_in_viewport()
    expect(elena.get_by_role("button", name="Send back")).to_be_in_viewport()
    assert elena.evaluate("document.documentElement.scrollWidth") <= 390

    approve.click()
    expect(elena.locator("[data-status]")).to_have_text("Approved, awaiting publication")
    publish = elena.get_by_role("button", name="Publish version 2…")
    expect(publish).to_be_in_viewport()
    publish.click()
    dialog = elena.get_by_role("dialog")
    expect(dialog).to_contain_text("The draft becomes version 2")
    expect(dialog).to_contain_text("An e-mail announces it to")
    assert not Version.objects.filter(definition=definition, number=2).exists()
    dialog.get_by_role("link", name="Cancel").click()
    expect(dialog).to_be_hidden()
    publish.click()
    elena.get_by_role("dialog").get_by_role("button", name="Publish and e-mail everyone").click()
    expect(elena.get_by_role("heading", name=f"{definition.name}: version 2")).to_be_visible()
    assert Version.objects.filter(definition=definition, number=2).exists()


def test_a_member_may_read_the_draft_but_not_decide_or_publish(sign_in):
    definition, submission, _, member = _submitted_draft()
    maya = sign_in(member)
    maya.goto(submission.get_absolute_url())
    expect(maya.locator("[data-impact-row]")).to_have_count(3)
    expect(maya.get_by_role("button", name="Approve")).to_have_count(0)
    response = maya.goto(f"/definitions/{definition.pk}/drafts/{submission.pk}/publish/")
    assert response.status == 403
    assert not Version.objects.filter(definition=definition, number=2).exists()
