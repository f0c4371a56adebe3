"""Background work of the meetings: reminder e-mails."""

from django.tasks import task

from accounts.mailing import mailing_attempt
from config.background import enqueue_later


@task()
def reminders_send(mailing_id: int, meeting_id: int, by_id: int, meeting_url: str) -> None:
    """Remind whoever has still not answered when the task runs; retried while mail fails."""
    from meetings import services

    args = (mailing_id, meeting_id, by_id, meeting_url)
    delay = mailing_attempt(
        mailing_id=mailing_id,
        send=lambda: services.reminders_deliver(
            meeting_id=meeting_id, by_id=by_id, meeting_url=meeting_url
        ),
    )
    if delay is not None:
        enqueue_later(reminders_send, delay, *args)
