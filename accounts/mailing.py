"""E-mail sent by background tasks: attempts with a bounded backoff, failures kept for people.

A task that sends mail calls `mailing_attempt`; when it returns a delay the task enqueues
itself again that much later. After the last delay the mailing is given up on and shows,
with its error, on the home page of the person it names (the facilitator, the publisher).
"""

import smtplib
from collections.abc import Callable
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.tasks import Task
from django.utils import timezone
from django.utils.module_loading import import_string

from accounts.models import Mailing, User

# Seconds to wait after the 1st, 2nd, 3rd and 4th failure; the 5th is final (about 40 min).
RETRY_DELAYS = (30, 120, 600, 1800)
MAIL_ERRORS = (smtplib.SMTPException, OSError)


def mailing_send(
    *, task: Task, args: list, subject: str, link: str = "", notify: User | None = None
) -> Mailing:
    """Record a mailing and queue `task(mailing.pk, *args)` once the caller's transaction
    has committed (a rolled-back change sends nothing)."""
    mailing = Mailing(
        subject=subject[:255],
        link=link[:500],
        notify=notify,
        task_path=task.module_path,
        task_args=list(args),
    )
    mailing.full_clean()
    mailing.save()
    transaction.on_commit(lambda: task.enqueue(mailing.pk, *args))
    return mailing


@transaction.atomic
def mailing_retry(*, mailing: Mailing, by: User) -> Mailing:
    """Send a given-up mailing again, from the start of its backoff."""
    mailing = Mailing.objects.select_for_update().get(pk=mailing.pk)
    if mailing.notify_id != by.pk:
        raise PermissionDenied("Only the person this mail reports to can send it again.")
    if mailing.status != Mailing.Status.FAILED:
        raise ValidationError("Only mail that could not be sent is sent again.")
    mailing.status, mailing.attempts, mailing.next_attempt_at = Mailing.Status.QUEUED, 0, None
    mailing.finished_at = None
    mailing.save()
    task = import_string(mailing.task_path)
    transaction.on_commit(lambda: task.enqueue(mailing.pk, *mailing.task_args))
    return mailing


def mailing_attempt(*, mailing_id: int, send: Callable[[], int]) -> int | None:
    """Run `send` (returns how many were sent) once; returns the delay before the next
    attempt when it failed and may be tried again, else None."""
    mailing = Mailing.objects.get(pk=mailing_id)
    if mailing.status in (Mailing.Status.SENT, Mailing.Status.FAILED):
        return None  # a duplicate run of a finished task
    now = timezone.now()
    mailing.attempts += 1
    try:
        sent = send()
    except MAIL_ERRORS as error:
        mailing.last_error = f"{type(error).__name__}: {error}"[:2000]
        if mailing.attempts <= len(RETRY_DELAYS):
            delay = RETRY_DELAYS[mailing.attempts - 1]
            mailing.status = Mailing.Status.RETRYING
            mailing.next_attempt_at = now + timedelta(seconds=delay)
            mailing.save()
            return delay
        mailing.status, mailing.next_attempt_at, mailing.finished_at = (
            Mailing.Status.FAILED,
            None,
            now,
        )
        mailing.save()
        return None
    mailing.status, mailing.sent_count = Mailing.Status.SENT, sent
    mailing.next_attempt_at, mailing.finished_at = None, now
    mailing.save()
    return None
