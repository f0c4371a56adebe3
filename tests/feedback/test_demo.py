"""The demo: cycles, checked leads, feedback with unwritten reasons, outcomes; idempotent."""

import pytest

from accounts.demo import seed_people
from definitions import demo as definitions_demo
from feedback import demo
from feedback.models import Lead, LeadCheck, LeadFeedback, LeadFigures, Outcome, ReviewCycle

pytestmark = pytest.mark.django_db


def test_without_a_published_version_the_demo_is_skipped():
    assert "skipped" in demo.seed(seed_people())


def test_the_demo_tells_the_story_and_runs_twice_safely():
    people = seed_people()
    definitions_demo.seed(people)
    summary = demo.seed(people)
    assert summary.startswith("Feedback: 3 cycles")
    assert ReviewCycle.objects.closed().count() == 2
    assert ReviewCycle.objects.open().count() == 1
    assert Lead.objects.count() == 80
    assert LeadCheck.objects.count() == 80
    assert LeadFeedback.objects.filter(reasons__kind="unwritten").exists()
    assert Outcome.objects.filter(result="bought", lead__feedback__decision="rejected").exists()
    # They bought after the rejection, so the numbers count them as rejected, then bought.
    assert LeadFigures.objects.filter(rejected_then_bought=True).exists()
    open_cycle = ReviewCycle.objects.open().get()
    assert (
        Lead.objects.in_cycle(open_cycle)
        .awaiting_feedback_from(people["sam@northwind.example"])
        .exists()
    )
    assert "already there" in demo.seed(people)
    assert Lead.objects.count() == 80
