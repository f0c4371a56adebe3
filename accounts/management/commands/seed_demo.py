"""Load the demo company (idempotent): `python manage.py seed_demo`."""

from django.core.management.base import BaseCommand

from accounts.demo import seed_people


class Command(BaseCommand):
    help = "Create or refresh the demo organisation. Safe to run again."

    def handle(self, *args, **options):
        people = seed_people()
        self.stdout.write(self.style.SUCCESS(f"Demo organisation ready: {len(people)} people."))
