"""Journey: a rep works through the dense review queue. Compact rows with the check's summary
open to the review; the keyboard reviews them while the progress stays in view; "All
reviewed" comes when nothing waits; a finished review changed from the keyboard offers Undo,
and Undo puts the earlier verdict back. Another rep sees none of it and cannot undo it.

SCREENS=docs/screens writes review-queue-1280.png and review-queue-390.png there."""

import os
import re

import pytest
from playwright.sync_api import expect

from feedback import services
from feedback.catalogue import reasons_default_ensure
from feedback.models import LeadFeedback, RejectionReason
from tests.accounts.factories import UserFactory
from tests.browser.test_every_page_layout import axe_serious, signed_in_context
from tests.feedback.factories import QUALIFIED, cycle_make, lead_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FOCUSED = "document.activeElement"
WIDE = "document.documentElement.scrollWidth"


@pytest.fixture
def queue():
    reasons_default_ensure(RejectionReason)  # transactional tests flush the data migration's
    rep = UserFactory(department="sales", full_name="Sam Ortiz")
    other = UserFactory(department="sales", full_name="Jo Quinn")
    cycle = cycle_make()
    leads = [
        lead_make(cycle, rep=rep, company=f"Northwind Client {n}", **QUALIFIED) for n in range(5)
    ]
    leads.append(lead_make(cycle, rep=rep, company="Northwind Client 5", title="Intern"))
    lead_make(cycle, rep=other, company="Theirs Only Ltd", **QUALIFIED)
    return {"rep": rep, "other": other, "cycle": cycle, "leads": leads}


def open_queue(browser, live_server, person, cycle, width: int):
    page = signed_in_context(browser, live_server, person, width).new_page()
    page.goto(f"/feedback/cycles/{cycle.pk}/review/")
    page.evaluate("window.stillTheSamePage = true")
    return page


