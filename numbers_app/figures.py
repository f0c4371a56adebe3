"""The numbers pages' lead-level figures: every figure is an SQL aggregate over the leads'
figures (`LeadFigures`: one narrow row per lead, kept by the feedback services), so no page
joins leads, checks, feedback and outcomes again.

Decisions the figures rest on, in one place:

- A lead is *handed over* when it is in the definition and its hand-over time falls in the
  period. Acceptance rate = leads sales accepted / leads handed over, so a lead still
  waiting for feedback counts in the denominator (the pages show how many wait). A lead's
  feedback is the one given in the cycle it was handed over in.
- A rejection is feedback with the decision "rejected"; recycled leads went to nurture and
  are not rejections. Reasons are ranked over rejections; the reasons given on recycled
  leads are counted beside them, in their own column.
- A rejected lead was *rejected, then bought* when its outcome "bought" falls on the day of
  the rejection or within the 24 calendar months after it (15 March 2023 to 15 March 2025;
  29 February to 28 February two years on). The rejection is dated by the day the feedback
  rejecting the lead was given, as the headline says.
- A lead was *later bought* (the criteria table's "accepted or later bought") when its
  outcome "bought" falls on the day of the hand-over or within the 24 calendar months after
  it: a purchase before the hand-over was not brought by it.
- Every ratio is computed in SQL with a NULL denominator when it would be zero, so an empty
  period gives None, which the pages show as "no data", never 0 % or an error.
"""

import math
from decimal import Decimal

from django.db import connection
from django.db.models import Avg, Count, Q
from django.utils import timezone

from accounts.models import User
from definitions.models import Definition, StageLevel, Version
from feedback.models import BOUGHT_WITHIN_MONTHS, LeadFigures, LeadSource, ReviewCycle
from numbers_app.filters import (
    ACCEPTED,
    ACCEPTED_LOW,
    HIGH_REJECTED,
    REJECTED,
    Filters,
    leads,
    ratio,
)

WINDOW_MONTHS = BOUGHT_WITHIN_MONTHS  # "within two years", as SiriusDecisions measured it
LEVEL_LABELS = dict(StageLevel.choices)
FUNNEL_STEPS = [
    (0, "Handed over"),
    (1, "Marketing qualified lead"),
    (2, "Sales accepted lead"),
    (3, "Opportunity"),
    (4, "Customer"),
]
SOURCE_LABELS = dict(LeadSource.choices)


def lead_counts(disagreements: bool = True) -> dict:
    """The counts and rates of a set of leads; `disagreements` adds the two counts about the
    check's level (only the totals show them)."""
    counts = {
        "handed": Count("pk"),
        "reviewed": Count("pk", filter=~Q(decision="")),
        "accepted": Count("pk", filter=ACCEPTED),
        "rejected": Count("pk", filter=REJECTED),
        "recycled": Count("pk", filter=Q(decision="recycled")),
        "bought": Count("pk", filter=Q(outcome_result="bought")),
        "rejected_bought": Count("pk", filter=Q(rejected_then_bought=True)),
    }
    if disagreements:
        counts["high_rejected"] = Count("pk", filter=HIGH_REJECTED)
        counts["accepted_low"] = Count("pk", filter=ACCEPTED_LOW)
    counts["acceptance"] = ratio(counts["accepted"], counts["handed"])
    counts["rejected_bought_share"] = ratio(counts["rejected_bought"], counts["rejected"])
    counts["bought_share"] = ratio(counts["bought"], counts["handed"])
    return counts


def totals(definition: Definition, filters: Filters, with_funnel: bool = False) -> dict:
    """Every lead-level count and rate over the whole filtered set, in one query; with the
    funnel's counts too when asked (the page asks, to scan the leads once for both)."""
    extra = funnel_aggregates() if with_funnel else {}
    return leads(definition, filters).aggregate(**lead_counts(), **extra)


# --- acceptance by cycle, version, stage, source, rep --------------------------------------

