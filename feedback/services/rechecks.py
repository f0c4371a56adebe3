"""Re-running a cycle's qualification check, as a background task in committed batches.

A cycle of 100 000 leads takes half a minute to check again: past a web worker's timeout
inside a request, and, in one transaction, a lock on every lead of the cycle that holds up
each rep's save for as long. So the request only queues it (`cycle_recheck`); the task
(`recheck_task_run`) checks the leads rep by rep in batches of `RECHECK_BATCH`, each
committed with the progress it makes, and a rep's save waits at most for one batch. A
lead's check is a function of its values, its marks and its version, so a batch checked
twice (a stalled task started again) or a run stopped half-way leaves every lead with a
check that is right.
"""

from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Greatest
from django.utils import timezone

from accounts.decorators import permission_require
from accounts.models import User
from feedback.models import CycleRecheck, Lead, ReviewCycle
from feedback.services.figures import leads_check

RECHECK_BATCH = 2000
# A re-run whose task shows no sign of life for this long was lost with its worker: a
# batch takes about a second, so this is many times the slowest seen.
RECHECK_STALLED_AFTER = timedelta(minutes=10)
# A re-run still waiting for a worker may be behind an import (which may run this long
# before it is deemed lost); after that its task is taken for lost too.
RECHECK_UNCLAIMED_AFTER = timedelta(minutes=30)


def recheck_is_stalled(recheck: CycleRecheck, now=None) -> bool:
    now = now or timezone.now()
    if recheck.status == CycleRecheck.Status.QUEUED:
        return recheck.progress_at < now - RECHECK_UNCLAIMED_AFTER
    if recheck.status == CycleRecheck.Status.RUNNING:
        return recheck.progress_at < now - RECHECK_STALLED_AFTER
    return False


@transaction.atomic
def cycle_recheck(*, cycle: ReviewCycle, by: User) -> tuple[CycleRecheck, bool]:
    """Queue a re-run of the check for every lead of a cycle: (the re-run, whether it was
    queued now). While one is queued or running, a second request joins it."""
    from feedback import tasks

    permission_require(by, "feedback.facilitate", action="re-run the check")
    # Two clicks at once: the second waits here for the first's commit, then finds it.
    ReviewCycle.objects.select_for_update().filter(pk=cycle.pk).exists()
    now = timezone.now()
    active = CycleRecheck.objects.filter(cycle=cycle, status__in=CycleRecheck.ACTIVE).first()
    if active is not None:
        if not recheck_is_stalled(active, now):
            return active, False
        # Given up only if its task has still not been heard from: it does not take the
        # cycle's lock, and may have just finished or moved on.
        given_up = CycleRecheck.objects.filter(
            pk=active.pk, status=active.status, progress_at=active.progress_at
        ).update(status=CycleRecheck.Status.FAILED, finished_at=now)
        if not given_up:
            active.refresh_from_db()
            if active.is_active:
                return active, False
    recheck = CycleRecheck.objects.create(
        cycle=cycle,
        requested_by=by,
        requested_at=now,
        progress_at=now,
        total=Lead.objects.in_cycle(cycle).count(),
    )
    transaction.on_commit(lambda: tasks.cycle_recheck_run.enqueue(recheck.pk))
    return recheck, True


def recheck_task_run(*, recheck_id: int) -> int | None:
    """The task's work: claim the queued re-run, check its cycle's leads batch by batch,
    record how it ended. Returns how many leads were checked (None if it was not queued)."""
    running = CycleRecheck.objects.filter(pk=recheck_id, status=CycleRecheck.Status.RUNNING)
    claimed = CycleRecheck.objects.filter(pk=recheck_id, status=CycleRecheck.Status.QUEUED).update(
        status=CycleRecheck.Status.RUNNING, progress_at=timezone.now()
    )
    if not claimed:
        return None  # run, or given up as stalled, meanwhile
    cycle_id = CycleRecheck.objects.values_list("cycle_id", flat=True).get(pk=recheck_id)
    # Rep by rep: the sums are kept by (cycle, rep) and a batch of many leads rebuilds the
    # sums of each rep it holds, so a batch within one rep's leads rebuilds that rep's alone.
    leads = Lead.objects.filter(cycle_id=cycle_id).order_by("rep_id", "pk")
    checked, last = 0, (0, 0)
    try:
        while rows := list(
            # The bound on rep_id alone lets the index (cycle, rep, …) start where the last
            # batch ended instead of at the cycle's first lead.
            leads.filter(rep_id__gte=last[0])
            .filter(Q(rep_id__gt=last[0]) | Q(pk__gt=last[1]))
            .values_list("rep_id", "pk")[:RECHECK_BATCH]
        ):
            ids = [pk for _, pk in rows]
            with transaction.atomic():
                count = leads_check([Lead(pk=pk) for pk in ids])
                # Leads imported meanwhile are checked too: the total grows with them.
                going_on = running.update(
                    done=F("done") + count,
                    total=Greatest(F("total"), F("done") + count),
                    progress_at=timezone.now(),
                )
            checked, last = checked + count, rows[-1]
            if not going_on:
                return checked  # given up as stalled and started again: that run goes on
    except Exception:
        running.update(status=CycleRecheck.Status.FAILED, finished_at=timezone.now())
        raise
    now = timezone.now()
    running.update(status=CycleRecheck.Status.DONE, finished_at=now, progress_at=now)
    return checked