def test_the_rep_reviews_the_dense_queue_changes_a_verdict_and_undoes_it(
    queue, live_server, browser
):
    rep, cycle, leads = queue["rep"], queue["cycle"], queue["leads"]
    page = open_queue(browser, live_server, rep, cycle, 390)
    rows = page.locator("[data-lead]")
    expect(rows).to_have_count(6)
    # Compact rows: the company, its CRM reference, the check's summary, the status.
    first = rows.first
    expect(first.locator("h2")).to_contain_text(leads[0].crm_reference)
    expect(first.locator("[data-check-summary]")).to_have_text(
        re.compile(r"^MQL: (\d+) of \1 criteria met$")
    )
    expect(rows.last.locator("[data-check-summary]")).to_have_text(
        re.compile(r"^MQL: \d+ of \d+ criteria met$")
    )
    expect(first.locator("[data-waiting]")).to_have_text("Waiting")
    expect(first.get_by_role("button", name="Save")).to_be_hidden()
    assert page.evaluate(WIDE) <= 390

    # Expand with the mouse, and from the keyboard (o opens it on its first choice).
    first.locator("summary").click()
    expect(first.get_by_role("button", name="Save")).to_be_visible()
    page.keyboard.press("o")  # focus is inside the review: o closes it, back to the row
    expect(first.get_by_role("button", name="Save")).to_be_hidden()
    expect(first).to_be_focused()
    page.keyboard.press("o")
    page.wait_for_function(f"{FOCUSED}.type === 'radio'")
    assert page.evaluate(WIDE) <= 390

    # The progress stays in view while the queue scrolls under it.
    progress = page.locator("#review-progress")
    page.evaluate("window.scrollTo(0, document.getElementById('review-progress').offsetTop + 300)")
    top = progress.evaluate("e => e.getBoundingClientRect().top")
    assert 0 <= top <= 1

    # Review by keyboard: a saves, progress moves, focus moves to the next waiting lead.
    page.keyboard.press("a")
    expect(page.locator("[data-progress]")).to_have_text("1 of 6 reviewed")
    expect(page.locator("#live-status")).to_have_text(f"Saved {leads[0].company}")
    expect(page.locator(f"#lead-{leads[1].pk}")).to_be_focused()
    expect(page.locator(f"#lead-{leads[0].pk} .saved-note")).to_have_text("Saved")
    page.keyboard.press("a")
    expect(page.locator("[data-progress]")).to_have_text("2 of 6 reviewed")
    # Only the lead just saved says "Saved"; the one before shows its verdict alone.
    expect(page.locator(f"#lead-{leads[1].pk} .saved-note")).to_have_text("Saved")
    expect(page.locator(f"#lead-{leads[0].pk} .saved-note")).to_have_count(0)
    expect(page.locator(f"#lead-{leads[0].pk} [data-reviewed]")).to_have_text("Accepted")
    for done in range(3, 7):
        page.keyboard.press("a")
        expect(page.locator("[data-progress]")).to_have_text(f"{done} of 6 reviewed")
    done = page.locator("[data-all-reviewed]")
    expect(done).to_be_focused()
    expect(done).to_contain_text("All reviewed")
    expect(done.get_by_role("link", name="See the leads you reviewed")).to_be_visible()
    expect(rows.locator("[data-waiting]")).to_have_count(0)

    # A change refused (a rejection with no reason) says why, and saves nothing: the lead
    # saved last still says "Saved".
    page.locator(f"#lead-{leads[2].pk}").focus()
    page.keyboard.press("r")
    page.keyboard.press("Control+Enter")
    expect(page.locator(f"#lead-{leads[2].pk} .errorlist")).to_contain_text("at least one reason")
    expect(page.locator(f"#lead-{leads[5].pk} .saved-note")).to_have_text("Saved")
    # htmx wires the row it swapped in once the swap settles (20 ms): a person is slower.
    expect(page.locator(".htmx-settling, .htmx-request")).to_have_count(0)

    # Change a finished review from the keyboard: it offers Undo, focused.
    page.locator(f"#lead-{leads[2].pk}").focus()
    page.keyboard.press("r")  # opens the review on its first reason
    page.keyboard.press("Space")
    page.keyboard.press("Control+Enter")
    changed = page.locator(f"#lead-{leads[2].pk} [data-changed]")
    expect(changed).to_have_text("Changed to Rejected.")
    undo = page.locator(f"#lead-{leads[2].pk} [data-undo]")
    expect(undo).to_be_focused()
    expect(page.locator("#live-status")).to_contain_text(f"Changed {leads[2].company} to Rejected")
    assert LeadFeedback.objects.get(lead=leads[2]).decision == "rejected"
    expect(page.locator("[data-progress]")).to_have_text("6 of 6 reviewed")
    if os.environ.get("SCREENS"):
        page.locator(f"#lead-{leads[3].pk} summary").click()
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=f"{os.environ['SCREENS']}/review-queue-390.png", full_page=True)
        page.set_viewport_size({"width": 1280, "height": 900})
        page.screenshot(path=f"{os.environ['SCREENS']}/review-queue-1280.png", full_page=True)
        page.set_viewport_size({"width": 390, "height": 900})
        undo.focus()
    assert axe_serious(page) == []

    # u undoes it: the earlier verdict and its (empty) reasons are back.
    page.keyboard.press("u")
    expect(page.locator(f"#lead-{leads[2].pk} [data-undone]")).to_have_text(
        "Undone: back to Accepted."
    )
    expect(page.locator(f"#lead-{leads[2].pk}")).to_be_focused()
    feedback = LeadFeedback.objects.get(lead=leads[2])
    assert (feedback.decision, list(feedback.reasons.all())) == ("accepted", [])
    assert feedback.history.first().history_change_reason == "Undone"
    assert page.evaluate("window.stillTheSamePage") is True
    assert page.evaluate(WIDE) <= 390


def test_another_rep_sees_none_of_the_queue_and_cannot_undo(queue, live_server, browser):
    rep, cycle, leads = queue["rep"], queue["cycle"], queue["leads"]
    timing = RejectionReason.objects.get(label="Timing")
    lead = leads[0]
    services.feedback_record(lead=lead, rep=rep, agrees_with_stage=True, decision="accepted")
    changed = services.feedback_record(
        lead=lead, rep=rep, agrees_with_stage=False, decision="rejected", reasons=[timing]
    )
    page = open_queue(browser, live_server, queue["other"], cycle, 1280)
    expect(page.locator("[data-lead]")).to_have_count(1)
    expect(page.locator("[data-lead]")).to_contain_text("Theirs Only Ltd")
    expect(page.locator("main")).not_to_contain_text("Northwind Client")
    # Even the offer's link of the rep's change shows nothing of it.
    page.goto(f"/feedback/cycles/{cycle.pk}/review/?undo={lead.pk}-{changed.undo_to}")
    expect(page.locator("[data-undo-offer]")).to_have_count(0)
    status = page.evaluate(
        """([url, record]) => fetch(url, {method: "POST",
             headers: {"X-CSRFToken": JSON.parse(document.body.getAttribute("hx-headers"))
               ["X-CSRFToken"]},
             body: new URLSearchParams({history_id: record})}).then(r => r.status)""",
        [f"/feedback/cycles/{cycle.pk}/review/{lead.pk}/undo/", str(changed.undo_to)],
    )
    assert status == 404
    assert LeadFeedback.objects.get(lead=lead).decision == "rejected"
