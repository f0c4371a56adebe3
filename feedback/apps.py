from django.apps import AppConfig
from django.db.models.signals import post_migrate


def reasons_after_flush(sender, *, using, apps=None, **kwargs) -> None:
    """An empty catalogue gets the default rejection reasons again.

    Migration 0002 writes them once; `flush` (a transactional test's teardown, a browser
    test's) empties the table and sends post_migrate without `apps`. Only an empty catalogue
    is filled, so a reason a facilitator renamed or retired is never brought back."""
    if apps is not None:
        return  # a migrate: migration 0002 has written them
    from feedback.catalogue import reasons_default_ensure
    from feedback.models import RejectionReason

    if not RejectionReason.objects.using(using).exists():
        reasons_default_ensure(RejectionReason)


class FeedbackConfig(AppConfig):
    name = "feedback"
    verbose_name = "Feedback and reviews"

    def ready(self) -> None:
        post_migrate.connect(reasons_after_flush, sender=self)
