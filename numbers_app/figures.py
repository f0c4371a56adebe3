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
- Every ratio is computed from counts that add (so from the per-cycle summaries as from the
  leads' own rows), None when its denominator is zero, so an empty period gives None,
  which the pages show as "no data", never 0 % or an error.
"""

import math
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Sum
from django.utils import timezone

from accounts.models import User
from definitions.models import Definition, StageLevel, Version
from feedback.models import (
    BOUGHT_WITHIN_MONTHS,
    FiguresSummary,
    LeadFigures,
    LeadSource,
    ReviewCycle,
)
from feedback.models.summaries import BOUGHT, LEAD_MEASURES
from numbers_app.filters import Filters, leads, summarised

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


COUNT_NAMES = [
    "handed",
    "reviewed",
    "accepted",
    "rejected",
    "recycled",
    "bought",
    "rejected_bought",
]
DISAGREEMENT_NAMES = ["high_rejected", "accepted_low"]
STEP_NAMES = [f"step{k}" for k, _ in FUNNEL_STEPS]


def lead_counts(disagreements: bool = True, with_funnel: bool = False, summed: bool = False):
    """The counts of a set of leads as aggregates: over their figures (one row per lead), or,
    `summed`, over the summaries of their cycles (named with a "_n" suffix there, the names
    being the summary's columns; `counts_named` takes it off). Every count adds, so the rates
    (`with_rates`) are computed from the sums, the same way for both."""
    names = COUNT_NAMES + (DISAGREEMENT_NAMES if disagreements else [])
    if summed:
        counts = {f"{name}_n": Sum(name, default=0) for name in names}
        if with_funnel:
            # The funnel's first count is every lead; the others, those that got that far.
            counts[f"{STEP_NAMES[0]}_n"] = Sum("handed", default=0)
            for k, step in enumerate(STEP_NAMES[1:], start=1):
                counts[f"{step}_n"] = Sum(f"reached{k}", default=0)
            counts["deals_priced_n"] = Sum("deals_priced", default=0)
            counts["deal_total_n"] = Sum("deal_total")
        return counts
    counts = {
        name: Count("pk")
        if LEAD_MEASURES[name] is None
        else Count("pk", filter=LEAD_MEASURES[name])
        for name in names
    }
    if with_funnel:
        counts[STEP_NAMES[0]] = Count("pk")
        for k, step in enumerate(STEP_NAMES[1:], start=1):
            counts[step] = Count("pk", filter=LEAD_MEASURES[f"reached{k}"])
        counts["deals_priced"] = Count("amount", filter=BOUGHT)
        counts["deal_total"] = Sum("amount", filter=BOUGHT)
    return counts


def counts_named(row: dict) -> dict:
    """A row of `lead_counts(summed=True)` under the names of the counts."""
    return {(k[:-2] if k.endswith("_n") else k): v for k, v in row.items()}


def _ratio(numerator, denominator) -> float | None:
    """numerator / denominator as a float, None when the denominator is zero."""
    return float(numerator) / float(denominator) if denominator else None


def with_rates(row: dict) -> dict:
    """The rates of a row of counts, and with the funnel's counts its conversions and the
    average amount of a bought deal."""
    row["acceptance"] = _ratio(row["accepted"], row["handed"])
    row["rejected_bought_share"] = _ratio(row["rejected_bought"], row["rejected"])
    row["bought_share"] = _ratio(row["bought"], row["handed"])
    if STEP_NAMES[0] in row:
        for k, _ in FUNNEL_STEPS[:-1]:
            row[f"conversion{k}"] = _ratio(row[f"step{k + 1}"], row[f"step{k}"])
        priced, total = row.pop("deals_priced"), row.pop("deal_total")
        row["average_deal"] = Decimal(total) / priced if priced and total is not None else None
    return row


def counted(definition: Definition, filters: Filters):
    """What the counts are summed from: the per-cycle summaries when the filter is one they
    keep (version, source, rep), the leads' own figures when it names dates."""
    if summarised(filters):
        return FiguresSummary.objects.filter(definition=definition).filter(filters.q())
    return leads(definition, filters)


def _counts(filters: Filters, **options) -> dict:
    return lead_counts(summed=summarised(filters), **options)


def totals(definition: Definition, filters: Filters, with_funnel: bool = False) -> dict:
    """Every lead-level count and rate over the whole filtered set, in one query; with the
    funnel's counts too when asked (the page asks, to read the counts once for both)."""
    row = counted(definition, filters).aggregate(**_counts(filters, with_funnel=with_funnel))
    return with_rates(counts_named(row))


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
    rows = (
        counted(definition, filters)
        .values(*group)
        .annotate(**_counts(filters, disagreements=False))
        .order_by(*order)
    )
    return _dimension_rows(dimension, [with_rates(counts_named(row)) for row in rows])


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

    # The summaries are a few rows per cycle and rep: one query each reads them fast enough.
    if connection.vendor != "postgresql" or summarised(filters):
        return one_query_each()
    columns = list(GROUP_COLUMNS.values())
    queryset = (
        leads(definition, filters)
        .values(*columns)
        .annotate(**lead_counts(with_funnel=True))
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
        keep = set(group_of[dim]) | set(COUNT_NAMES)
        shaped = [with_rates({k: v for k, v in r.items() if k in keep}) for r in dim_rows]
        by[dim] = _dimension_rows(dim, sorted(shaped, key=orders[dim]))
    if total is None:  # no lead at all: PostgreSQL gives no row for an empty grouping set
        total = totals(definition, filters, with_funnel=True)
    else:
        total = with_rates({k: v for k, v in total.items() if k not in GROUP_COLUMNS.values()})
    return total, by


# --- the funnel and the leads needed -------------------------------------------------------


def funnel(definition: Definition, filters: Filters, row: dict | None = None) -> dict:
    """How many leads reached each step, the measured conversion from each step to the next,
    and the average amount of a bought deal. `row` is `totals(..., with_funnel=True)` when
    the caller has it already."""
    if row is None:
        row = totals(definition, filters, with_funnel=True)
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
