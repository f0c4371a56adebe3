"""Journey: a facilitator opens a cycle, enters a lead, checks a criterion without a rule by
hand, records its outcome, and adds an unwritten reason; a rep is refused the catalogue."""

import pytest
from playwright.sync_api import expect

from tests.accounts.factories import UserFactory
from tests.definitions.factories import DefinitionFactory, version_published

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CONTENT = {
    "stages": [
        {
            "key": "mql",
            "level": "lead",
            "name": "Marketing Qualified Lead",
            "meaning": "",
            "owner": "",
            "routing": "",
            "follow_up": "",
            "criteria": [
                {
                    "key": "size",
                    "statement": "Is big enough",
                    "evidence": "verified",
                    "rule": {"field": "company_size", "operator": "at_least", "value": 50},
                },
                {"key": "project", "statement": "Has a project this year", "evidence": "stated"},
            ],
        }
    ]
}


def test_a_lead_is_entered_checked_by_hand_and_given_an_outcome(sign_in):
    facilitator = UserFactory(department="other", roles=["Facilitator"])
    rep = UserFactory(department="sales", full_name="Sam Seller")
    definition = DefinitionFactory(name="Company-wide", facilitator=facilitator)
    version_published(definition, content=CONTENT)

    page = sign_in(facilitator)
    page.goto("/feedback/cycles/new/")
    page.get_by_label("Definition").select_option(label="Company-wide")
    page.get_by_role("button", name="Open the cycle").click()
    expect(page.get_by_role("heading", name="Feedback in this cycle")).to_be_visible()

    page.goto("/feedback/leads/new/")
    page.get_by_label("Cycle").select_option(index=1)
    page.get_by_label("Sales rep").select_option(label="Sam Seller")
    page.get_by_label("CRM reference").fill("HS-1")
    page.get_by_label("Company:", exact=True).fill("Acme Tools")
    page.get_by_label("Company size (employees)").fill("120")
    page.get_by_role("button", name="Hand the lead over").click()
    expect(page.get_by_role("heading", name="Acme Tools")).to_be_visible()

    by_rule = page.locator('[data-criterion="size"]')
    by_hand = page.locator('[data-criterion="project"]')
    expect(by_rule).to_have_class("checklist__item checklist__item--met")
    expect(by_hand).to_have_class("checklist__item checklist__item--unknown")
    by_hand.get_by_label("Result").select_option("met")
    by_hand.get_by_label("Evidence seen").select_option("stated")
    by_hand.get_by_role("button", name="Check it").click()
    expect(page.locator('[data-criterion="project"]')).to_have_class(
        "checklist__item checklist__item--met"
    )

    outcome = page.locator("section[aria-labelledby=outcome-title]")
    outcome.get_by_label("Result").select_option("bought")
    outcome.get_by_label("Date").fill("2026-11-01")
    outcome.get_by_role("button", name="Record the outcome").click()
    expect(page.get_by_text("Outcome recorded.")).to_be_visible()
    expect(page.locator("section[aria-labelledby=outcome-title]")).to_contain_text("Bought")

    page.goto("/feedback/reasons/")
    page.get_by_label("Label").fill("Bought from a reseller last year")
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_role("row", name="Bought from a reseller last year")).to_contain_text(
        "unwritten"
    )

    refused = sign_in(rep)
    refused.goto("/feedback/reasons/")
    expect(refused.get_by_text("you need the Facilitator role")).to_be_visible()
