"""Journey: at a confirmation meeting, attendees vote on the proposals from its agenda."""

import pytest
from playwright.sync_api import expect

from meetings import services
from meetings.models import Meeting
from tests.accounts.factories import UserFactory
from tests.meetings.factories import meeting_scheduled

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_attendees_vote_from_the_confirmation_meeting_page(sign_in):
    facilitator = UserFactory(department="other", roles=["Facilitator"], full_name="Fran Lead")
    marketer = UserFactory(department="marketing", full_name="Maya Market")
    seller = UserFactory(department="sales", full_name="Sam Sales")
    kickoff = meeting_scheduled(facilitator=facilitator, invitees=[marketer, seller])
    answer = services.answer_save(
        question=kickoff.questions.first(), person=seller, text="They asked to talk to us"
    )
    proposal = services.proposal_from_answers(
        meeting=kickoff,
        by=facilitator,
        answers=[answer],
        stage_key="mql",
        statement="Asked to talk to us",
        origin_url=f"/meetings/{kickoff.pk}/answers/",
    )
    confirmation = meeting_scheduled(
        facilitator=facilitator,
        definition=kickoff.definition,
        kind=Meeting.Kind.CONFIRMATION,
        title="Confirmation",
        invitees=[marketer, seller],
    )
    csp_errors = []

    maya = sign_in(marketer)
    maya.on("console", lambda m: "Content Security Policy" in m.text and csp_errors.append(m.text))
    maya.goto(confirmation.get_absolute_url())
    item = maya.locator("#agenda li", has_text=proposal.title)
    item.get_by_label("Agree", exact=True).check()
    item.get_by_role("button", name="Vote").click()
    expect(
        maya.get_by_text(f"Your vote on “{proposal.title}” is recorded; it counts in Marketing.")
    ).to_be_visible()
    expect(maya.locator("#agenda li", has_text=proposal.title)).to_contain_text("Your vote: Agree")

    sam = sign_in(seller)
    sam.goto(confirmation.get_absolute_url())
    item = sam.locator("#agenda li", has_text=proposal.title)
    item.get_by_label("Block", exact=True).check()
    item.get_by_role("button", name="Vote").click()
    expect(sam.get_by_role("alert")).to_contain_text("Comment: Say why you disagree or block")
    item = sam.locator("#agenda li", has_text=proposal.title)
    item.get_by_label("Comment").fill("Webinar questions should count too.")
    item.get_by_role("button", name="Vote").click()
    item = sam.locator("#agenda li", has_text=proposal.title)
    expect(item.locator("[data-verdict]")).to_contain_text("Sales: blocked by 1")
    expect(item).to_contain_text("Webinar questions should count too.")
    assert csp_errors == []
