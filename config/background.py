"""Helpers for enqueuing django.tasks work at a later time, whatever the backend."""

from datetime import datetime, timedelta

from django.tasks import Task
from django.utils import timezone


def enqueue_at(task: Task, when: datetime, *args) -> bool:
    """Enqueue `task` to run at `when`; False (nothing queued) where the backend cannot
    defer work, which then relies on the scheduler (`manage.py proposals_close_due`)."""
    if not task.get_backend().supports_defer:
        return False
    task.using(run_after=when).enqueue(*args)
    return True


def enqueue_later(task: Task, delay: int, *args) -> None:
    """Enqueue `task` again after `delay` seconds (at once where the backend cannot defer)."""
    if not enqueue_at(task, timezone.now() + timedelta(seconds=delay), *args):
        task.enqueue(*args)
