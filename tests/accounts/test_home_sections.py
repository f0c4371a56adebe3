"""The home page's sections from definitions and meetings: each app hands over data and its
own partial draws it (ids, headings, wording, empty states live in the templates), and a
person's home reads in a fixed number of queries whatever the work waiting."""

import re

import pytest
from django.db import connection
from django.template.loader import get_template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from definitions import selectors as definition_selectors
from definitions.models import Proposal, Submission
from meetings import selectors as meeting_selectors
from tests.accounts.facilitator_work import facilitator_work
from tests.accounts.factories import UserFactory
from tests.accounts.home_page import home_sections_of
from tests.accounts.member_work import member_work
from tests.meetings.factories import meeting_scheduled

PRESENTATION = {"id", "title", "items", "empty"}


def test_definitions_and_meetings_hand_over_data_drawn_by_their_own_partials(db):
    work = facilitator_work()
    executive = UserFactory(department="sales", roles=["Executive"])
    marketer = UserFactory(department="marketing")
    member_work(1, marketer, executive)
    for app, home_sections in (
        ("definitions", definition_selectors.home_sections),
        ("meetings", meeting_selectors.home_sections),
    ):
        sections = [
            section
            for person in (work.facilitator, executive, marketer)
            for section in home_sections(person)
        ]
        assert sections
        for section in sections:
            assert re.fullmatch(rf"{app}/_home_\w+\.html", section["template"])
            get_template(section["template"])
            assert not PRESENTATION & set(section)


def test_a_members_home_shows_what_waits_for_her_and_links_to_where_she_acts(
    client_as, marketer, executive
):
    member_work(1, marketer, executive)
    sections = home_sections_of(client_as(marketer))
    proposal = Proposal.objects.get()
    [to_vote] = sections["proposals-to-vote"].items
    assert (to_vote.label, to_vote.url) == (proposal.title, proposal.get_absolute_url())
    assert to_vote.detail.startswith(f"{proposal.definition.name} · closes ")
    [summary] = sections["meetings-summaries"].items
    assert summary.detail == "confirm the summary or raise a concern"
    assert summary.url.endswith("#summary")
    [action] = sections["meetings-actions"].items
    assert action.detail.startswith("overdue since ")
    assert "drafts-to-approve" not in sections

    [draft] = home_sections_of(client_as(executive))["drafts-to-approve"].items
    submission = Submission.objects.get(status=Submission.Status.SUBMITTED)
    assert draft.label == f"{submission.definition.name}: awaiting approval"
    assert draft.detail == "Adds a budget criterion 0"
    assert draft.url == submission.get_absolute_url()


def test_an_empty_section_says_nothing_is_waiting(client_as, marketer):
    sections = home_sections_of(client_as(marketer))
    assert sections["proposals-to-vote"].empty == "You have voted on every open proposal."
    assert sections["meetings-summaries"].empty == "No summary is waiting for your confirmation."


def test_a_coming_meeting_names_the_first_six_behind_and_counts_the_rest(client_as, facilitator):
    people = [UserFactory(department="marketing", full_name=f"Person {i}") for i in range(8)]
    meeting = meeting_scheduled(facilitator=facilitator, invitees=people, title="Big kickoff")
    [item] = home_sections_of(client_as(facilitator))["meetings-coming-up"].items
    assert item.detail == (
        "8 of 8 have not answered: Person 0, Person 1, Person 2, Person 3, Person 4, "
        "Person 5 and 2 more"
    )
    assert item.url == reverse("meetings:detail", args=[meeting.pk]) + "#participation"


def test_a_coming_meeting_with_nobody_invited_links_to_the_invitations(client_as, facilitator):
    meeting = meeting_scheduled(facilitator=facilitator, title="Empty kickoff")
    [item] = home_sections_of(client_as(facilitator))["meetings-coming-up"].items
    assert item.detail == "nobody is invited yet"
    assert item.url == reverse("meetings:detail", args=[meeting.pk]) + "#people"


@pytest.mark.usefixtures("pages_drawn")
def test_a_members_and_an_executives_home_do_not_grow_with_the_work(client_as, db):
    def queries_for(n: int) -> tuple[int, int]:
        marketer = UserFactory(department="marketing")
        executive = UserFactory(department="sales", roles=["Executive"])
        member_work(n, marketer, executive)
        counts = []
        for person, section in ((marketer, "meetings-actions"), (executive, "drafts-to-approve")):
            client = client_as(person)
            client.get(reverse("home"))  # warm the session and the caches
            with CaptureQueriesContext(connection) as captured:
                sections = home_sections_of(client)
            assert len(sections[section].items) >= n
            counts.append(len(captured))
        return tuple(counts)

    assert queries_for(1) == queries_for(3)
