"""Load the demo company (idempotent): `python manage.py seed_demo`."""

from django.core.management.base import BaseCommand
from django.test.utils import override_settings

from accounts.apps_registry import hooks
from accounts.demo import seed_people

# The demo publishes versions through the real services; nobody needs those announcements,
# so their tasks run (quietly) here rather than waiting for a worker.
QUIET_MAIL = {"default": {"BACKEND": "django.core.mail.backends.dummy.EmailBackend"}}
AT_ONCE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


class Command(BaseCommand):
    help = "Create or refresh the demo organisation. Safe to run again."

    def handle(self, *args, **options):
        with override_settings(MAILERS=QUIET_MAIL, TASKS=AT_ONCE):
            people = seed_people()
            self.stdout.write(f"People: {len(people)}.")
            for seed in hooks("demo", "seed"):
                self.stdout.write(seed(people))
        self.stdout.write(self.style.SUCCESS("Demo organisation ready."))
