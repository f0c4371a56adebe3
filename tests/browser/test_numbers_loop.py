"""Journey, step 6 (close the loop): on the numbers page a reason a published version writes
down shows as written, with its criterion, and no "write it down"; one with a proposal open
shows "Proposal open" with its link. The key figures come first and the charts' text renders
at 12 px or more at 1280 and at 390 px, where they scroll inside their own region.
NUMBERS_SCREENS=docs/screens saves the page at 1280 and 390 px."""

import os
import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from feedback.catalogue import reasons_default_ensure
from feedback.models import RejectionReason
from tests.accounts.factories import UserFactory
from tests.numbers.loop import VP_STATEMENT, proposal_opened, reason_written_down
from tests.numbers.test_reference import dataset_build
from tests.numbers.test_views import specs_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SMALLEST_CHART_TEXT = """() => Math.min(...[...document.querySelectorAll('svg.chart__svg text')]
  .map(t => t.getBoundingClientRect().height).filter(h => h > 0))"""


def test_a_written_down_reason_shows_as_written_and_an_open_one_links_its_proposal(sign_in):
    cache.clear()
    reasons_default_ensure(RejectionReason)
    UserFactory(department="marketing")
    definition, _, _ = dataset_build(specs_make(16))
    version = reason_written_down(definition)
    proposal = proposal_opened(definition)
    facilitator = UserFactory(department="other", roles=["Facilitator"], full_name="Fran F")

    page = sign_in(facilitator)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"/numbers/{definition.pk}/")
    tiles = page.locator("[data-key-figures] [data-tile]")
    expect(tiles).to_have_count(4)
    expect(page.locator('[data-tile="private-filter"]')).to_contain_text("Title below VP")

    written = page.locator('[data-table="reasons"] tr[data-reason="Title below VP"]')
    expect(written).to_contain_text("written down")
    expect(written).not_to_contain_text("unwritten")
    expect(page.get_by_text(re.compile("write “Title below VP” down"))).to_have_count(0)
    written.locator("[data-written]").click()
    expect(page).to_have_url(re.compile(rf"/versions?/{version.number}/#criterion-"))
    expect(page.locator("body")).to_contain_text(VP_STATEMENT)

    page.goto(f"/numbers/{definition.pk}/")
    opened = page.locator('[data-table="reasons"] tr[data-reason="Competitor already engaged"]')
    expect(opened.get_by_role("link", name=re.compile("Propose a change"))).to_have_count(0)
    opened.get_by_role("link", name=re.compile("Proposal open")).click()
    expect(page).to_have_url(re.compile(re.escape(proposal.get_absolute_url()) + "$"))

    page.goto(f"/numbers/{definition.pk}/")
    # Chart text: the smallest rendered glyph box is at least 12 px tall (font-size 12 px at
    # scale 1 gives a box of about 14 px).
    assert page.evaluate(SMALLEST_CHART_TEXT) >= 12
    # No table of the page is wider than its box at 1280 px: nothing hides or scrolls.
    hidden = page.evaluate(
        "() => [...document.querySelectorAll('main table')]"
        ".filter(t => t.scrollWidth > t.parentElement.clientWidth + 1).length"
    )
    assert hidden == 0
    folder = os.environ.get("NUMBERS_SCREENS")
    if folder:
        page.screenshot(path=f"{folder}/numbers-1280.png", full_page=True)
    # At 390 px the charts keep their drawn size (text still 12 px) and scroll inside their
    # own focusable, labelled regions; the page itself does not scroll sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate(SMALLEST_CHART_TEXT) >= 12
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    trend = page.get_by_role("region", name="Acceptance rate per cycle (chart)")
    expect(trend).to_have_attribute("tabindex", "0")
    trend.focus()
    page.keyboard.press("ArrowRight")
    expect(trend).to_be_focused()
    if folder:
        page.screenshot(path=f"{folder}/numbers-390.png", full_page=True)
