"""Journey: the facilitator opens the numbers, filters by source, sees the top unwritten reason,
and "Propose a change" opens a prefilled proposal whose origin links back to the finding."""

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from definitions.models import Proposal
from feedback.catalogue import reasons_default_ensure
from feedback.models import RejectionReason
from tests.accounts.factories import UserFactory
from tests.numbers.test_reference import dataset_build
from tests.numbers.test_views import specs_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_filter_by_source_then_propose_the_top_private_filter_as_a_criterion(sign_in):
    cache.clear()  # figures are cached by definition and data stamp
    reasons_default_ensure(RejectionReason)  # transactional tests flush the data migration's
    UserFactory(department="marketing")  # so marketing has a voice in the vote
    definition, _, _ = dataset_build(specs_make(16))
    facilitator = UserFactory(department="other", roles=["Facilitator"], full_name="Fran F")

    page = sign_in(facilitator)
    page.goto(f"/numbers/{definition.pk}/")
    expect(page.locator('[data-figure="handed"]')).to_have_text("16")
    page.evaluate("window.stillTheSamePage = true")

    # Filtering by source swaps the results in place (htmx) and puts the filter in the URL.
    page.get_by_role("combobox", name="Source").select_option("webinar")
    expect(page.locator('[data-figure="handed"]')).to_have_text("12")
    expect(page).to_have_url(re.compile(r"source=webinar"))
    assert page.evaluate("window.stillTheSamePage") is True

    # The top unwritten reason is flagged as a private filter.
    flagged = page.locator("[data-private-filter]").first
    expect(flagged).to_contain_text("Title below VP")
    first_reason = page.locator('[data-table="reasons"] tbody tr').first
    expect(first_reason).to_contain_text("Title below VP")
    expect(first_reason).to_contain_text("private filter")

    # "Propose a change" opens the proposal form, prefilled.
    flagged.get_by_role("link", name=re.compile("Propose a change")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("criterion")
    expect(page.get_by_label("Statement")).to_have_value("The contact is VP level or above")
    expect(page.get_by_label("Rule: lead field")).to_have_value("seniority")
    expect(page.get_by_label("Rule: value")).to_have_value("vp")
    page.get_by_role("button", name="Open it for votes").click()

    # The proposal names its origin and links back to the finding, filter included.
    origin = page.get_by_role("link", name=re.compile("Title below VP"))
    expect(origin).to_be_visible()
    proposal = Proposal.objects.get(definition=definition)
    assert proposal.origin == "feedback"
    assert "source=webinar" in proposal.origin_url
    origin.click()
    expect(page).to_have_url(re.compile(rf"/numbers/{definition.pk}/\?source=webinar#reason-"))
    expect(page.locator('[data-figure="handed"]')).to_have_text("12")