DIMENSIONS = {
    "cycle": (("cycle_id", "cycle__starts_at", "cycle__ends_at"), ("cycle__starts_at",)),
    "version": (("version_id", "version__number"), ("version__number",)),
    "stage": (("stage_handed_over",), ("stage_handed_over",)),
    "source": (("source",), ("source",)),
    "rep": (("rep_id", "rep__full_name"), ("rep__full_name", "rep_id")),
}
DIMENSION_LABELS = {
    "cycle": "Cycle",
    "version": "Version",
    "stage": "Stage handed over",
    "source": "Source",
    "rep": "Rep",
}


def _label(dimension: str, row: dict) -> str:
    if dimension == "cycle":
        start = timezone.localtime(row["cycle__starts_at"])
        end = timezone.localtime(row["cycle__ends_at"])
        return f"{start:%d %b} – {end:%d %b %Y}"
    if dimension == "version":
        return f"Version {row['version__number']}"
    if dimension == "stage":
        return LEVEL_LABELS.get(row["stage_handed_over"], row["stage_handed_over"])
    if dimension == "source":
        return SOURCE_LABELS.get(row["source"], row["source"])
    return row["rep__full_name"] or f"Rep {row['rep_id']}"


def acceptance_by(definition: Definition, filters: Filters, dimension: str) -> list[dict]:
    """One row per cycle, version, stage handed over, source or rep, with every count and
    rate of `totals`. A cycle row also says how the rate moved from the cycle before."""
    group, order = DIMENSIONS[dimension]
    rows = list(
        leads(definition, filters)
        .values(*group)
        .annotate(**lead_counts(disagreements=False))
        .order_by(*order)
    )
    return _dimension_rows(dimension, rows)


def _dimension_rows(dimension: str, rows: list[dict]) -> list[dict]:
    group, _ = DIMENSIONS[dimension]
    previous = None
    for row in rows:
        row["label"] = _label(dimension, row)
        row["key"] = row[group[0]]
        row["change"] = (
            None
            if previous is None or previous["acceptance"] is None or row["acceptance"] is None
            else row["acceptance"] - previous["acceptance"]
        )
        previous = row
    return rows


GROUP_COLUMNS = {
    "cycle": "cycle_id",
    "version": "version_id",
    "stage": "stage_handed_over",
    "source": "source",
    "rep": "rep_id",
}


