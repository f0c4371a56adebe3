"""Journey: propose → four people vote in their own sessions → passes → submit → sent back →
resubmitted → approved and published → a sales rep reads version 2 and its diff."""

import pytest
from playwright.sync_api import expect

from definitions.models import Proposal
from tests.accounts.factories import UserFactory
from tests.definitions.factories import DefinitionFactory, version_published

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def vote(page, url, position, comment=""):
    page.goto(url)
    page.evaluate("window.__sameDocument = true")
    page.get_by_label(position, exact=True).check()
    if comment:
        page.get_by_label("Comment").fill(comment)
    page.get_by_role("button", name="Vote").click()
    expect(page.get_by_role("status").filter(has_text="Your vote is recorded")).to_be_visible()
    # The vote was saved by htmx: the page was not reloaded.
    assert page.evaluate("window.__sameDocument") is True


def test_a_criterion_goes_from_proposal_to_published_version(sign_in):
    facilitator = UserFactory(department="other", roles=["Facilitator"], full_name="Fran Fac")
    executive = UserFactory(department="other", roles=["Executive"], full_name="Elena Exec")
    marketers = [UserFactory(department="marketing", full_name=f"Mark {n}") for n in (1, 2)]
    sellers = [UserFactory(department="sales", full_name=f"Sal {n}") for n in (1, 2)]
    definition = DefinitionFactory(facilitator=facilitator, executive_sponsor=executive)
    version_published(definition)

    # The facilitator proposes a criterion.
    fran = sign_in(facilitator)
    fran.goto(f"/definitions/{definition.pk}/proposals/")
    fran.get_by_role("link", name="Add a criterion").click()
    fran.get_by_label("Stage").select_option(label="Sales Qualified Lead / Opportunity")
    fran.get_by_label("Statement").fill("Has a buying timeline within two quarters")
    fran.get_by_label("Evidence standard").select_option("stated")
    fran.get_by_label("Rationale").fill("Deals without a timeline stall in the pipeline.")
    fran.get_by_role("button", name="Open it for votes").click()
    expect(fran.get_by_role("heading", name="Add criterion: Has a buying timeline")).to_be_visible()
    proposal_url = fran.url
    expect(fran.locator("[data-verdict]")).to_contain_text("Marketing: 0 of 2 voted")

    # Two marketing and two sales people vote, each in their own browser session.
    vote(sign_in(marketers[0]), proposal_url, "Agree")
    vote(sign_in(marketers[1]), proposal_url, "Can live with it")
    vote(sign_in(sellers[0]), proposal_url, "Agree")
    vote(sign_in(sellers[1]), proposal_url, "Agree")

    # The facilitator's open page follows the tally without a reload (short poll).
    fran.evaluate("window.__sameDocument = true")
    expect(fran.locator("[data-verdict]")).to_contain_text(
        "Marketing: 2 of 2 agree or can live with it", timeout=12_000
    )
    assert fran.evaluate("window.__sameDocument") is True

    # The vote closes and passes.
    fran.get_by_role("button", name="Close the vote now…").click()
    fran.get_by_role("dialog").get_by_role("button", name="Close the vote").click()
    expect(fran.locator("[data-status]")).to_have_text("Passed")

    # The facilitator submits the draft.
    fran.goto(f"/definitions/{definition.pk}/draft/")
    fran.get_by_label("Change summary").fill("Adds a buying timeline to opportunities.")
    fran.get_by_role("button", name="Submit the draft").click()
    expect(fran.locator("[data-status]")).to_have_text("Awaiting approval")

    # The executive sees the diff and sends it back with a comment.
    elena = sign_in(executive)
    expect(elena.locator("#drafts-to-approve")).to_contain_text(definition.name)
    elena.locator("#drafts-to-approve").get_by_role("link").first.click()
    expect(elena.locator("ins").first).to_contain_text("Has a buying timeline")
    elena.get_by_label("Comment").fill("Say what counts as a timeline.")
    elena.get_by_role("button", name="Send back").click()
    expect(elena.locator("[data-status]")).to_have_text("Sent back")

    # Resubmitted.
    fran.goto(f"/definitions/{definition.pk}/draft/")
    expect(fran.get_by_text("Say what counts as a timeline.")).to_be_visible()
    fran.get_by_label("Change summary").fill("Adds a buying timeline (a date the prospect gave).")
    fran.get_by_role("button", name="Submit the draft").click()

    # Approved and published.
    elena.goto(f"/definitions/{definition.pk}/draft/")
    elena.get_by_role("link", name="open it").click()
    elena.get_by_role("button", name="Approve").click()
    expect(elena.locator("[data-status]")).to_have_text("Approved, awaiting publication")
    elena.get_by_role("button", name="Publish version 2…").click()
    elena.get_by_role("dialog").get_by_role("button", name="Publish and e-mail everyone").click()
    expect(elena.get_by_role("heading", name=f"{definition.name}: version 2")).to_be_visible()

    # A sales rep sees version 2 and its diff from version 1.
    sal = sign_in(sellers[0])
    sal.goto(f"/definitions/{definition.pk}/")
    expect(sal.get_by_text("Version 2 is in force")).to_be_visible()
    expect(sal.get_by_text("Has a buying timeline within two quarters")).to_be_visible()
    sal.goto(f"/definitions/{definition.pk}/versions/2/")
    sal.get_by_role("link", name="Compare with version 1").click()
    expect(sal.get_by_role("heading", name="Version 1 compared with version 2")).to_be_visible()
    expect(sal.locator(".diff-item--added")).to_contain_text("Has a buying timeline")
    assert Proposal.objects.get().published_in.number == 2


def test_a_member_cannot_approve_and_sees_why(sign_in):
    definition = DefinitionFactory()
    version_published(definition)
    page = sign_in(UserFactory(department="sales"))
    page.goto(f"/definitions/{definition.pk}/draft/")
    expect(page.get_by_role("button", name="Submit the draft")).to_have_count(0)
    page.goto("/definitions/new/")
    expect(page.get_by_text("you need the Facilitator role")).to_be_visible()
