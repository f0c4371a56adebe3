"""Journey: a rep with more leads than one page works through the queue from the keyboard,
past the end of the first page, and switches to the leads still waiting."""

import pytest
from playwright.sync_api import expect

from feedback import selectors
from feedback.catalogue import reasons_default_ensure
from feedback.models import LeadFeedback, RejectionReason
from tests.accounts.factories import UserFactory
from tests.feedback.factories import QUALIFIED, cycle_make, lead_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGE = selectors.QUEUE_PAGE_LEADS


def test_the_keyboard_flow_carries_on_into_the_next_page(sign_in):
    reasons_default_ensure(RejectionReason)
    rep = UserFactory(department="sales", full_name="Sam Ortiz")
    cycle = cycle_make()
    leads = [
        lead_make(cycle, rep=rep, company=f"Company {n:03d}", **QUALIFIED) for n in range(PAGE + 2)
    ]
    page = sign_in(rep)
    page.goto(f"/feedback/cycles/{cycle.pk}/review/")
    progress = page.locator("[data-progress]")
    expect(progress).to_have_text(f"0 of {PAGE + 2} reviewed")
    expect(page.locator("[data-lead]")).to_have_count(PAGE)
    page.evaluate("window.stillTheSamePage = true")

    # To the last lead of the first page, then one more: the next page arrives, focused.
    page.keyboard.press("j")
    for _ in range(PAGE - 1):
        page.keyboard.press("j")
    expect(page.locator(f"#lead-{leads[PAGE - 1].pk}")).to_be_focused()
    page.keyboard.press("j")
    expect(page.locator("[data-lead]")).to_have_count(PAGE + 2)
    expect(page.locator(f"#lead-{leads[PAGE].pk}")).to_be_focused()

    # Accepting from the keyboard on the second page saves and moves on.
    page.keyboard.press("a")
    expect(progress).to_have_text(f"1 of {PAGE + 2} reviewed")
    expect(page.locator(f"#lead-{leads[PAGE + 1].pk}")).to_be_focused()
    page.keyboard.press("a")
    expect(progress).to_have_text(f"2 of {PAGE + 2} reviewed")
    assert page.evaluate("window.stillTheSamePage") is True
    assert set(LeadFeedback.objects.values_list("lead_id", flat=True)) == {
        leads[PAGE].pk,
        leads[PAGE + 1].pk,
    }

    # The "waiting" view leaves out the two just reviewed.
    page.get_by_role("link", name="Waiting for me").click()
    expect(page.locator("[data-lead]")).to_have_count(PAGE)
    expect(page.locator(f"#lead-{leads[PAGE].pk}")).to_have_count(0)
    expect(progress).to_have_text(f"2 of {PAGE + 2} reviewed")
