"""Journey: a marketer signs in and her home lists the proposal waiting for her vote, the
meeting questions she has not answered, the summary to confirm and her overdue action item,
each one click from where she acts; an executive's home lists the draft waiting for her.
Neither sees the facilitator's sections, and the meeting's edit page refuses the marketer. At
390 px nothing scrolls sideways.

SCREENS=docs/screens writes member-home-1280.png and member-home-390.png there."""

import os

import pytest
from playwright.sync_api import expect

from definitions.models import Proposal, Submission
from meetings.models import Meeting
from tests.accounts.factories import UserFactory
from tests.accounts.member_work import member_work

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FACILITATOR_SECTIONS = (
    "#drafts-sent-back",
    "#proposals-to-close",
    "#proposals-need-votes",
    "#meetings-coming-up",
)


def test_a_member_sees_what_waits_for_her_and_reaches_each_place_to_act(sign_in):
    marketer = UserFactory(department="marketing", full_name="Maya Marketer")
    executive = UserFactory(department="sales", roles=["Executive"], full_name="Elena Exec")
    member_work(1, marketer, executive)
    proposal, meeting = Proposal.objects.get(), Meeting.objects.get()
    page = sign_in(marketer)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/")

    expect(page.locator("#proposals-to-vote")).to_contain_text(proposal.title)
    expect(page.locator("#meetings-questions")).to_contain_text("4 questions to answer")
    expect(page.locator("#meetings-summaries")).to_contain_text(
        "confirm the summary or raise a concern"
    )
    expect(page.locator("#meetings-actions")).to_contain_text("overdue since")
    for section in (*FACILITATOR_SECTIONS, "#drafts-to-approve"):
        expect(page.locator(section)).to_have_count(0)
    if os.environ.get("SCREENS"):
        page.screenshot(path=f"{os.environ['SCREENS']}/member-home-1280.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    if os.environ.get("SCREENS"):
        page.screenshot(path=f"{os.environ['SCREENS']}/member-home-390.png", full_page=True)

    # One click each: the proposal, the questions, the action item.
    page.locator("#proposals-to-vote").get_by_role("link", name=proposal.title).click()
    expect(page).to_have_url(proposal.get_absolute_url())
    expect(page.get_by_role("heading", name=proposal.title)).to_be_visible()
    page.goto("/")
    page.locator("#meetings-questions").get_by_role("link", name=meeting.title).click()
    expect(page).to_have_url(f"/meetings/{meeting.pk}/answer/")
    page.goto("/")
    page.locator("#meetings-actions").get_by_role("link", name="Write the ICP 0").click()
    expect(page).to_have_url(f"/meetings/{meeting.pk}/#actions")
    expect(page.locator("#actions")).to_contain_text("Write the ICP 0")

    # Changing the meeting is the facilitator's.
    page.goto(f"/meetings/{meeting.pk}/edit/")
    expect(page.get_by_role("heading", name="You can’t do that here")).to_be_visible()


def test_an_executive_sees_the_draft_waiting_and_opens_it(sign_in):
    marketer = UserFactory(department="marketing")
    executive = UserFactory(department="sales", roles=["Executive"], full_name="Elena Exec")
    member_work(1, marketer, executive)
    submission = Submission.objects.get(status=Submission.Status.SUBMITTED)
    page = sign_in(executive)
    drafts = page.locator("#drafts-to-approve")
    expect(drafts).to_contain_text(f"{submission.definition.name}: awaiting approval")
    expect(drafts).to_contain_text("Adds a budget criterion 0")
    for section in FACILITATOR_SECTIONS:
        expect(page.locator(section)).to_have_count(0)
    drafts.get_by_role("link").first.click()
    expect(page).to_have_url(submission.get_absolute_url())
