"""Journey: a facilitator re-runs a cycle's check and follows it on the cycle page while a
worker runs it; an executive sees how far it got, without the button; a rep is refused."""

import pytest
from playwright.sync_api import expect

from feedback.models import Lead, LeadCheck
from tests.accounts.factories import UserFactory
from tests.browser.test_every_page_layout import axe_serious
from tests.feedback.factories import QUALIFIED, cycle_make, lead_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_recheck_runs_in_the_background_and_the_page_follows_it(sign_in, task_queue):
    cycle = cycle_make()
    rep = UserFactory(department="sales")
    for _ in range(3):
        lead_make(cycle, rep=rep, **QUALIFIED)
    # The leads lose their contact behind the check's back: the stored check is stale.
    Lead.objects.filter(cycle=cycle).update(email="", phone="")

    page = sign_in(cycle.definition.facilitator)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(cycle.get_absolute_url())
    page.get_by_role("button", name="Re-run the check").click()
    expect(page.get_by_text("The check runs again for 3 leads")).to_be_visible()
    status = page.locator("#recheck-status")
    expect(status.get_by_role("heading", name="The check is running again")).to_be_visible()
    expect(status).to_contain_text("Waiting for a worker")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert axe_serious(page) == []
    assert set(LeadCheck.objects.values_list("level_reached", flat=True)) == {"opportunity"}

    # Polling redraws the box every second; a keyboard user on its link stays there.
    page.locator("#recheck-refresh").focus()
    page.wait_for_timeout(2_500)
    assert page.evaluate("document.activeElement.id") == "recheck-refresh"

    task_queue.run()  # the worker, as `manage.py db_worker` would
    expect(status).to_contain_text("The check last ran again on", timeout=5_000)
    expect(status).to_contain_text("3 leads checked")
    # Said once, through the live region, when it ends (and not every second before).
    expect(page.locator("#live-status")).to_have_text("The check ran again: 3 leads checked.")
    expect(status.locator("[data-recheck-running]")).to_have_count(0)
    status.get_by_role("link", name="Refresh the page").click()
    expect(page.locator("[data-cycle-feedback]")).not_to_contain_text("Opportunity")
    assert set(LeadCheck.objects.values_list("level_reached", flat=True)) == {""}

    executive = sign_in(UserFactory(department="other", roles=["Executive"]))
    executive.goto(cycle.get_absolute_url())
    expect(executive.locator("#recheck-status")).to_contain_text("3 leads checked")
    expect(executive.get_by_role("button", name="Re-run the check")).to_have_count(0)

    refused = sign_in(rep)
    refused.goto(cycle.get_absolute_url())
    expect(
        refused.get_by_text("you need the Facilitator role or the Executive role")
    ).to_be_visible()
