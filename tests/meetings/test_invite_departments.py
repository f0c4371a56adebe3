"""Whole departments are invited in one tick, on the schedule page and the meeting page."""

from django.urls import reverse

from accounts.models import User
from meetings.models import Meeting
from tests.accounts.factories import UserFactory


def test_the_invite_form_offers_each_department_with_its_head_count(
    client_as, facilitator, meeting
):
    UserFactory.create_batch(2, department="sales")
    left = (
        User.objects.active()
        .filter(department="sales")
        .exclude(meeting_attendances__meeting=meeting)
        .count()
    )
    assert left >= 2
    page = client_as(facilitator).get(meeting.get_absolute_url()).content.decode()
    assert f"Sales ({left})" in page


def test_ticking_sales_invites_every_seller_not_yet_invited(client_as, facilitator, meeting):
    sellers = UserFactory.create_batch(3, department="sales")
    response = client_as(facilitator).post(
        reverse("meetings:invite", args=[meeting.pk]), {"departments": ["sales"]}
    )
    assert response.status_code == 302
    invited = set(meeting.attendances.values_list("person_id", flat=True))
    assert {s.pk for s in sellers} <= invited


def test_inviting_nobody_says_what_to_tick(client_as, facilitator, meeting):
    before = meeting.attendances.count()
    response = client_as(facilitator).post(reverse("meetings:invite", args=[meeting.pk]), {})
    assert "Tick the people or a whole department to invite." in response.content.decode()
    assert meeting.attendances.count() == before


def test_scheduling_with_marketing_ticked_invites_all_of_marketing(client_as, facilitator, meeting):
    marketers = UserFactory.create_batch(2, department="marketing")
    client_as(facilitator).post(
        reverse("meetings:schedule"),
        {
            "definition": meeting.definition.pk,
            "kind": "kickoff",
            "title": "Whole marketing",
            "starts_at": "2030-01-10T10:00",
            "duration_minutes": 45,
            "departments": ["marketing"],
        },
    )
    created = Meeting.objects.get(title="Whole marketing")
    invited = set(created.attendances.values_list("person__department", "person_id"))
    assert {("marketing", m.pk) for m in marketers} <= invited
    assert all(department == "marketing" for department, _ in invited)
