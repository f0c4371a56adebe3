"""Rejection reasons ranked, the private filters among them, and the reasons of a few
rejections."""

from django.db.models import Count, Q, Sum

from definitions.models import Definition
from feedback.models import (
    FiguresSummary,
    LeadFeedback,
    ReasonSummary,
    RejectionFigures,
    RejectionReason,
)
from numbers_app.filters import Filters, share, summarised

PRIVATE_FILTER_SHARE = 0.15  # an unwritten reason behind more than this share of rejections
PRIVATE_FILTER_MIN = 3  # ... and behind at least this many, so one rejection of two is no trend

ReasonLink = LeadFeedback.reasons.through


def _reason_rows(definition: Definition, filters: Filters):
    """Per reason id: how many rejections gave it, how many of those the check had placed at
    Opportunity (for the disagreements), and how many recycled leads gave it, in one query
    over the reasons of rejections and recycles."""
    if summarised(filters):
        rows = (
            ReasonSummary.objects.filter(definition=definition)
            .filter(filters.q())
            .values("reason_id")
            .annotate(count=Sum("rejections"), high_n=Sum("high"), recycled=Sum("recycles"))
            .order_by()
        )
        return [
            {
                "reason_id": r["reason_id"],
                "count": r["count"],
                "high": r["high_n"],
                "recycled": r["recycled"],
            }
            for r in rows
        ]
    return (
        RejectionFigures.objects.filter(definition=definition)
        .filter(filters.q())
        .values("reason_id")
        .annotate(
            count=Count("pk", filter=Q(recycled=False)),
            high=Count("pk", filter=Q(high=True, recycled=False)),
            recycled=Count("pk", filter=Q(recycled=True)),
        )
        .order_by()
    )


def rejection_reasons(definition: Definition, filters: Filters, rejected: int) -> list[dict]:
    """Reasons ranked by how many rejections gave them; unwritten ones behind more than
    PRIVATE_FILTER_SHARE of rejections are flagged as private filters: reasons sales
    rejects leads for that nobody wrote down (the rep's own rules in the article quoting
    SiriusDecisions)."""
    counted = list(_reason_rows(definition, filters))
    catalogue = RejectionReason.objects.in_bulk([row["reason_id"] for row in counted])
    rows = []
    for row in counted:
        reason = catalogue.get(row["reason_id"])
        if reason is None:  # gone since: its rows went with it
            continue
        unwritten = reason.is_unwritten
        reason_share = share(row["count"], rejected)
        rows.append(
            {
                "id": reason.pk,
                "label": reason.label,
                "unwritten": unwritten,
                "criterion_key": reason.criterion_key,
                "count": row["count"],
                "high": row["high"],
                "recycled": row["recycled"],
                "share": reason_share,
                "private_filter": unwritten
                and row["count"] >= PRIVATE_FILTER_MIN
                and reason_share is not None
                and reason_share > PRIVATE_FILTER_SHARE,
            }
        )
    return sorted(rows, key=lambda row: (-row["count"], row["label"]))


def private_filters(definition: Definition) -> list[dict]:
    """The unwritten reasons flagged as private filters over all of a definition's leads."""
    everything = Filters()
    rejected = FiguresSummary.objects.filter(definition=definition).aggregate(
        rejected=Sum("rejected", default=0)
    )["rejected"]
    return [r for r in rejection_reasons(definition, everything, rejected) if r["private_filter"]]


def reasons_of(feedback_ids) -> dict[int, list[str]]:
    """{feedback id: [reason labels]} for a short list of feedback, in one query."""
    labels: dict[int, list[str]] = {}
    rows = (
        ReasonLink.objects.filter(leadfeedback_id__in=[i for i in feedback_ids if i])
        .values_list("leadfeedback_id", "rejectionreason__label")
        .order_by("leadfeedback_id", "rejectionreason__label")
    )
    for feedback_id, label in rows:
        labels.setdefault(feedback_id, []).append(label)
    return labels
