"""Background work of the definitions: the publication announcement and closing due votes."""

from django.tasks import task

from accounts.mailing import mailing_attempt
from config.background import enqueue_later


@task()
def version_announce(mailing_id: int, version_id: int) -> None:
    """E-mail the publication of a version; retried with a backoff while the server fails."""
    from definitions import publication

    delay = mailing_attempt(
        mailing_id=mailing_id, send=lambda: publication.version_announce(version_id)
    )
    if delay is not None:
        enqueue_later(version_announce, delay, mailing_id, version_id)


@task()
def proposals_close_due() -> int:
    """Close every vote whose window has ended (enqueued for each window's end, and by the
    `proposals_close_due` command from a scheduler)."""
    from definitions import services

    return services.proposals_close_due()
