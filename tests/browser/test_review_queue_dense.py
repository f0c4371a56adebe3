"""Journey: a rep works through a dense queue of compact rows, from the keyboard, until all
is reviewed, then changes a finished review and undoes the change."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from feedback.catalogue import reasons_default_ensure
from feedback.models import LeadFeedback, RejectionReason
from tests.accounts.factories import UserFactory
from tests.feedback.factories import QUALIFIED, cycle_make, lead_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# `REVIEW_SCREENS=docs/screens` also saves the screenshots of the docs.
SCREENS = os.environ.get("REVIEW_SCREENS")


def test_compact_rows_keyboard_saves_all_reviewed_and_undo(sign_in):
    reasons_default_ensure(RejectionReason)
    rep = UserFactory(department="sales", full_name="Sam Ortiz")
    cycle = cycle_make()
    names = ["Acme Tools", "Bright Labs", "Cobalt Freight", "Delta Foods"]
    leads = [lead_make(cycle, rep=rep, company=name, **QUALIFIED) for name in names]
    page = sign_in(rep)
    page.goto(f"/feedback/cycles/{cycle.pk}/review/")
    progress = page.locator("[data-progress]")
    expect(progress).to_have_text("0 of 4 reviewed")
    rows = page.locator("[data-lead]")
    expect(rows).to_have_count(4)

    # Compact: each row shows its check summary; the review itself is folded away.
    first = page.locator(f"#lead-{leads[0].pk}")
    expect(first.locator("[data-check-summary]")).to_contain_text("met")
    expect(first.locator("[data-reasons]")).to_be_hidden()
    first.locator("summary").click()
    expect(first.locator("[data-reasons]")).to_be_visible()
    if SCREENS:
        page.screenshot(path=str(Path(SCREENS) / "review-queue-1280.png"), full_page=True)
    first.locator("summary").click()
    expect(first.locator("[data-reasons]")).to_be_hidden()

    # Accepting from the keyboard saves each lead and moves on, to "all reviewed".
    # Focus is on the first row's summary: k (previous, at the top) lands on that row itself.
    page.keyboard.press("k")
    expect(first).to_be_focused()
    for done in range(1, 5):
        page.keyboard.press("a")
        expect(progress).to_have_text(f"{done} of 4 reviewed")
    expect(page.locator("[data-all-reviewed]")).to_be_visible()
    expect(page.locator("[data-all-reviewed]")).to_contain_text("All reviewed")
    last = page.locator(f"#lead-{leads[3].pk}")
    expect(last).to_be_focused()

    # Changing a finished review: reject it with a reason, save; the Undo is offered, focused.
    page.keyboard.press("r")
    expect(last.locator("[data-reasons]")).to_be_visible()
    page.keyboard.press("Space")
    page.keyboard.press("Control+Enter")
    expect(last.locator("[data-reviewed]")).to_have_text("Rejected")
    expect(last.get_by_role("status").first).to_contain_text("Changed from Accepted")
    undo = last.get_by_role("button", name="Undo the change to Delta Foods")
    expect(undo).to_be_focused()
    feedback = LeadFeedback.objects.get(lead=leads[3])
    assert feedback.decision == "rejected"

    page.keyboard.press("Enter")
    accepted = "Accepted into the sales process"
    expect(last.locator("[data-restored]")).to_have_text(f"Restored: {accepted}.")
    expect(last.locator("[data-reviewed]")).to_have_text(accepted)
    feedback.refresh_from_db()
    assert feedback.decision == "accepted"
    assert feedback.history.first().history_change_reason == "Undone"
    expect(progress).to_have_text("4 of 4 reviewed")

    # At 390 px nothing scrolls sideways, folded or open.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.locator(f"#lead-{leads[1].pk} summary").click()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    if SCREENS:
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(Path(SCREENS) / "review-queue-390.png"), full_page=True)
