"""Re-running a cycle's check: queued by the request, run by a task in committed batches."""

import threading
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, connections, transaction
from django.urls import reverse
from django.utils import timezone

from feedback import services
from feedback.models import CycleRecheck, Lead, LeadCheck, LeadFigures
from feedback.services import rechecks
from tests.accounts.factories import UserFactory
from tests.feedback.factories import QUALIFIED, cycle_make, lead_make


def stale_cycle(leads=5):
    """A cycle whose qualified leads lost their contact behind the check's back: their
    stored check (opportunity) is stale until the check runs again (no stage)."""
    cycle = cycle_make()
    made = [lead_make(cycle, **QUALIFIED) for _ in range(leads)]
    Lead.objects.filter(cycle=cycle).update(email="", phone="")
    return cycle, [lead.pk for lead in made]


@pytest.fixture
def queue(django_capture_on_commit_callbacks):
    """Queue a re-run as the view does, its task handed to the queue at the commit."""

    def queue(cycle, by=None):
        with django_capture_on_commit_callbacks(execute=True):
            return services.cycle_recheck(cycle=cycle, by=by or cycle.definition.facilitator)

    return queue


def levels(ids) -> list[str]:
    return list(
        LeadCheck.objects.filter(lead_id__in=ids)
        .order_by("lead_id")
        .values_list("level_reached", flat=True)
    )


def test_the_request_only_queues_and_the_task_checks_every_lead(db, task_queue, queue):
    cycle, ids = stale_cycle()
    recheck, queued = queue(cycle)
    assert queued
    assert (recheck.status, recheck.total, recheck.done) == ("queued", 5, 0)
    assert levels(ids) == ["opportunity"] * 5, "nothing is checked inside the request"
    assert task_queue.run() == 1
    recheck.refresh_from_db()
    assert (recheck.status, recheck.done, recheck.total) == ("done", 5, 5)
    assert recheck.finished_at is not None
    assert levels(ids) == [""] * 5
    assert set(LeadFigures.objects.filter(lead_id__in=ids).values_list("rank", flat=True)) == {0}


def test_the_leads_are_checked_in_batches_each_recording_its_progress(
    db, task_queue, monkeypatch, queue
):
    monkeypatch.setattr(rechecks, "RECHECK_BATCH", 2)
    cycle, _ = stale_cycle()
    seen = []
    check = rechecks.leads_check

    def watched(leads, **kwargs):
        seen.append((len(leads), CycleRecheck.objects.get().done))
        return check(leads, **kwargs)

    monkeypatch.setattr(rechecks, "leads_check", watched)
    queue(cycle)
    task_queue.run()
    assert seen == [(2, 0), (2, 2), (1, 4)]
    assert CycleRecheck.objects.get().done == 5


def test_the_leads_are_taken_rep_by_rep(db, task_queue, monkeypatch, queue):
    """The sums are rebuilt per (cycle, rep) for each rep a batch holds: batches in one
    rep's leads rebuild that rep's sums alone."""
    monkeypatch.setattr(rechecks, "RECHECK_BATCH", 2)
    cycle = cycle_make()
    first, second = UserFactory(department="sales"), UserFactory(department="sales")
    for rep in (second, first, second, first, second):
        lead_make(cycle, rep=rep, **QUALIFIED)
    check, batches = rechecks.leads_check, []

    def watched(leads, **kwargs):
        batches.append([Lead.objects.get(pk=lead.pk).rep_id for lead in leads])
        return check(leads, **kwargs)

    monkeypatch.setattr(rechecks, "leads_check", watched)
    queue(cycle)
    task_queue.run()
    low, high = sorted([first.pk, second.pk])
    assert batches == [[low, low], [high, high], [high]]


def test_a_second_request_joins_the_one_queued(db, task_queue, queue):
    cycle, _ = stale_cycle(1)
    first, queued = queue(cycle)
    second, again = queue(cycle)
    assert queued and not again
    assert first.pk == second.pk
    assert task_queue.run() == 1
    # Once it has ended, a new request queues a new run.
    third, queued = queue(cycle)
    assert queued and third.pk != first.pk


