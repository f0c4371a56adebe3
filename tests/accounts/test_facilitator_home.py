"""The facilitator's home lists her actual work, each item linking to where she acts, in a
number of queries that does not grow with the work."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import selectors
from definitions import services as definition_services
from tests.accounts.facilitator_work import facilitator_work
from tests.accounts.home_page import home_sections_of


def sections_of(user) -> dict:
    """The home page's sections as `user` reads them, by their DOM id."""
    client = Client()
    client.force_login(user)
    return home_sections_of(client)


def test_the_home_lists_a_sent_back_draft_with_its_comment_and_links_to_the_draft(db):
    work = facilitator_work()
    [item] = sections_of(work.facilitator)["drafts-sent-back"].items
    definition = work.sent_back[0].definition
    assert item.label == f"{definition.name}: sent back by Cora Officer"
    assert item.detail == "“Say what counts as a budget (0)”"
    assert item.url == reverse("definitions:draft", args=[definition.pk])


def test_a_draft_sent_back_then_resubmitted_no_longer_waits_on_the_facilitator(db):
    work = facilitator_work()
    submission = work.sent_back[0]
    submission.pk = None
    submission.status = "submitted"
    submission.reviewed_by = None
    submission.review_comment = ""
    submission.save()
    section = sections_of(work.facilitator)["drafts-sent-back"]
    assert section.items == []
    assert section.empty == "No draft has been sent back to you."


def test_a_passing_proposal_waits_to_be_closed_and_an_unvoted_one_asks_for_votes(db):
    work = facilitator_work()
    sections = sections_of(work.facilitator)
    [to_close] = sections["proposals-to-close"].items
    passing = work.passing[0]
    assert to_close.label == passing.title
    assert to_close.url == (
        reverse("definitions:proposal", args=[passing.definition_id, passing.pk]) + "#manage"
    )
    assert to_close.detail.startswith(f"{passing.definition.name} · passes now · ")
    [unvoted] = sections["proposals-need-votes"].items
    assert unvoted.label == work.unvoted[0].title
    assert unvoted.url.endswith("#tally")
    assert "no votes yet" in unvoted.detail


def test_a_closed_vote_leaves_the_list(db):
    work = facilitator_work()
    definition_services.proposal_close(proposal=work.passing[0], by=work.facilitator)
    section = sections_of(work.facilitator)["proposals-to-close"]
    assert section.items == []
    assert section.empty == "No open proposal passes yet."


def test_a_coming_meeting_names_who_has_not_answered(db):
    work = facilitator_work()
    [item] = sections_of(work.facilitator)["meetings-coming-up"].items
    assert item.label.startswith("Kickoff 0, ")
    assert item.detail == "1 of 1 has not answered: Quiet Marketer 0"
    assert item.url == reverse("meetings:detail", args=[work.meetings[0].pk]) + "#participation"


def test_a_cycle_near_its_deadline_names_the_rep_behind(client_as, db):
    work = facilitator_work()
    [cycle] = {s.get("template"): s for s in selectors.home_sections(work.facilitator)}[
        "feedback/_home_cycles.html"
    ]["cycles"]
    assert cycle.deadline_near
    assert [(r["name"], r["waiting"]) for r in cycle.behind] == [("Rita Behind 0", 1)]
    page = client_as(work.facilitator).get(reverse("home")).content.decode()
    assert "Rita Behind 0 (1 to review)" in page
    assert f"{cycle.definition}: 1 of 2 reviewed" in page


def test_people_without_the_facilitator_role_see_none_of_it(db):
    work = facilitator_work()
    rep = work.reps[0]
    ids = set(sections_of(rep))
    assert not ids & {"drafts-sent-back", "proposals-to-close", "proposals-need-votes"}
    assert "meetings-coming-up" not in ids


@pytest.mark.usefixtures("pages_drawn")
def test_the_homes_queries_do_not_grow_with_the_work(client_as, db):
    def queries_for(n: int) -> int:
        work = facilitator_work(n)
        client = client_as(work.facilitator)
        client.get(reverse("home"))  # warm the session and the caches
        with CaptureQueriesContext(connection) as captured:
            page = client.get(reverse("home"))
        assert page.status_code == 200
        assert page.content.decode().count("sent back by") == n
        return len(captured)

    one = queries_for(1)
    assert queries_for(4) == one