def totals_and_dimensions(definition: Definition, filters: Filters) -> tuple[dict, dict]:
    """`totals(with_funnel=True)` and `acceptance_by` every dimension.

    On PostgreSQL in one scan of the figures (GROUP BY GROUPING SETS, which the ORM cannot
    say, so the ORM's own SQL is given grouping sets); elsewhere one query each.
    """

    def one_query_each():
        return totals(definition, filters, with_funnel=True), {
            dim: acceptance_by(definition, filters, dim) for dim in DIMENSIONS
        }

    if connection.vendor != "postgresql":
        return one_query_each()
    columns = list(GROUP_COLUMNS.values())
    queryset = (
        leads(definition, filters)
        .values(*columns)
        .annotate(**lead_counts(), **funnel_aggregates())
        .order_by()
    )
    sql, params = queryset.query.sql_with_params()
    table = connection.ops.quote_name(LeadFigures._meta.db_table)
    qualified = [f"{table}.{connection.ops.quote_name(c)}" for c in columns]
    head, grouped, tail = sql.rpartition(" GROUP BY ")
    positions = ", ".join(str(n) for n in range(1, len(columns) + 1))
    if not grouped or tail not in (positions, ", ".join(qualified)):  # pragma: no cover
        return one_query_each()  # the ORM wrote SQL this does not know: slower, still right
    sets = ", ".join(f"({column})" for column in qualified)
    with connection.cursor() as cursor:
        cursor.execute(f"{head} GROUP BY GROUPING SETS ({sets}, ())", params)
        names = [col.name for col in cursor.description]
        rows = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    # Every grouping column is NOT NULL (LeadFigures), so the one column set says which set a
    # row is in.
    by_set: dict[str, list[dict]] = {dim: [] for dim in DIMENSIONS}
    total = None
    for row in rows:
        given = [dim for dim, column in GROUP_COLUMNS.items() if row[column] is not None]
        if given:
            by_set[given[0]].append(row)
        else:
            total = row
    cycles = {
        c.pk: c for c in ReviewCycle.objects.filter(pk__in=[r["cycle_id"] for r in by_set["cycle"]])
    }
    version_numbers = dict(
        Version.objects.filter(pk__in=[r["version_id"] for r in by_set["version"]]).values_list(
            "pk", "number"
        )
    )
    rep_names = dict(
        User.objects.filter(pk__in=[r["rep_id"] for r in by_set["rep"]]).values_list(
            "pk", "full_name"
        )
    )
    for row in by_set["cycle"]:
        cycle = cycles[row["cycle_id"]]
        row["cycle__starts_at"], row["cycle__ends_at"] = cycle.starts_at, cycle.ends_at
    for row in by_set["version"]:
        row["version__number"] = version_numbers[row["version_id"]]
    for row in by_set["rep"]:
        row["rep__full_name"] = rep_names[row["rep_id"]]
    orders = {
        "cycle": lambda r: r["cycle__starts_at"],
        "version": lambda r: r["version__number"],
        "stage": lambda r: r["stage_handed_over"],
        "source": lambda r: r["source"],
        "rep": lambda r: (r["rep__full_name"], r["rep_id"]),
    }
    group_of = {dim: group for dim, (group, _) in DIMENSIONS.items()}
    by = {}
    for dim, dim_rows in by_set.items():
        keep = set(group_of[dim]) | set(lead_counts(disagreements=False))
        shaped = [{k: v for k, v in r.items() if k in keep} for r in dim_rows]
        by[dim] = _dimension_rows(dim, sorted(shaped, key=orders[dim]))
    if total is None:  # no lead at all: PostgreSQL gives no row for an empty grouping set
        total = totals(definition, filters, with_funnel=True)
    else:
        total = {k: v for k, v in total.items() if k not in GROUP_COLUMNS.values()}
    return total, by


# --- the funnel and the leads needed -------------------------------------------------------


def funnel_aggregates() -> dict:
    counts = {f"step{k}": Count("pk", filter=Q(rank__gte=k)) for k, _ in FUNNEL_STEPS}
    conversions = {
        f"conversion{k}": ratio(counts[f"step{k + 1}"], counts[f"step{k}"])
        for k, _ in FUNNEL_STEPS[:-1]
    }
    return {
        **counts,
        **conversions,
        "average_deal": Avg("amount", filter=Q(outcome_result="bought")),
    }


def funnel(definition: Definition, filters: Filters, row: dict | None = None) -> dict:
    """How many leads reached each step, the measured conversion from each step to the next,
    and the average amount of a bought deal. `row` is `totals(..., with_funnel=True)` when
    the caller has it already."""
    if row is None:
        row = leads(definition, filters).aggregate(**funnel_aggregates())
    steps = [
        {
            "rank": k,
            "label": label,
            "count": row[f"step{k}"],
            "conversion": row.get(f"conversion{k}"),
        }
        for k, label in FUNNEL_STEPS
    ]
    average = row["average_deal"]
    return {
        "steps": steps,
        "average_deal": Decimal(str(average)).quantize(Decimal("0.01"))
        if average is not None
        else None,
    }


def leads_needed(steps: list[dict], revenue_target, average_deal) -> dict:
    """From a revenue target and an average deal size, the deals needed and, with the measured
    conversion, the leads each step needs: how many leads sales needs to meet its revenue goal."""
    if not revenue_target or not average_deal or average_deal <= 0:
        return {"deals": None, "steps": [{**s, "needed": None} for s in steps]}
    deals = math.ceil(Decimal(revenue_target) / Decimal(average_deal))
    customers = steps[-1]["count"]
    needed = []
    for step in steps:
        # Leads needed at a step = deals × (leads at the step / customers): the measured
        # conversion from that step all the way to a purchase.
        count = None if not customers else math.ceil(deals * step["count"] / customers)
        needed.append({**step, "needed": count})
    return {"deals": deals, "steps": needed}
