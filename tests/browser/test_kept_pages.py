"""Journey: a rep's review queue, read again, comes from the cache, byte for byte; its
scripts run and its form token works there (an htmx save), and the next read shows the
save. At 1280 and 390 px."""

import os

import pytest
from playwright.sync_api import expect

from tests.browser.test_review_queue_dense import WIDE, open_queue, queue  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TOKEN = "document.body.getAttribute('hx-headers')"


@pytest.mark.parametrize("width", [1280, 390])
def test_a_kept_queue_works_as_the_drawn_one_and_shows_the_next_save(
    queue,  # noqa: F811
    live_server,
    browser,
    width,
):
    rep, cycle, leads = queue["rep"], queue["cycle"], queue["leads"]
    page = open_queue(browser, live_server, rep, cycle, width)  # first visit: the form token
    page.reload()  # drawn, and kept
    drawn = page.evaluate(TOKEN)
    page.reload()  # read as kept: a page drawn again would carry a newly masked token
    assert page.evaluate(TOKEN) == drawn
    expect(page.locator("[data-progress]")).to_have_text("0 of 6 reviewed")
    assert page.evaluate(WIDE) <= width
    if os.environ.get("SCREENS"):
        page.screenshot(path=f"{os.environ['SCREENS']}/kept-queue-{width}.png", full_page=True)

    # On the kept page htmx runs (the policy allows the app's own scripts) and the form
    # token is the session's: a save goes through.
    page.locator(f"#lead-{leads[0].pk}").focus()
    page.keyboard.press("a")
    expect(page.locator("[data-progress]")).to_have_text("1 of 6 reviewed")
    expect(page.locator(f"#lead-{leads[0].pk} .saved-note")).to_have_text("Saved")

    # The save, committed by the server, moved the stamp: the next read is drawn anew.
    page.reload()
    expect(page.locator("[data-progress]")).to_have_text("1 of 6 reviewed")
    assert page.evaluate(TOKEN) != drawn
