"""Journey: the facilitator signs in and her home lists her work (a draft sent back with
the executive's comment, a proposal that passes and waits to be closed, a cycle with a rep
behind); each item is one click from where she acts. At 390 px nothing scrolls sideways.

SCREENS=docs/screens writes facilitator-home-1280.png and facilitator-home-390.png there."""

import os

import pytest
from playwright.sync_api import expect

from tests.accounts.facilitator_work import facilitator_work

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_facilitator_sees_her_pending_work_and_reaches_each_action(sign_in):
    work = facilitator_work()
    page = sign_in(work.facilitator)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/")

    sent_back = page.locator("#drafts-sent-back")
    expect(sent_back).to_contain_text("sent back by Cora Officer")
    expect(sent_back).to_contain_text("“Say what counts as a budget (0)”")
    to_close = page.locator("#proposals-to-close")
    expect(to_close).to_contain_text(work.passing[0].title)
    expect(page.locator("#proposals-need-votes")).to_contain_text("no votes yet")
    expect(page.locator("#meetings-coming-up")).to_contain_text("Quiet Marketer 0")
    expect(page.locator("#feedback-cycles [data-behind]")).to_contain_text(
        "Rita Behind 0 (1 to review)"
    )
    if os.environ.get("SCREENS"):
        page.screenshot(path=f"{os.environ['SCREENS']}/facilitator-home-1280.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    if os.environ.get("SCREENS"):
        page.screenshot(path=f"{os.environ['SCREENS']}/facilitator-home-390.png", full_page=True)

    # One click: the passing proposal opens where the vote is closed.
    to_close.get_by_role("link", name=work.passing[0].title).click()
    expect(page.get_by_role("button", name="Close the vote now")).to_be_in_viewport()
    page.get_by_role("button", name="Close the vote now").click()
    page.get_by_role("dialog").get_by_role("button", name="Close the vote").click()
    expect(page.locator("[data-status]")).not_to_have_text("Open for votes")
    page.goto("/")
    expect(page.locator("#proposals-to-close")).to_contain_text("No open proposal passes yet.")

    # One click: the sent-back draft opens the draft she revises and submits again.
    page.locator("#drafts-sent-back a").click()
    expect(page).to_have_url(f"/definitions/{work.sent_back[0].definition_id}/draft/")
    expect(page.get_by_role("button", name="Submit the draft")).to_be_visible()

    # One click: the cycle opens its page.
    page.goto("/")
    page.locator("#feedback-cycles a").first.click()
    expect(page).to_have_url(f"/feedback/cycles/{work.cycles[0].pk}/")
