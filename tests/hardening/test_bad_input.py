"""Bad query values and far dates get a message or a 404, never a 500."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from feedback.models import ReviewCycle
from meetings.models import Meeting
from tests.definitions.factories import DefinitionFactory, version_published
from tests.meetings.factories import meeting_scheduled

pytestmark = pytest.mark.django_db


@pytest.fixture
def definition(facilitator, executive):
    definition = DefinitionFactory(facilitator=facilitator, executive_sponsor=executive)
    version_published(definition)
    return definition


@pytest.fixture
def client(facilitator):
    client = Client(raise_request_exception=False)
    client.force_login(facilitator)
    return client


@pytest.mark.parametrize("value", ["abc", "²", "-1", "1e5", "99999999999999999999999"])
def test_a_bad_definition_filter_on_the_meetings_pages_is_ignored(client, definition, value):
    for name in ("meetings:list", "meetings:schedule"):
        response = client.get(reverse(name), {"definition": value})
        assert response.status_code == 200, (name, value)


@pytest.mark.parametrize("value", ["abc", "²", "0", "99999999999999999999999"])
def test_a_bad_supersedes_value_is_a_404(client, definition, value):
    url = reverse("definitions:proposal_create", args=[definition.pk, "add_criterion"])
    assert client.get(url, {"supersedes": value}).status_code == 404


@pytest.mark.parametrize("value", ["abc", "²", "-1", "99999999999999999999999"])
def test_bad_ticked_answers_on_the_proposal_form_are_left_out(
    client, definition, facilitator, value
):
    meeting = meeting_scheduled(facilitator=facilitator, definition=definition)
    response = client.get(reverse("meetings:propose", args=[meeting.pk]), {"answers": value})
    assert response.status_code == 200


@pytest.mark.parametrize("value", ["abc", "²", ""])
def test_a_bad_reason_toggle_is_a_404(client, value):
    assert client.post(reverse("feedback:reasons"), {"toggle": value}).status_code == 404


def test_a_cycle_starting_in_year_9999_is_refused_with_a_message(client, definition):
    response = client.post(
        reverse("feedback:cycle_new"),
        {"definition": definition.pk, "starts_at": "9999-12-31T10:00", "days": 14},
    )
    assert response.status_code in (200, 400)
    assert "between 2000 and 2100" in response.content.decode()
    assert not ReviewCycle.objects.exists()


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "2026-02-31", "abc"])
def test_far_or_bad_dates_on_the_numbers_page_are_named(client, definition, value):
    response = client.get(reverse("numbers:definition", args=[definition.pk]), {"date_to": value})
    assert response.status_code == 200
    assert "Handed over to:" in response.content.decode()
    # An export never answers the unfiltered table for a filter in error: a 400 saying why.
    export = client.get(
        reverse("numbers:export", args=[definition.pk, "bought"]), {"date_from": value}
    )
    assert export.status_code == 400
    assert export.content.decode().startswith("Handed over from:")


def test_a_meeting_in_year_9999_is_refused_and_its_next_review_is_not_scheduled(
    client, definition, facilitator
):
    response = client.post(
        reverse("meetings:schedule"),
        {
            "kind": "kickoff",
            "definition": definition.pk,
            "title": "Far away",
            "starts_at": "9999-12-31T10:00",
            "duration_minutes": 60,
        },
    )
    assert "between 2000 and 2100" in response.content.decode()
    meeting = meeting_scheduled(facilitator=facilitator, definition=definition)
    # Data that predates the range (the admin, an old import) must not break the page.
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=datetime.datetime(9999, 12, 25, 10, tzinfo=datetime.UTC)
    )
    count = Meeting.objects.count()
    response = client.post(reverse("meetings:next_review", args=[meeting.pk]), follow=True)
    assert response.status_code == 200
    assert "correct its date" in response.content.decode()
    assert Meeting.objects.count() == count


def test_an_outcome_date_in_year_9999_is_refused(client, facilitator):
    from tests.feedback.factories import cycle_make, lead_make

    lead = lead_make(cycle_make())
    response = client.post(
        reverse("feedback:outcome", args=[lead.pk]),
        {"result": "bought", "occurred_on": "9999-12-31"},
    )
    assert response.status_code == 400
    assert "between 2000 and 2100" in response.content.decode()
    from feedback.models import Outcome

    assert not Outcome.objects.filter(lead=lead).exists()
