"""Review cycles: their cadence, opening one, when feedback opens."""

import bisect
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.decorators import permission_require
from accounts.models import User
from definitions.models import Definition, Version
from definitions.selectors import version_in_force
from feedback.models import (
    ReviewCadence,
    ReviewCycle,
)
from feedback.selectors import cycle_days_for, review_meetings


@transaction.atomic
def cadence_set(*, definition: Definition, cycle_days: int, by: User) -> ReviewCadence:
    """Set how many days a definition's review cycles last."""
    permission_require(by, "feedback.facilitate", action="set the review cadence")
    cadence = ReviewCadence.objects.filter(definition=definition).first() or ReviewCadence(
        definition=definition
    )
    cadence.cycle_days = cycle_days
    cadence.full_clean()
    cadence._change_reason = f"Cycles last {cycle_days} days"
    cadence.save()
    return cadence


@transaction.atomic
def cycle_open(
    *,
    definition: Definition,
    by: User,
    starts_at: datetime | None = None,
    days: int | None = None,
    meeting_id: int | None = None,
) -> ReviewCycle:
    """Open a review cycle tied to the version in force when it starts."""
    permission_require(by, "feedback.facilitate", action="open a review cycle")
    # Lock the definition so two facilitators cannot open overlapping cycles at once.
    definition = Definition.objects.select_for_update().get(pk=definition.pk)
    starts_at = starts_at or timezone.now()
    ends_at = starts_at + timedelta(days=days or cycle_days_for(definition))
    if (
        meeting_id is not None
        and not review_meetings(by, definition).filter(pk=meeting_id).exists()
    ):
        raise ValidationError({"meeting": "Choose a review meeting of this definition."})
    version = version_in_force(definition, starts_at)
    if version is None:
        raise ValidationError(
            {"starts_at": f"No version of “{definition}” was in force then; publish one first."}
        )
    overlapping = ReviewCycle.objects.for_definition(definition).filter(
        starts_at__lt=ends_at, ends_at__gt=starts_at
    )
    if overlapping.exists():
        raise ValidationError(
            {
                "starts_at": f"This would overlap the cycle {overlapping.first()}; "
                "cycles do not overlap."
            }
        )
    cycle = ReviewCycle(
        definition=definition,
        version=version,
        starts_at=starts_at,
        ends_at=ends_at,
        opened_by=by,
        meeting_id=meeting_id,
    )
    cycle.full_clean()
    cycle._change_reason = "Opened"
    cycle.save()
    return cycle


class VersionClock:
    """The version in force at any moment, for many moments, from one query."""

    def __init__(self, definition: Definition, fallback: Version):
        versions = list(Version.objects.for_definition(definition).order_by("published_at"))
        self._times = [v.published_at for v in versions]
        self._versions = versions
        self._fallback = fallback

    def at(self, moment: datetime) -> Version:
        # A lead handed over before any version existed is judged by its cycle's version.
        index = bisect.bisect_right(self._times, moment) - 1
        return self._versions[index] if index >= 0 else self._fallback


def cycle_require_started(cycle: ReviewCycle, now: datetime) -> None:
    """Feedback on a cycle's leads opens when the cycle starts."""
    if cycle.is_upcoming(now):
        start = timezone.localtime(cycle.starts_at)
        raise ValidationError(
            f"This review cycle has not started yet: feedback opens on {start:%a %-d %b, %H:%M}."
        )
