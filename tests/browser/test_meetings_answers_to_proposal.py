"""Journey: the facilitator ticks answers where she reads them, proposes from the bar that
stays at the foot of the screen, and lands on the new proposal, which quotes and links the
answers; the same without JavaScript; a sales rep and a closed meeting are refused."""

import os

import pytest
from playwright.sync_api import expect

from definitions.models import Proposal
from meetings import services
from tests.accounts.factories import TEST_PASSWORD, UserFactory
from tests.meetings.factories import meeting_scheduled

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def a_meeting_with_answers():
    facilitator = UserFactory(department="other", roles=["Facilitator"], full_name="Fran Lead")
    people = [
        UserFactory(department="marketing", full_name="Maya Market"),
        UserFactory(department="marketing", full_name="Tom Tide"),
        UserFactory(department="sales", full_name="Sam Sales"),
        UserFactory(department="sales", full_name="Jo Jones"),
    ]
    meeting = meeting_scheduled(facilitator=facilitator, invitees=people)
    for question in meeting.questions.all():
        for person in people:
            services.answer_save(
                question=question,
                person=person,
                text=f"{person.full_name} on “{question.text}”: a budget this year, "
                "a director who signs, and a project with a date.",
            )
    return meeting, facilitator, people


def open_session(browser, live_server, user, *, javascript=True):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=javascript)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto("/accounts/sign-in/")
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    return page


@pytest.mark.parametrize("width", [390, 1280])
def test_the_facilitator_proposes_from_where_she_reads_and_lands_on_the_proposal(sign_in, width):
    meeting, facilitator, _ = a_meeting_with_answers()
    fran = sign_in(facilitator)
    fran.set_viewport_size({"width": width, "height": 800})
    fran.goto(f"/meetings/{meeting.pk}/answers/")
    bar = fran.locator("[data-pick-bar]")
    count = bar.locator("[data-pick-count]")
    expect(count).to_have_text("No answers ticked yet")
    # The bar stays at the foot of the screen while she reads the first question.
    expect(bar).to_be_in_viewport()
    assert fran.evaluate(NO_SIDEWAYS_SCROLL), "the answers page scrolls sideways"

    first = fran.locator("section", has_text="What do you consider a qualified lead?")
    first.get_by_label("Sam Sales").check()
    expect(count).to_have_text("1 answer ticked")
    third = fran.locator("section.card").nth(2)
    third.get_by_label("Maya Market").check()
    expect(count).to_have_text("2 answers ticked")
    expect(bar).to_be_in_viewport()
    if os.environ.get("ANSWERS_SCREENSHOTS"):
        fran.screenshot(path=f"{os.environ['ANSWERS_SCREENSHOTS']}/answers-{width}.png")
    bar.get_by_role("button", name="Propose a criterion from the ticked answers").click()

    # The proposal form starts from the ticked answers.
    expect(fran.get_by_role("heading", name="Turn answers into a proposal")).to_be_visible()
    ticked = fran.locator("input[name=answers]:checked")
    expect(ticked).to_have_count(2)
    expect(fran.get_by_label("Rationale")).to_contain_text("Sam Sales (Sales)")
    fran.get_by_label("Criterion").fill("Has a budget for this year")
    fran.get_by_role("button", name="Propose the criterion").click()

    # She lands on the new proposal, which quotes and links the answers it came from.
    expect(
        fran.get_by_role("heading", name="Add criterion: Has a budget for this year", level=1)
    ).to_be_visible()
    expect(fran.get_by_text("from 2 answers; its vote is open")).to_be_visible()
    proposal = Proposal.objects.get()
    assert fran.url.endswith(proposal.get_absolute_url())
    sources = fran.locator("[data-source-answers]")
    expect(sources.get_by_role("heading", name="The answers it comes from")).to_be_visible()
    expect(sources.locator("[data-source-answer]")).to_have_count(2)
    expect(sources).to_contain_text("Sam Sales (Sales), on “What do you consider a qualified")
    expect(sources).to_contain_text("Maya Market (Marketing)")
    assert fran.evaluate(NO_SIDEWAYS_SCROLL), "the proposal page scrolls sideways"
    if os.environ.get("ANSWERS_SCREENSHOTS"):
        fran.screenshot(
            path=f"{os.environ['ANSWERS_SCREENSHOTS']}/answers-proposal-{width}.png",
            full_page=True,
        )
    sources.get_by_role("link", name=meeting.title).first.click()
    expect(fran.get_by_role("heading", name="Answers side by side")).to_be_visible()
    assert "#answer-" in fran.url
    expect(fran.locator("[data-proposal-link]").first).to_have_text(proposal.title)


def test_without_javascript_the_boxes_and_the_bar_are_a_plain_form(browser, live_server):
    meeting, facilitator, _ = a_meeting_with_answers()
    fran = open_session(browser, live_server, facilitator, javascript=False)
    fran.goto(f"/meetings/{meeting.pk}/answers/")
    bar = fran.locator("[data-pick-bar]")
    expect(bar.locator("[data-pick-count]")).to_have_text("Tick the answers above, then")
    fran.locator("section.card").first.get_by_label("Jo Jones").check()
    bar.get_by_role("button", name="Propose a criterion from the ticked answers").click()
    expect(fran.locator("input[name=answers]:checked")).to_have_count(1)
    fran.get_by_label("Criterion").fill("A director signs")
    fran.get_by_role("button", name="Propose the criterion").click()
    expect(fran.get_by_role("heading", name="Add criterion: A director signs")).to_be_visible()
    expect(fran.locator("[data-source-answer]")).to_have_count(1)
    expect(fran.locator("[data-source-answers]")).to_contain_text("Jo Jones (Sales)")


def test_a_sales_rep_and_a_closed_meeting_are_refused(sign_in):
    meeting, facilitator, (_, _, sam, _) = a_meeting_with_answers()
    rep = sign_in(sam)
    rep.goto(f"/meetings/{meeting.pk}/answers/")
    expect(rep.get_by_role("heading", name="Answers side by side")).to_be_visible()
    expect(rep.locator("input[name=answers]")).to_have_count(0)
    expect(rep.locator("[data-pick-bar]")).to_have_count(0)
    response = rep.goto(f"/meetings/{meeting.pk}/propose/")
    assert response.status == 403
    expect(rep.get_by_role("heading", name="You can’t do that here")).to_be_visible()

    services.meeting_close(meeting=meeting, by=facilitator)
    fran = sign_in(facilitator)
    fran.goto(f"/meetings/{meeting.pk}/answers/")
    expect(fran.locator("[data-closed-for-proposals]")).to_contain_text(
        "can no longer become proposals"
    )
    expect(fran.locator("input[name=answers]")).to_have_count(0)
    fran.goto(f"/meetings/{meeting.pk}/propose/")
    expect(fran.locator("[data-closed-for-proposals]")).to_be_visible()
    expect(fran.get_by_role("button", name="Propose the criterion")).to_have_count(0)
    assert not Proposal.objects.exists()
