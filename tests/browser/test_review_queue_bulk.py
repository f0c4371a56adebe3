"""Journey: a rep accepts and rejects several leads at once from the review queue, at 390 px.
She selects leads with the mouse and with x, accepts them together, and the progress and the
rows follow; a bulk reject without a reason is refused, saying so; with one it goes through.
Another rep's queue shows none of her leads and none of her verdicts."""

import pytest
from playwright.sync_api import expect

from feedback.models import LeadFeedback
from tests.browser.test_every_page_layout import axe_serious
from tests.browser.test_review_queue_dense import WIDE, open_queue, queue  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_rep_accepts_and_rejects_several_leads_at_once(queue, live_server, browser):  # noqa: F811
    rep, cycle, leads = queue["rep"], queue["cycle"], queue["leads"]
    page = open_queue(browser, live_server, rep, cycle, 390)
    rows = page.locator("[data-lead]")
    expect(rows).to_have_count(6)

    # Two leads selected, one with the mouse and one from the keyboard, then accepted.
    page.get_by_label(f"Select {leads[0].company} for a bulk action").check()
    page.locator(f"#lead-{leads[1].pk}").focus()
    page.keyboard.press("x")
    expect(page.get_by_label(f"Select {leads[1].company} for a bulk action")).to_be_checked()
    page.get_by_role("button", name="Accept selected").click()
    expect(page.locator("[data-progress]")).to_have_text("2 of 6 reviewed")
    expect(page.locator("#review-progress")).to_be_focused()  # what changed, read out
    for lead in leads[:2]:
        expect(page.locator(f"#lead-{lead.pk} [data-reviewed]")).to_have_text("Accepted")
    expect(page.locator(f"#lead-{leads[2].pk} [data-waiting]")).to_have_text("Waiting")
    assert page.evaluate("window.stillTheSamePage") is True  # an htmx swap, not a reload
    assert sorted(LeadFeedback.objects.values_list("lead_id", "decision")) == [
        (leads[0].pk, "accepted"),
        (leads[1].pk, "accepted"),
    ]

    # A bulk reject needs a reason: refused, and the message says what is missing.
    page.get_by_label(f"Select {leads[2].company} for a bulk action").check()
    page.get_by_label(f"Select {leads[3].company} for a bulk action").check()
    page.get_by_role("button", name="Reject selected").click()
    problem = page.locator("#bulk-form [data-error-summary]")
    expect(problem).to_contain_text("A bulk reject or recycle still needs a reason.")
    expect(problem).to_be_focused()
    expect(page.locator("[data-progress]")).to_have_text("2 of 6 reviewed")
    assert LeadFeedback.objects.count() == 2
    assert page.evaluate(WIDE) <= 390
    assert axe_serious(page) == []

    # The two leads are still selected: with a reason it goes through.
    for lead in leads[2:4]:
        expect(page.get_by_label(f"Select {lead.company} for a bulk action")).to_be_checked()
    expect(page.get_by_label(f"Select {leads[4].company} for a bulk action")).not_to_be_checked()
    page.get_by_label("Reason", exact=True).select_option(index=1)
    page.get_by_role("button", name="Reject selected").click()
    expect(page.locator("[data-progress]")).to_have_text("4 of 6 reviewed")
    for lead in leads[2:4]:
        expect(page.locator(f"#lead-{lead.pk} [data-reviewed]")).to_have_text("Rejected")
        feedback = LeadFeedback.objects.get(lead=lead)
        assert feedback.decision == "rejected" and feedback.reasons.count() == 1
    assert page.evaluate(WIDE) <= 390
    page.context.close()

    # Another rep's queue holds only her own lead, waiting.
    theirs = open_queue(browser, live_server, queue["other"], cycle, 390)
    expect(theirs.locator("[data-lead]")).to_have_count(1)
    expect(theirs.locator("[data-lead]")).to_contain_text("Theirs Only Ltd")
    expect(theirs.locator("[data-progress]")).to_have_text("0 of 1 reviewed")
    theirs.context.close()
