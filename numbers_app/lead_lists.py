"""The lists of leads on the numbers page: the check and sales disagreeing, and rejected
leads that bought."""

from django.db.models import F

from definitions.models import Definition
from feedback.models import Lead
from numbers_app.criteria import criteria_counts
from numbers_app.filters import ACCEPTED_LOW_WHERE, HIGH_REJECTED_WHERE, Filters
from numbers_app.reasons import rejection_reasons

LIST_LIMIT = 50


def lead_list(definition: Definition, filters: Filters, where: dict, order, viewer=None) -> list:
    """Up to LIST_LIMIT leads whose figures match `where`, with their feedback's id; only
    those `viewer` may read when a viewer is given."""
    readable = Lead.objects.all() if viewer is None else Lead.objects.visible_to(viewer)
    return list(
        readable.filter(figures__definition=definition)
        .filter(filters.q("figures__"))
        .filter(**{f"figures__{k}": v for k, v in where.items()})
        .select_related("rep", "outcome", "qualification__stage_reached")
        .annotate(
            feedback_id=F("figures__feedback_id"), rejected_at=F("figures__feedback__created_at")
        )
        .order_by(*order)[:LIST_LIMIT]
    )


def disagreements(
    definition: Definition, filters: Filters, reasons=None, counts=None, viewer=None
) -> dict:
    """Leads the check placed at Opportunity that sales rejected, and leads sales accepted
    that the check placed below Lead, with the pattern behind each. `reasons` and
    `counts` (`criteria_counts`) are the page's, when it has them (they carry the patterns)."""
    if reasons is None:
        reasons = rejection_reasons(definition, filters, 0)
    if counts is None:
        counts = criteria_counts(definition, filters)
    high = sorted((r for r in reasons if r["high"]), key=lambda r: (-r["high"], r["label"]))
    low = sorted(
        (r for r in counts.values() if r["missed_low"]),
        key=lambda r: (-r["missed_low"], r["key"]),
    )
    return {
        "high_rejected": lead_list(
            definition, filters, HIGH_REJECTED_WHERE, ["-figures__handed_over_at", "pk"], viewer
        ),
        "accepted_low": lead_list(
            definition, filters, ACCEPTED_LOW_WHERE, ["-figures__handed_over_at", "pk"], viewer
        ),
        "high_rejected_reason": (
            high
            and {
                "id": high[0]["id"],
                "label": high[0]["label"],
                "unwritten": high[0]["unwritten"],
                "criterion_key": high[0]["criterion_key"],
                "count": high[0]["high"],
            }
        )
        or None,
        "accepted_low_missed": (
            low
            and {
                "key": low[0]["key"],
                "statement": low[0]["statement"],
                "count": low[0]["missed_low"],
            }
        )
        or None,
    }


# --- rejected, then bought -----------------------------------------------------------------


def rejected_then_bought(definition: Definition, filters: Filters, viewer=None) -> list:
    """The rejected leads that bought within 24 months of the rejection, latest purchase first."""
    return lead_list(
        definition,
        filters,
        {"rejected_then_bought": True},
        ["-figures__outcome_on", "pk"],
        viewer,
    )
