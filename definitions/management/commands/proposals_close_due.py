"""Close the proposals whose voting window has ended (for a scheduler, e.g. every minute)."""

from django.core.management.base import BaseCommand

from definitions import services


class Command(BaseCommand):
    help = (
        "Close every proposal whose voting window has ended, so its tally is frozen and what "
        "passed is in the draft, even when nobody opens its page (no e-mail is sent). "
        "Safe to run often."
    )

    def handle(self, *args, **options):
        closed = services.proposals_close_due()
        if closed or options["verbosity"] > 1:
            self.stdout.write(f"Closed {closed} proposals.")
