"""The numbers page's tables as CSV: one small function per table, chosen by its name."""

from django.utils import timezone

from feedback.rounding import percent_points
from numbers_app.backtest import backtest
from numbers_app.criteria import criteria_prediction
from numbers_app.figures import DIMENSION_LABELS, DIMENSIONS, acceptance_by, funnel, leads_needed
from numbers_app.figures import totals as totals_of
from numbers_app.lead_lists import disagreements, rejected_then_bought
from numbers_app.reasons import reasons_of, rejection_reasons

RATE_HEADER = [
    "Handed over",
    "Reviewed",
    "Accepted",
    "Rejected",
    "Recycled",
    "Acceptance rate",
    "Bought",
    "Rejected, then bought within 24 months",
    "Share of rejected that bought",
]


def csv_pct(value) -> str:
    """One decimal place, rounded half up like the page's whole percentages ("" for no data)."""
    points = percent_points(value, 1)
    return "" if points is None else str(points)


def _dimension(table: str):
    def export(definition, filters, plan, viewer):
        rows = [
            [
                r["label"],
                r["handed"],
                r["reviewed"],
                r["accepted"],
                r["rejected"],
                r["recycled"],
                csv_pct(r["acceptance"]),
                r["bought"],
                r["rejected_bought"],
                csv_pct(r["rejected_bought_share"]),
            ]
            for r in acceptance_by(definition, filters, table)
        ]
        return [DIMENSION_LABELS[table], *RATE_HEADER], rows

    return export


def reasons_table(definition, filters, plan, viewer):
    rejected = totals_of(definition, filters)["rejected"]
    header = [
        "Reason",
        "Kind",
        "Criterion",
        "Rejections",
        "Share of rejections (%)",
        "Recycled leads giving it",
        "Private filter",
    ]
    rows = [
        [
            r["label"],
            "unwritten" if r["unwritten"] else "criterion",
            r["criterion_key"],
            r["count"],
            csv_pct(r["share"]),
            r["recycled"],
            "yes" if r["private_filter"] else "",
        ]
        for r in rejection_reasons(definition, filters, rejected)
    ]
    return header, rows


def criteria_table(definition, filters, plan, viewer):
    header = [
        "Criterion",
        "Key",
        "Met",
        "Met and accepted (%)",
        "Missed",
        "Missed, accepted or bought (%)",
        "Unknown",
        "Predicts badly",
    ]
    rows = [
        [
            r["statement"],
            r["key"],
            r["met"],
            csv_pct(r["met_accepted_share"]),
            r["missed"],
            csv_pct(r["missed_accepted_or_bought_share"]),
            r["unknown"],
            "yes" if r["predicts_badly"] else "",
        ]
        for r in criteria_prediction(definition, filters)
    ]
    return header, rows


def disagreements_table(definition, filters, plan, viewer):
    found = disagreements(definition, filters, viewer=viewer)
    header = ["Disagreement", "CRM reference", "Company", "Rep", "Check reached", "Handed over"]
    rows = [
        [
            kind,
            lead.crm_reference,
            lead.company,
            str(lead.rep),
            getattr(getattr(lead, "qualification", None), "level_reached", "") or "no stage",
            timezone.localdate(lead.handed_over_at).isoformat(),
        ]
        for kind, key in (
            ("Check at Opportunity, sales rejected", "high_rejected"),
            ("Sales accepted, check below Lead", "accepted_low"),
        )
        for lead in found[key]
    ]
    return header, rows


def bought_table(definition, filters, plan, viewer):
    leads = rejected_then_bought(definition, filters, viewer)
    reasons = reasons_of([lead.feedback_id for lead in leads])
    header = ["CRM reference", "Company", "Rep", "Handed over", "Reasons", "Bought on", "Amount"]
    rows = [
        [
            lead.crm_reference,
            lead.company,
            str(lead.rep),
            timezone.localdate(lead.handed_over_at).isoformat(),
            "; ".join(reasons.get(lead.feedback_id, [])),
            lead.outcome.occurred_on.isoformat(),
            lead.outcome.amount if lead.outcome.amount is not None else "",
        ]
        for lead in leads
    ]
    return header, rows


def funnel_table(definition, filters, plan, viewer):
    found = funnel(definition, filters)
    average = plan.get("average_deal") or found["average_deal"]
    needed = leads_needed(found["steps"], plan.get("revenue_target"), average)
    header = ["Step", "Leads", "Conversion to the next step (%)", "Needed for the target"]
    rows = [
        [
            s["label"],
            s["count"],
            csv_pct(s["conversion"]),
            "" if s["needed"] is None else s["needed"],
        ]
        for s in needed["steps"]
    ]
    return header, rows


def backtest_table(definition, filters, plan, viewer):
    header = [
        "Level",
        "Stage in the draft",
        "Reach it under their version",
        "Reach it under the draft",
    ]
    rows = [[r["level"], r["name"], r["now"], r["draft"]] for r in backtest(definition).rows]
    return header, rows


EXPORTS = {
    **{dimension: _dimension(dimension) for dimension in DIMENSIONS},
    "reasons": reasons_table,
    "criteria": criteria_table,
    "disagreements": disagreements_table,
    "bought": bought_table,
    "funnel": funnel_table,
    "backtest": backtest_table,
}


def export_table(definition, filters, table: str, *, plan: dict, viewer) -> tuple[list, list]:
    """The header and rows of `table` (a key of EXPORTS), filtered as the page is."""
    return EXPORTS[table](definition, filters, plan, viewer)
