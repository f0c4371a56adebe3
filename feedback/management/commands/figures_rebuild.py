"""Re-run the qualification check and rewrite the numbers' figures of leads that lack them."""

from django.core.management.base import BaseCommand

from feedback import selectors, services


class Command(BaseCommand):
    help = (
        "Re-run the qualification check and rewrite the figures the numbers read, for the "
        "leads that have none (after an upgrade; `make migrate` runs it) or, with --all, "
        "for every lead; and the numbers' per-cycle sums and the health warnings' rejection "
        "tallies when they are missing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Every lead, not only new ones.")

    def handle(self, *args, **options):
        checked = services.figures_rebuild(every_lead=options["all"])
        if checked or options["verbosity"] > 1:
            self.stdout.write(f"Checked {checked} leads and rewrote their figures.")
        # The numbers' per-cycle sums, built once after the upgrade that added them.
        if options["all"] or selectors.summaries_missing():
            cells = services.summaries_rebuild()
            self.stdout.write(f"Added up the figures of {cells} cycles and reps for the numbers.")
        # The health warning's tallies, counted once after the upgrade that added them.
        if options["all"] or selectors.rejection_days_missing():
            days = services.rejection_days_rebuild()
            self.stdout.write(f"Counted the rejections of {days} days for the health warnings.")