def test_the_database_refuses_two_active_rechecks_of_one_cycle(db):
    cycle = cycle_make()
    by = cycle.definition.facilitator
    CycleRecheck.objects.create(cycle=cycle, requested_by=by, status="running")
    CycleRecheck.objects.create(
        cycle=cycle, requested_by=by, status="done", finished_at=timezone.now()
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        CycleRecheck.objects.create(cycle=cycle, requested_by=by)
    ended = {"status": "done", "finished_at": timezone.now()}
    with pytest.raises(IntegrityError), transaction.atomic():
        CycleRecheck.objects.create(cycle=cycle, requested_by=by, total=1, done=2, **ended)
    with pytest.raises(IntegrityError), transaction.atomic():
        CycleRecheck.objects.create(cycle=cycle, requested_by=by, status="done")
    with pytest.raises(IntegrityError), transaction.atomic():
        CycleRecheck.objects.create(cycle=cycle, requested_by=by, **{**ended, "status": "queued"})


def test_a_stalled_recheck_is_given_up_and_a_new_one_queued(db, task_queue, queue):
    cycle, ids = stale_cycle(2)
    old, _ = queue(cycle)
    CycleRecheck.objects.filter(pk=old.pk).update(
        status="running", progress_at=timezone.now() - timedelta(minutes=11)
    )
    new, queued = queue(cycle)
    assert queued and new.pk != old.pk
    old.refresh_from_db()
    assert old.status == "failed" and old.finished_at is not None
    task_queue.run()
    new.refresh_from_db()
    assert new.status == "done" and levels(ids) == ["", ""]


def test_a_queued_recheck_waits_for_a_busy_worker_before_it_is_given_up(db, queue):
    """A worker may be busy with a long import: a re-run not yet taken up is given up only
    after half an hour, one whose task went silent after ten minutes."""
    cycle, _ = stale_cycle(1)
    recheck, _ = queue(cycle)
    now = timezone.now()
    assert not services.recheck_is_stalled(recheck, now + timedelta(minutes=29))
    assert services.recheck_is_stalled(recheck, now + timedelta(minutes=31))
    recheck.status = "running"
    assert not services.recheck_is_stalled(recheck, now + timedelta(minutes=9))
    assert services.recheck_is_stalled(recheck, now + timedelta(minutes=11))


def test_a_run_that_ends_while_it_is_given_up_keeps_its_end(db, task_queue, queue, monkeypatch):
    cycle, _ = stale_cycle(1)
    old, _ = queue(cycle)
    CycleRecheck.objects.filter(pk=old.pk).update(
        status="running", progress_at=timezone.now() - timedelta(minutes=11)
    )

    def stalled_then_done(recheck, now=None):
        # The old task commits its end just after the request read the row as stalled.
        CycleRecheck.objects.filter(pk=recheck.pk).update(
            status="done", finished_at=timezone.now(), progress_at=timezone.now()
        )
        return True

    monkeypatch.setattr(rechecks, "recheck_is_stalled", stalled_then_done)
    new, queued = queue(cycle)
    old.refresh_from_db()
    assert old.status == "done", "a finished run is not relabelled as stopped"
    assert queued and new.pk != old.pk


def test_leads_added_during_the_run_are_checked_and_counted(db, task_queue, monkeypatch, queue):
    monkeypatch.setattr(rechecks, "RECHECK_BATCH", 2)
    cycle, _ = stale_cycle(3)
    check, added = rechecks.leads_check, []

    def import_meanwhile(leads, **kwargs):
        if not added:
            rep = Lead.objects.filter(cycle=cycle).order_by("-rep_id").first().rep
            added.append(lead_make(cycle, rep=rep, **QUALIFIED))
            added.append(lead_make(cycle, rep=rep, **QUALIFIED))
        return check(leads, **kwargs)

    monkeypatch.setattr(rechecks, "leads_check", import_meanwhile)
    queue(cycle)
    task_queue.run()
    recheck = CycleRecheck.objects.get()
    assert (recheck.status, recheck.done, recheck.total) == ("done", 5, 5)


def test_a_run_given_up_as_stalled_stops_after_its_batch(db, task_queue, monkeypatch, queue):
    monkeypatch.setattr(rechecks, "RECHECK_BATCH", 2)
    cycle, ids = stale_cycle()
    check = rechecks.leads_check

    def given_up_meanwhile(leads, **kwargs):
        CycleRecheck.objects.update(status="failed", finished_at=timezone.now())
        return check(leads, **kwargs)

    monkeypatch.setattr(rechecks, "leads_check", given_up_meanwhile)
    queue(cycle)
    task_queue.run()
    assert levels(ids) == ["", "", "opportunity", "opportunity", "opportunity"]
    assert CycleRecheck.objects.get().status == "failed"


def test_a_failing_batch_stops_the_run_and_keeps_the_batches_before(
    db, task_queue, monkeypatch, queue
):
    monkeypatch.setattr(rechecks, "RECHECK_BATCH", 2)
    cycle, ids = stale_cycle()
    check, calls = rechecks.leads_check, []

    def failing_second(leads, **kwargs):
        calls.append(len(leads))
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        return check(leads, **kwargs)

    monkeypatch.setattr(rechecks, "leads_check", failing_second)
    queue(cycle)
    task_queue.run()
    recheck = CycleRecheck.objects.get()
    assert (recheck.status, recheck.done, recheck.total) == ("failed", 2, 5)
    assert levels(ids) == ["", "", "opportunity", "opportunity", "opportunity"]


def test_only_a_facilitator_queues_a_recheck(db, sales_rep):
    cycle, _ = stale_cycle(1)
    with pytest.raises(PermissionDenied):
        services.cycle_recheck(cycle=cycle, by=sales_rep)
    assert not CycleRecheck.objects.exists()


def test_the_cycle_page_follows_the_recheck(
    client_as, executive, task_queue, django_capture_on_commit_callbacks
):
    cycle, _ = stale_cycle(3)
    facilitator = cycle.definition.facilitator
    client = client_as(facilitator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("feedback:cycle_recheck", args=[cycle.pk]))
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "The check runs again for 3 leads; this page shows how far it has got."
    ]
    page = client.get(cycle.get_absolute_url()).content.decode()
    assert "The check is running again" in page and "Waiting for a worker" in page
    progress = reverse("feedback:cycle_recheck_progress", args=[cycle.pk])
    assert f'hx-get="{progress}"' in page
    response = client.post(reverse("feedback:cycle_recheck", args=[cycle.pk]))
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "The check is already running again for this cycle."
    ]
    CycleRecheck.objects.update(status="running", done=1)
    box = client_as(executive).get(progress, headers={"HX-Request": "true"}).content.decode()
    assert "1 of 3 leads checked" in box and "<html" not in box and "hx-get" in box
    CycleRecheck.objects.update(status="queued", done=0)
    assert task_queue.run() == 1
    box = client.get(progress, headers={"HX-Request": "true"}).content.decode()
    assert "The check last ran again on" in box and "3 leads checked" in box
    assert "hx-get" not in box, "polling stops once the run has ended"
    CycleRecheck.objects.update(
        status="running", finished_at=None, progress_at=timezone.now() - timedelta(hours=1)
    )
    page = client.get(cycle.get_absolute_url()).content.decode()
    assert "The check stopped before the end" in page and 'hx-get="' + progress not in page


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer at a time")
def test_each_batch_is_committed_so_a_reps_save_waits_for_one_batch_only(monkeypatch, settings):
    """While the task checks its second batch, another connection reads the first batch's
    new checks and progress: they are committed, and their leads' locks released."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    monkeypatch.setattr(rechecks, "RECHECK_BATCH", 2)
    cycle, ids = stale_cycle(4)
    check, seen = rechecks.leads_check, []

    def look_from_elsewhere():
        try:
            with transaction.atomic():
                # Locking a lead of the first batch would wait if it were still held.
                Lead.objects.select_for_update(nowait=True).filter(pk=ids[0]).exists()
                seen.append((CycleRecheck.objects.get().done, levels(ids[:2])))
        except Exception as error:
            seen.append(error)
        finally:
            connections.close_all()

    def watched(leads, **kwargs):
        if leads[0].pk == ids[2]:
            thread = threading.Thread(target=look_from_elsewhere)
            thread.start()
            thread.join()
        return check(leads, **kwargs)

    monkeypatch.setattr(rechecks, "leads_check", watched)
    services.cycle_recheck(cycle=cycle, by=cycle.definition.facilitator)
    assert seen == [(2, ["", ""])]
    assert CycleRecheck.objects.get().status == "done"
