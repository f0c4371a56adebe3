"""Which leads the numbers cover (the filter object), the base queryset over their figures,
and the ratios every figure is built from."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import FloatField, Q, Value
from django.db.models.functions import Cast, NullIf
from django.utils import timezone

from definitions.models import Definition
from feedback.models import HIGH_LEVELS, LeadFigures
from feedback.models.summaries import LOW_LEVELS  # "the check placed it below Lead"


@dataclass(frozen=True)
class Filters:
    """Which leads the figures cover: handed over in [date_from, date_to] (whole days, local
    time), under a version, from a source, handed to a rep. Empty means any."""

    date_from: date | None = None
    date_to: date | None = None
    version_id: int | None = None
    source: str = ""
    rep_id: int | None = None

    def q(self, prefix: str = "") -> Q:
        """The filter as a Q over leads, reached through `prefix` (e.g. "lead__")."""
        q = Q()
        tz = timezone.get_current_timezone()
        if self.date_from:
            start = datetime.combine(self.date_from, time.min, tzinfo=tz)
            q &= Q(**{f"{prefix}handed_over_at__gte": start})
        if self.date_to:
            end = datetime.combine(self.date_to + timedelta(days=1), time.min, tzinfo=tz)
            q &= Q(**{f"{prefix}handed_over_at__lt": end})
        if self.version_id:
            q &= Q(**{f"{prefix}version_id": self.version_id})
        if self.source:
            q &= Q(**{f"{prefix}source": self.source})
        if self.rep_id:
            q &= Q(**{f"{prefix}rep_id": self.rep_id})
        return q

    def query(self) -> dict:
        """The filter as GET parameters (for links back to a finding and CSV exports)."""
        params = {
            "date_from": self.date_from.isoformat() if self.date_from else "",
            "date_to": self.date_to.isoformat() if self.date_to else "",
            "version": self.version_id or "",
            "source": self.source,
            "rep": self.rep_id or "",
        }
        return {k: v for k, v in params.items() if v}


def summarised(filters: Filters) -> bool:
    """Whether the per-cycle summaries can answer for these leads: they keep the version, the
    source and the rep of their leads, not the day each was handed over, so a filter on
    dates is answered from the leads' own figures."""
    return filters.date_from is None and filters.date_to is None


def ratio(numerator, denominator):
    """numerator / denominator in SQL, NULL when the denominator is zero."""
    return Cast(numerator, FloatField()) / NullIf(Cast(denominator, FloatField()), Value(0.0))


def share(numerator, denominator) -> float | None:
    """For shaping two aggregates from different queries: None when there is nothing to divide."""
    if not denominator or numerator is None:
        return None
    return numerator / denominator


def leads(definition: Definition, filters: Filters):
    """The figures of the leads the numbers cover: one narrow row per lead (`LeadFigures`),
    kept by the services, so every figure is one aggregate over one table."""
    return LeadFigures.objects.filter(definition=definition).filter(filters.q())


ACCEPTED = Q(decision="accepted")
REJECTED = Q(decision="rejected")
HIGH_REJECTED_WHERE = {"level_reached__in": HIGH_LEVELS, "decision": "rejected"}
ACCEPTED_LOW_WHERE = {"decision": "accepted", "level_reached__in": LOW_LEVELS}
HIGH_REJECTED = Q(**HIGH_REJECTED_WHERE)
ACCEPTED_LOW = Q(**ACCEPTED_LOW_WHERE)
