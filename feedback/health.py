"""Feedback's contribution to a definition's health: unwritten rejection reasons piling up."""

from datetime import timedelta

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from definitions.health import Warning
from feedback.models import LeadFeedback, RejectionReason

WINDOW = timedelta(days=90)
MIN_REJECTIONS = 5
SHARE = 25  # percent of recent rejections citing an unwritten reason


def definition_warnings(definition) -> list[Warning]:
    """Warn when more than a quarter of the last 90 days' rejections cite unwritten reasons."""
    unwritten = LeadFeedback.reasons.through.objects.filter(
        leadfeedback_id=OuterRef("pk"), rejectionreason__kind=RejectionReason.Kind.UNWRITTEN
    )
    counts = LeadFeedback.objects.filter(
        lead__definition=definition,
        decision__in=[LeadFeedback.Decision.REJECTED, LeadFeedback.Decision.RECYCLED],
        created_at__gte=timezone.now() - WINDOW,
    ).aggregate(
        rejections=Count("pk"),
        unwritten=Count("pk", filter=Q(Exists(unwritten))),
    )
    rejections, private = counts["rejections"], counts["unwritten"]
    if rejections < MIN_REJECTIONS or private * 100 < SHARE * rejections:
        return []
    return [
        Warning(
            "unwritten-reasons",
            f"Unwritten reasons are behind {private} of the last {rejections} rejections "
            f"({round(100 * private / rejections)}%, last 90 days).",
            "80% of the leads sales rejected went on to buy within two years: private filters "
            "that nobody wrote down throw revenue away. Write them down, or drop them.",
            "seed 003",
        )
    ]
