"""After an htmx swap the person asked for, focus goes to the result or the error, and the
result is read out: a vote (its error, then its receipt), a filter of the numbers (a changed
field keeps focus, "Show the numbers" moves it to the figures), a review saved."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_every_page_layout import signed_in_context
from tests.url_catalogue import world_build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FOCUSED = "document.activeElement"


@pytest.fixture
def world(settings):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    return world_build()


def open_as(browser, live_server, person):
    page = signed_in_context(browser, live_server, person, 390).new_page()
    return page


def test_a_vote_focuses_its_error_then_its_receipt(world, live_server, browser):
    page = open_as(browser, live_server, world["people"]["sales"])
    proposal = world["proposal"]
    page.goto(proposal.get_absolute_url())
    page.evaluate("window.stillTheSamePage = true")
    vote = page.get_by_role("region", name="Your vote").or_(
        page.get_by_role("region", name="Change your vote")
    )
    vote.get_by_label("Block", exact=True).check()
    vote.get_by_role("button", name="vote").click()
    # A block needs a comment: the error summary takes focus, so it is read out at once.
    summary = page.locator("#voting [data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Comment")
    page.get_by_label("Agree", exact=True).check()
    page.get_by_role("button", name="vote").click()
    receipt = page.locator("#voting [data-focus]")
    expect(receipt).to_contain_text("Your vote is recorded: Agree")
    expect(receipt).to_be_focused()
    assert page.evaluate("window.stillTheSamePage") is True


def test_a_filter_keeps_focus_while_changed_and_moves_it_to_the_figures_when_shown(
    world, live_server, browser
):
    page = open_as(browser, live_server, world["people"]["facilitator"])
    page.goto(f"/numbers/{world['definition'].pk}/")
    page.evaluate("window.stillTheSamePage = true")
    source = page.get_by_role("combobox", name="Source")
    choice = source.locator("option").nth(1).get_attribute("value")
    source.focus()  # as a person does, choosing from it (select_option alone does not)
    source.select_option(choice)
    # The swap came from a change: focus stays on the field, the new figures are read out.
    expect(page.locator("#numbers-status")).to_contain_text("Numbers updated")
    expect(source).to_be_focused()
    page.get_by_role("button", name="Show the numbers").click()
    # The results' first heading: the key figures' tiles.
    expect(page.get_by_role("heading", name="Key figures")).to_be_focused()
    assert page.evaluate("window.stillTheSamePage") is True


def test_a_saved_review_is_read_out_and_the_keyboard_moves_on(world, live_server, browser):
    page = open_as(browser, live_server, world["people"]["sales"])
    page.goto(f"/feedback/cycles/{world['cycle'].pk}/review/?show=waiting")
    page.evaluate("window.stillTheSamePage = true")
    first = page.locator("[data-lead]").first
    company = first.locator("h2 a").inner_text()
    page.keyboard.press("j")
    expect(first).to_be_focused()
    page.keyboard.press("a")  # accept and save
    expect(page.locator("#live-status")).to_have_text(f"Saved {company}")
    # The queue's own flow moves focus on to the next lead still waiting.
    focused_waiting = (
        f"{FOCUSED}.matches('[data-lead]') && !!{FOCUSED}.querySelector('[data-waiting]')"
    )
    page.wait_for_function(focused_waiting)
    assert page.evaluate("window.stillTheSamePage") is True
