"""The rejection reasons every company starts with: the written criteria of the starting
ladder, and the private filters reps use without writing them down (a title below VP, a
competitor already in, earlier efforts that came up dry, an industry outside the focus)."""

# (label, criterion key or "" when unwritten). Criterion keys are the stable keys of the
# starting ladder's criteria (definitions/ladder.py), which survive across versions.
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


def reasons_default_ensure(reason_model) -> int:
    """Create the default reasons that are missing (idempotent); returns how many it made.

    Takes the model so the data migration can pass its historical one.
    """
    made = 0
    for position, (label, criterion_key) in enumerate(DEFAULT_REASONS, start=1):
        _, created = reason_model.objects.get_or_create(
            label=label,
            defaults={
                "kind": "criterion" if criterion_key else "unwritten",
                "criterion_key": criterion_key,
                "position": position,
            },
        )
        made += created
    return made
