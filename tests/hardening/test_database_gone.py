"""PostgreSQL (or SQLite) gone mid-request: a clear 503 page, and nothing half-written."""

import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from meetings.models import Attendance, Meeting
from tests.accounts.factories import UserFactory
from tests.definitions.factories import DefinitionFactory, version_published

pytestmark = pytest.mark.django_db


class ConnectionDropsAfter:
    """Lets `writes` INSERT/UPDATE statements through, then fails like a lost server."""

    def __init__(self, writes: int):
        self.writes = writes

    def __call__(self, execute, sql, params, many, context):
        if sql.lstrip().upper().startswith(("INSERT", "UPDATE")):
            if self.writes == 0:
                raise OperationalError("server closed the connection unexpectedly")
            self.writes -= 1
        return execute(sql, params, many, context)


def test_a_database_lost_mid_write_gives_the_503_page_and_keeps_nothing(facilitator, executive):
    definition = DefinitionFactory(facilitator=facilitator, executive_sponsor=executive)
    version_published(definition)
    invitees = [UserFactory(department="sales"), UserFactory(department="marketing")]
    client = Client(raise_request_exception=False)
    client.force_login(facilitator)
    meetings, attendances = Meeting.objects.count(), Attendance.objects.count()
    data = {
        "kind": "kickoff",
        "definition": definition.pk,
        "title": "Kickoff",
        "starts_at": (timezone.localtime() + timezone.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
        "duration_minutes": 60,
        "sponsor": executive.pk,
        "invitees": [person.pk for person in invitees],
    }
    with connection.execute_wrapper(ConnectionDropsAfter(writes=2)):
        response = client.post(reverse("meetings:schedule"), data)
    assert response.status_code == 503
    assert response["Retry-After"]
    body = response.content.decode()
    assert "briefly unavailable" in body and "Nothing from your last action was saved" in body
    assert (Meeting.objects.count(), Attendance.objects.count()) == (meetings, attendances)
    # With the database back, the same form goes through.
    assert client.post(reverse("meetings:schedule"), data).status_code == 302


def test_a_database_lost_before_the_view_still_gives_the_503_page(marketer):
    client = Client(raise_request_exception=False)
    client.force_login(marketer)

    def fail_everything(execute, sql, params, many, context):
        raise OperationalError("could not connect to server")

    with connection.execute_wrapper(fail_everything):
        page = client.get(reverse("home"))
        api = client.get("/api/v1/definitions", headers={"Authorization": "Bearer acc_x"})
    assert page.status_code == 503 and "briefly unavailable" in page.content.decode()
    assert api.status_code == 503 and api.json()["detail"]
