"""The rejection reasons every company starts with, written once into a new database.

The rows are written here, not imported from the app, so this migration keeps working
whatever the app's code becomes; `feedback/catalogue.py` holds the same list for the demo
and the tests, and a test checks the two agree. Run once: a facilitator may rename or retire
a reason afterwards, and a later `migrate` does not bring it back.
"""

from django.db import migrations

# (label, criterion key or "" when unwritten). The keys are the stable keys of the
# starting ladder's criteria, which survive across versions.
DEFAULT_REASONS = [
    ("No verified budget", "sql-budget"),
    ("No demonstrated need", "sql-need"),
    ("Not a decision maker or influencer", "sql-authority"),
    ("Contact data wrong", "mql-direct-contact"),
    ("Outside the target profile", "mql-target-profile"),
    ("Title below VP", ""),
    ("Competitor already engaged", ""),
    ("Earlier efforts came up dry", ""),
    ("Industry not a focus", ""),
    ("Timing", ""),
]


def forwards(apps, schema_editor):
    RejectionReason = apps.get_model("feedback", "RejectionReason")
    for position, (label, criterion_key) in enumerate(DEFAULT_REASONS, start=1):
        RejectionReason.objects.get_or_create(
            label=label,
            defaults={
                "kind": "criterion" if criterion_key else "unwritten",
                "criterion_key": criterion_key,
                "position": position,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("feedback", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
