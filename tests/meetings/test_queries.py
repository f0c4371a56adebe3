"""The meeting page's queries do not grow with attendees, answers, action items or votes."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from meetings import services
from tests.accounts.factories import UserFactory

# What drawing a page costs, measured: no page is kept drawn here.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pages_drawn")]


def grow(meeting, facilitator, n: int) -> None:
    """Add `n` people from each department, each answering everything, with an action item,
    a confirmation and a vote on an agenda proposal."""
    people = [
        UserFactory(department=department)
        for department in ("marketing", "sales", "other")
        for _ in range(n)
    ]
    services.invitations_add(meeting=meeting, by=facilitator, people=people)
    questions = list(meeting.questions.all())
    for person in people:
        for question in questions:
            services.answer_save(question=question, person=person, text=f"{person} says yes")
        services.action_item_add(
            meeting=meeting,
            by=facilitator,
            text=f"Follow up with {person}",
            owner=person,
            due=timezone.localdate(),
        )
    answer = meeting.questions.first().answers.first()
    proposal = services.proposal_from_answers(
        meeting=meeting,
        by=facilitator,
        answers=[answer],
        stage_key="mql",
        statement=f"Criterion {n}",
        origin_url="/",
    )
    services.agenda_item_add(meeting=meeting, by=facilitator, proposal=proposal)
    summary_text = f"Summary after {n}"
    services.summary_publish(meeting=meeting, by=facilitator, text=summary_text)
    for person in people:
        services.confirmation_give(meeting=meeting, person=person, position="confirm")
        if person.department != "other":
            services.vote_from_meeting(
                meeting=meeting, proposal=proposal, voter=person, position="agree"
            )


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("viewer", ["facilitator", "marketer"])
def test_the_meeting_page_runs_a_fixed_number_of_queries(
    viewer, request, meeting, facilitator, client_as, django_assert_num_queries
):
    client = client_as(request.getfixturevalue(viewer))
    url = reverse("meetings:detail", args=[meeting.pk])
    grow(meeting, facilitator, 1)
    small = count_queries(client, url)

    grow(meeting, facilitator, 5)
    with django_assert_num_queries(small):
        response = client.get(url)
    # The page did show the bigger meeting: 3 + 3 + 15 + 15 invited, and their action items.
    assert response.text.count("data-action=") == 18
    assert response.text.count('data-complete="yes"') == 18


def test_the_participation_board_refresh_runs_a_fixed_number_of_queries(
    meeting, facilitator, client_as, django_assert_num_queries
):
    client = client_as(facilitator)
    url = reverse("meetings:detail", args=[meeting.pk])
    headers = {"HX-Request": "true", "HX-Target": "participation"}
    grow(meeting, facilitator, 1)
    with CaptureQueriesContext(connection) as small:
        client.get(url, headers=headers)
    grow(meeting, facilitator, 4)
    with django_assert_num_queries(len(small)):
        client.get(url, headers=headers)


def test_the_meetings_list_reads_no_definition_it_is_not_filtered_by(meeting, client_as):
    """Unfiltered, the list reads its meetings (two queries: coming up, closed) and no
    definition; filtered, the definition too."""
    client = client_as(meeting.facilitator)

    def definition_reads(query: dict) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("meetings:list"), query)
        assert response.status_code == 200 and meeting.title in response.text
        return sum(q["sql"].startswith('SELECT "definitions_definition"') for q in queries)

    assert definition_reads({}) == 0
    assert definition_reads({"definition": meeting.definition.pk}) == 1
