"""Votes close on schedule, by a task, and pages read a due vote as closed without writing."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from definitions import selectors, services
from definitions.models import Proposal

pytestmark = pytest.mark.django_db


def test_opening_a_vote_with_a_deadline_queues_its_closing_for_that_moment(
    definition, people, propose, task_queue, django_capture_on_commit_callbacks
):
    people("marketing", 1)
    people("sales", 1)
    closes_at = timezone.now() + timedelta(hours=2)
    with django_capture_on_commit_callbacks(execute=True):
        proposal = propose(closes_at=closes_at)
    for voter in selectors.voters_eligible():
        services.vote_cast(proposal=proposal, voter=voter, position="agree")
    queued = task_queue.ready(now=closes_at).get()
    assert queued.task_path == "definitions.tasks.proposals_close_due"
    assert queued.run_after == closes_at
    assert task_queue.run() == 0  # not before its time
    Proposal.objects.filter(pk=proposal.pk).update(closes_at=timezone.now())
    assert task_queue.run(now=closes_at) == 1
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.PASSED


def test_the_command_can_queue_the_closing_for_a_worker(definition, propose, task_queue):
    from django.core.management import call_command

    due = propose(closes_at=timezone.now() + timedelta(hours=1))
    Proposal.objects.filter(pk=due.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    call_command("proposals_close_due", "--enqueue")
    due.refresh_from_db()
    assert due.status == Proposal.Status.OPEN  # queued, not done in the command
    assert task_queue.run() == 1
    due.refresh_from_db()
    assert due.status == Proposal.Status.FAILED  # nobody voted


def test_a_vote_past_its_window_reads_as_closed_and_stays_unwritten_until_the_task(
    definition, people, propose, client_as
):
    people("marketing", 1)
    people("sales", 1)
    proposal = propose(closes_at=timezone.now() + timedelta(hours=1))
    for voter in selectors.voters_eligible():
        services.vote_cast(proposal=proposal, voter=voter, position="agree")
    Proposal.objects.filter(pk=proposal.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    client = client_as(definition.facilitator)
    page = client.get(reverse("definitions:proposal", args=[definition.pk, proposal.pk])).text
    assert "Passed" in page
    assert 'name="position"' not in page  # no vote form on a closed vote
    listing = client.get(reverse("definitions:proposals", args=[definition.pk])).text
    assert "Passed, in the draft" in listing and proposal.title in listing
    draft = client.get(reverse("definitions:draft", args=[definition.pk])).text
    assert "Marketing Qualified Lead" in draft  # the stage it adds is in the draft already
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.OPEN and proposal.closed_at is None
    services.proposals_close_due()
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.PASSED
