"""Journeys: starting a definition, reading versions and history, managing API tokens."""

import pytest
from playwright.sync_api import expect

from tests.accounts.factories import UserFactory
from tests.definitions.factories import DefinitionFactory, version_published

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_facilitator_starts_a_definition_from_the_seeds_ladder(sign_in):
    facilitator = UserFactory(department="other", roles=["Facilitator"], full_name="Fran Fac")
    UserFactory(department="sales", roles=["Executive"], full_name="Elena Exec")
    page = sign_in(facilitator)
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Start a definition"
    ).click()
    page.get_by_label("Name:", exact=True).fill("EMEA field sales")
    page.get_by_label("Scope").select_option("product_line")
    page.get_by_role("button", name="Start the definition").click()
    # Bad input is named, and what was typed is kept.
    expect(page.get_by_role("alert")).to_contain_text("Name the product line")
    expect(page.get_by_label("Name:", exact=True)).to_have_value("EMEA field sales")
    page.get_by_label("Product line").fill("Analytics Cloud")
    page.get_by_label("Executive sponsor").select_option(label="Elena Exec")
    page.get_by_role("button", name="Start the definition").click()
    expect(page.get_by_role("heading", name="EMEA field sales")).to_be_visible()
    expect(page.get_by_text("14 proposals open for votes")).to_be_visible()
    page.get_by_role("link", name="14 proposals open for votes").click()
    expect(page.get_by_role("link", name="Add stage: Marketing Qualified Lead")).to_be_visible()


def test_a_member_reads_the_versions_the_handout_and_the_history(sign_in):
    definition = DefinitionFactory(name="Company-wide")
    version_published(definition, change_summary="The first agreed definition.")
    version_published(definition, change_summary="Tighter opportunities.")
    page = sign_in(UserFactory(department="marketing"))
    page.goto(f"/definitions/{definition.pk}/")
    page.get_by_role("navigation", name="Company-wide").get_by_role("link", name="Versions").click()
    expect(page.get_by_role("row", name="Version 2")).to_contain_text("Tighter opportunities.")
    page.get_by_role("link", name="Version 1", exact=True).click()
    expect(page.get_by_text("Superseded")).to_be_visible()
    page.get_by_role("link", name="Markdown").click()
    expect(page.locator("body")).to_contain_text("# Company-wide: version 1")
    page.go_back()
    page.get_by_role("link", name="History").click()
    expect(page.get_by_role("heading", name="History of Company-wide")).to_be_visible()


def test_a_person_creates_a_token_sees_it_once_and_revokes_it(sign_in):
    page = sign_in(UserFactory(department="sales"))
    page.goto("/accounts/profile/")
    page.get_by_label("Token name").fill("HubSpot sync")
    page.get_by_role("button", name="Create a token").click()
    token = page.locator("[data-new-token]").inner_text()
    assert token.startswith("acc_")
    page.goto("/accounts/profile/")
    expect(page.locator("[data-new-token]")).to_have_count(0)
    page.get_by_role("button", name="Revoke HubSpot sync").click()
    expect(page.get_by_text("is revoked: it no longer works")).to_be_visible()
    response = page.request.get("/api/v1/definitions", headers={"Authorization": f"Bearer {token}"})
    assert response.status == 401


def test_a_person_stops_announcement_emails(sign_in):
    page = sign_in(UserFactory(department="marketing"))
    page.goto("/accounts/profile/")
    box = page.get_by_label("E-mail me when a new version of a definition is published")
    expect(box).to_be_checked()
    box.uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Your preferences are saved.")).to_be_visible()
    expect(box).not_to_be_checked()


def test_a_vote_sent_after_the_vote_closed_says_so_where_the_form_was(sign_in):
    from definitions import services
    from definitions.models import Proposal, Vote

    facilitator = UserFactory(department="other", roles=["Facilitator"], full_name="Fran Fac")
    executive = UserFactory(department="sales", roles=["Executive"], full_name="Elena Exec")
    seller = UserFactory(department="sales", full_name="Sal Seller")
    definition = DefinitionFactory(facilitator=facilitator, executive_sponsor=executive)
    version_published(definition)
    proposal = services.proposal_create(
        definition=definition,
        by=facilitator,
        kind=Proposal.Kind.ADD_CRITERION,
        stage_key="mql",
        payload={"statement": "Works in a served industry", "evidence": "verified"},
    )
    page = sign_in(seller)
    page.goto(proposal.get_absolute_url())
    page.get_by_label("Agree", exact=True).check()
    # The facilitator closes the vote while the form is still open on the seller's screen.
    services.proposal_close(proposal=proposal, by=facilitator)
    page.get_by_role("button", name="Vote").click()

    expect(page.get_by_role("alert")).to_contain_text(
        "This vote closed before your vote arrived, so it was not counted."
    )
    assert not Vote.objects.exists()
