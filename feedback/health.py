"""Feedback's contribution to a definition's health: unwritten rejection reasons piling up."""

from datetime import timedelta

from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from definitions.health import Warning
from feedback.models import RejectionDay
from feedback.rounding import percent

WINDOW = timedelta(days=90)
MIN_REJECTIONS = 5
SHARE = 25  # percent of recent rejections citing an unwritten reason


def definition_warnings(definition) -> list[Warning]:
    """Warn when more than a quarter of the last 90 days' rejections cite unwritten reasons.

    The feedback services keep a tally per definition and day, so this adds up at most 90 rows
    however much feedback there is.
    """
    first_day = timezone.localdate() - WINDOW + timedelta(days=1)
    counts = RejectionDay.objects.filter(definition=definition, day__gte=first_day).aggregate(
        rejections=Coalesce(Sum("rejections"), 0), unwritten=Coalesce(Sum("unwritten"), 0)
    )
    rejections, private = counts["rejections"], counts["unwritten"]
    if rejections < MIN_REJECTIONS or private * 100 < SHARE * rejections:
        return []
    return [
        Warning(
            "unwritten-reasons",
            f"Unwritten reasons are behind {private} of the last {rejections} rejections "
            f"({percent(private / rejections)}, last 90 days).",
            "80% of the leads sales rejected went on to buy within two years: private filters "
            "that nobody wrote down throw revenue away. Write them down, or drop them.",
            "SiriusDecisions",
        )
    ]
