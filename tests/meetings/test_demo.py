"""The demo: a closed kickoff and a planned confirmation meeting, loaded idempotently."""

import pytest
from django.utils import timezone

from accounts.demo import seed_people
from definitions import demo as definitions_demo
from meetings import demo, selectors
from meetings.models import ActionItem, Answer, Meeting

pytestmark = pytest.mark.django_db


def test_the_demo_without_a_definition_is_skipped():
    assert "skipped" in demo.seed(seed_people())
    assert not Meeting.objects.exists()


def test_the_demo_has_a_closed_kickoff_and_a_planned_confirmation_meeting():
    people = seed_people()
    definitions_demo.seed(people)
    demo.seed(people)
    kickoff = Meeting.objects.get(title=demo.KICKOFF_TITLE)
    assert kickoff.is_closed
    invited = kickoff.attendances.count()
    answered = Answer.objects.for_meeting(kickoff).values("person").distinct().count()
    assert answered == invited - 1
    assert kickoff.minutes.text
    assert ActionItem.objects.filter(meeting=kickoff).overdue(timezone.localdate()).count() == 1

    confirmation = Meeting.objects.get(title=demo.CONFIRMATION_TITLE)
    assert confirmation.status == Meeting.Status.PLANNED
    assert confirmation.agenda_items.filter(proposal__isnull=False).exists()

    assert "already there" in demo.seed(people)
    assert Meeting.objects.count() == 2

    maya = people["maya@northwind.example"]
    sections = {s["template"]: s for s in selectors.home_sections(maya)}
    assert any(action.overdue for action in sections["meetings/_home_actions.html"]["actions"])
