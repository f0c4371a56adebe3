"""Print the demo sign-ins per role."""

from django.core.management.base import BaseCommand

from accounts.demo import DEMO_PASSWORD, demo_logins


class Command(BaseCommand):
    help = "Print the demo sign-ins for each role."

    def handle(self, *args, **options):
        rows = demo_logins()
        width = max(len(role) for role, _, _ in rows)
        self.stdout.write(f"\nDemo sign-ins (password for all: {DEMO_PASSWORD})\n")
        for role, person, email in rows:
            self.stdout.write(f"  {role.ljust(width)}  {email.ljust(32)}  {person}")
        self.stdout.write("")
