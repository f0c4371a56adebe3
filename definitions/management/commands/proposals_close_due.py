"""Close the proposals whose voting window has ended (for a scheduler, e.g. every minute)."""

from django.core.management.base import BaseCommand

from definitions import services, tasks


class Command(BaseCommand):
    help = (
        "Close every proposal whose voting window has ended, so its tally is frozen and what "
        "passed is in the draft, even when nobody opens its page (no e-mail is sent). Safe to "
        "run often. Each vote's end is also queued as a task when it opens; this is the "
        "safety net."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Queue the closing as a background task for the workers instead of closing now.",
        )

    def handle(self, *args, **options):
        if options["enqueue"]:
            result = tasks.proposals_close_due.enqueue()
            if options["verbosity"] > 1:
                self.stdout.write(f"Queued task {result.id}.")
            return
        closed = services.proposals_close_due()
        if closed or options["verbosity"] > 1:
            self.stdout.write(f"Closed {closed} proposals.")
