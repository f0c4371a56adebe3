"""Journey: the facilitator imports a HubSpot CSV (a dry run names two bad rows first), a rep
reviews five leads from the keyboard, and the facilitator reads the cycle's feedback."""

import pytest
from playwright.sync_api import expect

from feedback.catalogue import reasons_default_ensure
from feedback.models import Lead, LeadFeedback, RejectionReason
from tests.accounts.factories import UserFactory
from tests.feedback.csvs import hubspot_file, hubspot_row
from tests.feedback.factories import cycle_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def upload(page, cycle, data: bytes, name: str):
    page.goto("/feedback/imports/new/")
    page.get_by_label("What the file holds").select_option("leads")
    page.get_by_label("Cycle").select_option(str(cycle.pk))
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": data}]
    )
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("[data-format]")).to_contain_text("HubSpot contact export")
    page.get_by_role("button", name="Dry run").click()


def test_import_then_review_from_the_keyboard_then_read_the_feedback(sign_in):
    reasons_default_ensure(RejectionReason)  # transactional tests flush the data migration's
    facilitator = UserFactory(department="other", roles=["Facilitator"], full_name="Fran F")
    rep = UserFactory(department="sales", full_name="Sam Ortiz", email="sam@northwind.example")
    cycle = cycle_make()

    # The facilitator uploads a file with two bad rows: the dry run names them by line.
    boss = sign_in(facilitator)
    rows = [hubspot_row(n, rep.email) for n in range(1, 6)]
    bad = list(rows)
    bad[1] = hubspot_row(2, rep.email, Email="ana2(at)acme")
    bad[3] = hubspot_row(4, rep.email, **{"Number of Employees": "a few"})
    upload(boss, cycle, hubspot_file(5, rep.email, rows=bad), "hubspot-bad.csv")
    errors = boss.locator("[data-import-errors] li")
    expect(errors).to_have_count(2)
    expect(errors.nth(0)).to_contain_text("Line 3, Email")
    expect(errors.nth(1)).to_contain_text("Line 5, Number of Employees")
    assert not Lead.objects.exists()

    # The corrected file passes the dry run and imports.
    upload(boss, cycle, hubspot_file(5, rep.email, rows=rows), "hubspot.csv")
    expect(boss.locator("[data-dry-run-ok]")).to_contain_text("create 5")
    boss.get_by_role("button", name="Import 5 rows").click()
    expect(boss.locator("[data-imported]")).to_contain_text("5 created, 0 changed")

    # The rep reviews the five leads with the keyboard alone.
    page = sign_in(rep)
    page.goto(f"/feedback/cycles/{cycle.pk}/review/")
    progress = page.locator("[data-progress]")
    expect(progress).to_have_text("0 of 5 reviewed")
    page.evaluate("window.stillTheSamePage = true")
    page.keyboard.press("j")
    for done in range(1, 5):
        page.keyboard.press("a")
        expect(progress).to_have_text(f"{done} of 5 reviewed")
    page.keyboard.press("r")
    for _ in range(20):
        label = page.evaluate("document.activeElement.closest('label')?.textContent || ''")
        if "Title below VP" in label:
            break
        page.keyboard.press("Tab")
    page.keyboard.press("Space")
    page.keyboard.press("Control+Enter")
    expect(progress).to_have_text("5 of 5 reviewed")
    # Saving never reloaded the page.
    assert page.evaluate("window.stillTheSamePage") is True
    if __import__("os").environ.get("FEEDBACK_SCREENSHOTS"):
        page.screenshot(path="/tmp/feedback-queue.png", full_page=True)
    rejected = LeadFeedback.objects.get(decision="rejected")
    assert [r.label for r in rejected.reasons.all()] == ["Title below VP"]
    assert LeadFeedback.objects.filter(decision="accepted").count() == 4

    # The facilitator sees the cycle's feedback.
    boss.goto(f"/feedback/cycles/{cycle.pk}/")
    expect(boss.locator("[data-cycle-progress]")).to_have_text("5 of 5 reviewed")
    table = boss.locator("[data-cycle-feedback]")
    expect(table).to_contain_text("Title below VP")
    expect(table.locator(".badge--bad", has_text="unwritten")).to_have_count(1)
