"""Journey: a kickoff from scheduling to confirmations, each person in their own session."""

import re

import pytest
from playwright.sync_api import expect

from meetings.models import Meeting
from tests.accounts.factories import UserFactory
from tests.definitions.factories import version_published

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def answer_everything(page, meeting_url: str, text: str) -> None:
    page.goto(meeting_url)
    page.get_by_role("link", name=re.compile("Answer the questions")).click()
    for box in page.get_by_role("textbox").all():
        box.fill(text)
    page.get_by_role("button", name="Save my answers").click()
    expect(page.get_by_text("Saved 4 answers")).to_be_visible()


def test_a_kickoff_from_scheduling_to_confirmation(sign_in):
    facilitator = UserFactory(department="other", roles=["Facilitator"], full_name="Fran Lead")
    marketer = UserFactory(department="marketing", full_name="Maya Market")
    seller = UserFactory(department="sales", full_name="Sam Sales")
    executive = UserFactory(department="sales", roles=["Executive"], full_name="Elena Boss")
    pending = UserFactory(department="marketing", full_name="Paula Pending")
    definition = version_published().definition

    # The facilitator schedules a kickoff with marketing, sales and an executive sponsor.
    fran = sign_in(facilitator)
    fran.get_by_role("navigation", name="Main").get_by_role("link", name="Meetings").click()
    fran.get_by_role("link", name="Schedule a meeting").click()
    warnings = fran.locator("[data-composition-live] li")
    expect(warnings).to_have_count(3)
    fran.get_by_label("Definition").select_option(label=definition.name)
    fran.get_by_label("Kind of meeting").select_option(label="Kickoff")
    fran.get_by_label("Title").fill("Kickoff: what is a lead?")
    fran.get_by_label("Starts at").fill("2030-03-04T10:00")
    fran.get_by_label("Executive sponsor").select_option(label=executive.full_name)
    for person in (marketer, seller, pending):
        fran.get_by_label(re.compile(person.full_name)).check()
    expect(warnings).to_have_count(0)
    for person in (marketer, pending):
        fran.get_by_label(re.compile(person.full_name)).uncheck()
    expect(warnings).to_have_text([re.compile("Nobody from marketing is invited")])
    for person in (marketer, pending):
        fran.get_by_label(re.compile(person.full_name)).check()
    expect(warnings).to_have_count(0)
    fran.get_by_role("button", name="Schedule the meeting").click()
    expect(fran.get_by_role("heading", name="Kickoff: what is a lead?")).to_be_visible()
    expect(fran.locator("[data-composition-warnings]")).to_have_count(0)
    meeting = Meeting.objects.get(title="Kickoff: what is a lead?")
    meeting_url = meeting.get_absolute_url()
    board = fran.locator("#participation")
    expect(board.locator("[data-missing]")).to_contain_text("Sam Sales")

    # Three people answer, each in their own browser session.
    answer_everything(sign_in(marketer), meeting_url, "Asked for a demo and fits our profile")
    answer_everything(sign_in(seller), meeting_url, "Has budget and a director signs")
    answer_everything(sign_in(executive), meeting_url, "A project this year with an owner")

    # The board, refreshed in place by htmx, shows who is still missing.
    fran.get_by_role("button", name="Refresh the board").click()
    expect(board.locator("[data-missing]")).to_have_text(re.compile(r"Paula Pending \(0 of 4\)"))
    expect(board.locator("[data-missing]")).not_to_contain_text("Sam Sales")
    expect(board.locator('tr[data-complete="yes"]')).to_have_count(3)

    # The facilitator turns an answer into a proposal, prefilled, linked both ways.
    fran.get_by_role("link", name="Answers side by side").click()
    first_question = fran.locator("section", has_text="What do you consider a qualified lead?")
    first_question.get_by_label("Sam Sales").check()
    fran.get_by_role("button", name="Propose a criterion from the ticked answers").click()
    expect(fran.get_by_label("Criterion")).to_have_value("Has budget and a director signs")
    expect(fran.get_by_label("Rationale")).to_contain_text("Sam Sales (Sales)")
    expect(fran.get_by_label("Stage")).to_have_value("mql")
    fran.get_by_label("Criterion").fill("Has a budget for this year")
    fran.get_by_role("button", name="Propose the criterion").click()
    # She lands on the new proposal, which links back to the answers.
    expect(
        fran.get_by_role("heading", name="Add criterion: Has a budget for this year")
    ).to_be_visible()
    fran.get_by_role("link", name="Answers from Kickoff: what is a lead?").click()
    expect(fran.get_by_role("heading", name="Answers side by side")).to_be_visible()
    expect(
        fran.get_by_role("link", name="Add criterion: Has a budget for this year")
    ).to_be_visible()

    # A summary, then the meeting closes.
    fran.goto(meeting_url)
    fran.get_by_role("link", name="Write the summary").click()
    fran.get_by_label("Summary").fill("A lead has a budget and asked to talk to us.")
    fran.get_by_role("button", name="Publish the summary").click()
    fran.get_by_role("button", name="Close the meeting…").click()
    fran.get_by_role("dialog").get_by_role("button", name="Close the meeting").click()
    expect(fran.get_by_text("The meeting is closed")).to_be_visible()
    expect(fran.locator("[data-status]").first).to_have_text("Closed")

    # One attendee confirms the summary; another raises a concern (a comment is required).
    maya = sign_in(marketer)
    maya.goto(meeting_url)
    expect(maya.get_by_role("link", name=re.compile("Answer the questions"))).to_have_count(0)
    maya.get_by_label("The summary is right").check()
    maya.get_by_role("button", name="Send").click()
    expect(maya.get_by_text("you confirmed the summary")).to_be_visible()

    sam = sign_in(seller)
    sam.goto(meeting_url)
    sam.get_by_label("I have a concern").check()
    sam.get_by_role("button", name="Send").click()
    expect(sam.get_by_role("alert")).to_contain_text("Comment: Say what your concern is")
    sam.get_by_label("Comment").fill("Budget is rarely known at the first call.")
    sam.get_by_role("button", name="Send").click()
    expect(sam.get_by_text("Your concern is recorded")).to_be_visible()

    fran.reload()
    confirmations = fran.locator("[data-confirmations]")
    expect(confirmations.locator('[data-confirmation="confirm"]')).to_contain_text("Maya Market")
    expect(confirmations.locator('[data-confirmation="concern"]')).to_contain_text(
        "Budget is rarely known at the first call."
    )
    expect(fran.locator("[data-not-confirmed]")).to_contain_text("Paula Pending")
