"""Journeys: the consensus rule (and its refusal), withdrawing a proposal, the embed,
changing one's password, and replacing one's feed and embed links."""

import pytest
from playwright.sync_api import expect

from definitions import services
from definitions.models import Proposal
from tests.accounts.factories import TEST_PASSWORD, UserFactory
from tests.definitions.factories import DefinitionFactory, version_published

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_facilitator_changes_the_rule_and_a_member_is_refused(sign_in):
    facilitator = UserFactory(department="other", roles=["Facilitator"])
    definition = DefinitionFactory(facilitator=facilitator, name="Company-wide")
    page = sign_in(facilitator)
    page.goto(f"/definitions/{definition.pk}/")
    page.get_by_role("link", name="Change the rule").click()
    page.get_by_label("Quorum (%)").fill("101")
    page.get_by_role("button", name="Save the rule").click()
    expect(page.get_by_role("alert")).to_contain_text("Quorum (%)")
    page.get_by_label("Quorum (%)").fill("50")
    page.get_by_role("button", name="Save the rule").click()
    expect(page.get_by_text("at least 50% of eligible people vote")).to_be_visible()

    member = sign_in(UserFactory(department="sales"))
    member.goto(f"/definitions/{definition.pk}/")
    expect(member.get_by_role("link", name="Change the rule")).to_have_count(0)
    member.goto(f"/definitions/{definition.pk}/rule/")
    expect(
        member.get_by_text("To change the consensus rule, you need the Facilitator role.")
    ).to_be_visible()


def test_a_member_withdraws_their_own_proposal(sign_in):
    definition = DefinitionFactory()
    version_published(definition)
    author = UserFactory(department="marketing")
    proposal = services.proposal_create(
        definition=definition,
        by=author,
        kind=Proposal.Kind.ADD_STAGE,
        payload={"name": "Recycled", "level": "inquiry"},
        rationale="Returned leads need a home.",
    )
    other = sign_in(UserFactory(department="sales"))
    other.goto(proposal.get_absolute_url())
    expect(other.get_by_role("button", name="Withdraw…")).to_have_count(0)
    page = sign_in(author)
    page.goto(proposal.get_absolute_url())
    page.get_by_role("button", name="Withdraw…").click()
    page.get_by_role("dialog").get_by_role("button", name="Withdraw the proposal").click()
    expect(page.locator("[data-status]")).to_have_text("Withdrawn")


def test_the_embed_shows_the_version_in_force_without_navigation(sign_in):
    definition = DefinitionFactory(name="Company-wide")
    version_published(definition)
    page = sign_in(UserFactory(department="sales"))
    page.goto(f"/definitions/{definition.pk}/embed/")
    expect(page.get_by_role("heading", name="Company-wide")).to_be_visible()
    expect(page.get_by_text("Has a verified budget")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)


def test_a_person_changes_their_password_and_signs_in_with_it(sign_in):
    user = UserFactory(department="marketing")
    page = sign_in(user)
    page.goto("/accounts/profile/")
    page.get_by_role("link", name="Change your password").click()
    page.get_by_label("Old password").fill(TEST_PASSWORD)
    page.get_by_label("New password:", exact=True).fill("Another-long-pass-42")
    page.get_by_label("New password confirmation").fill("Another-long-pass-42")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("heading", name="Password changed")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    again = sign_in(user, password="Another-long-pass-42")
    expect(again.get_by_role("heading", name="What needs me")).to_be_visible()


def test_a_forgotten_password_sends_a_reset_link(browser, live_server):
    from django.core import mail

    user = UserFactory(department="sales")
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/sign-in/")
    page.get_by_role("link", name="Forgotten your password?").click()
    page.get_by_label("Email").fill(user.email)
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    assert [m.to for m in mail.outbox] == [[user.email]]
    link = next(line for line in mail.outbox[0].body.splitlines() if "/password/reset/" in line)
    page.goto(link.replace("http://testserver", live_server.url))
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    context.close()


def test_a_person_replaces_their_feed_link_and_the_old_one_stops_working(sign_in, browser):
    definition = DefinitionFactory(name="Company-wide")
    version_published(definition)
    page = sign_in(UserFactory(department="sales"))
    page.goto(f"/definitions/{definition.pk}/versions/1/")
    old_link = page.get_by_label("Atom feed").input_value()

    # A feed reader, with no session, reads through the link.
    reader = browser.new_context()
    assert reader.request.get(old_link).status == 200

    page.goto("/accounts/profile/")
    page.get_by_role("button", name="Replace my feed and embed links").click()
    expect(page.get_by_role("status").or_(page.get_by_role("alert")).first).to_contain_text(
        "earlier feed and embed links no longer work"
    )
    assert reader.request.get(old_link).status == 403
    page.goto(f"/definitions/{definition.pk}/versions/1/")
    new_link = page.get_by_label("Atom feed").input_value()
    assert new_link != old_link
    assert reader.request.get(new_link).status == 200
    reader.close()
