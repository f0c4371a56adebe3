"""The numbers pages' reads (issue 7): every figure is an SQL aggregate over the leads'
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
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from types import SimpleNamespace
from urllib.parse import urlencode

from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Avg,
    Case,
    CharField,
    Count,
    Exists,
    F,
    FloatField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Concat, NullIf
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from definitions.models import Definition, StageLevel, Version
from definitions.rules import LEAD_FIELDS, MISSED, UNKNOWN, rule_evaluate
from definitions.selectors import draft_build, version_latest
from feedback.checks import MET, ladder_climb, ladders_for
from feedback.models import (
    BOUGHT_WITHIN_MONTHS,
    HIGH_LEVELS,
    CriterionResult,
    Lead,
    LeadCheck,
    LeadFeedback,
    LeadFigures,
    LeadSource,
    RejectionFigures,
    RejectionReason,
    ReviewCycle,
    reads_every_lead,
)
from feedback.rounding import percent, percent_points

WINDOW_MONTHS = BOUGHT_WITHIN_MONTHS  # "within two years" (seed 003)
PRIVATE_FILTER_SHARE = 0.15  # an unwritten reason behind more than this share of rejections
PRIVATE_FILTER_MIN = 3  # ... and behind at least this many, so one rejection of two is no trend
PREDICTOR_MIN = 10  # leads needed on each side before a criterion is called a poor predictor
LIST_LIMIT = 50

LEVELS = [level for level, _ in StageLevel.choices]
LEVEL_LABELS = dict(StageLevel.choices)
LOW_LEVELS = ["", "inquiry"]  # "the check placed it below Lead"
FUNNEL_STEPS = [
    (0, "Handed over"),
    (1, "Marketing qualified lead"),
    (2, "Sales accepted lead"),
    (3, "Opportunity"),
    (4, "Customer"),
]
SOURCE_LABELS = dict(LeadSource.choices)


# --- filters -------------------------------------------------------------------------------


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


def _ratio(numerator, denominator):
    """numerator / denominator in SQL, NULL when the denominator is zero."""
    return Cast(numerator, FloatField()) / NullIf(Cast(denominator, FloatField()), Value(0.0))


def share(numerator, denominator) -> float | None:
    """For shaping two aggregates from different queries: None when there is nothing to divide."""
    if not denominator or numerator is None:
        return None
    return numerator / denominator


# --- the base querysets --------------------------------------------------------------------


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


def _lead_counts(disagreements: bool = True) -> dict:
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
    counts["acceptance"] = _ratio(counts["accepted"], counts["handed"])
    counts["rejected_bought_share"] = _ratio(counts["rejected_bought"], counts["rejected"])
    counts["bought_share"] = _ratio(counts["bought"], counts["handed"])
    return counts


def totals(definition: Definition, filters: Filters, with_funnel: bool = False) -> dict:
    """Every lead-level count and rate over the whole filtered set, in one query; with the
    funnel's counts too when asked (the page asks, to scan the leads once for both)."""
    extra = _funnel_aggregates() if with_funnel else {}
    return leads(definition, filters).aggregate(**_lead_counts(), **extra)


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
        .annotate(**_lead_counts(disagreements=False))
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
        .annotate(**_lead_counts(), **_funnel_aggregates())
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
        keep = set(group_of[dim]) | set(_lead_counts(disagreements=False))
        shaped = [{k: v for k, v in r.items() if k in keep} for r in dim_rows]
        by[dim] = _dimension_rows(dim, sorted(shaped, key=orders[dim]))
    if total is None:  # no lead at all: PostgreSQL gives no row for an empty grouping set
        total = totals(definition, filters, with_funnel=True)
    else:
        total = {k: v for k, v in total.items() if k not in GROUP_COLUMNS.values()}
    return total, by


# --- rejection reasons ---------------------------------------------------------------------

ReasonLink = LeadFeedback.reasons.through


def _reason_rows(definition: Definition, filters: Filters):
    """Per reason id: how many rejections gave it, how many of those the check had placed at
    Opportunity (for the disagreements), and how many recycled leads gave it, in one query
    over the reasons of rejections and recycles."""
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
    PRIVATE_FILTER_SHARE of rejections are flagged as private filters (seed 003)."""
    counted = list(_reason_rows(definition, filters))
    catalogue = RejectionReason.objects.in_bulk([row["reason_id"] for row in counted])
    rows = []
    for row in counted:
        reason = catalogue[row["reason_id"]]
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
    """The unwritten reasons flagged as private filters over all of a definition's leads (for
    the definition's health warning: "unwritten rejection reasons pile up", seed 003)."""
    everything = Filters()
    rejected = leads(definition, everything).aggregate(rejected=Count("pk", filter=REJECTED))[
        "rejected"
    ]
    return [r for r in rejection_reasons(definition, everything, rejected) if r["private_filter"]]


# --- per criterion -------------------------------------------------------------------------


COUNT_NAMES = ["met", "met_accepted", "missed", "missed_accepted_or_bought", "unknown"]


def _bit(column: str, index: int):
    return F(column).bitrightshift(index).bitand(1)


def _criteria_counts(definition: Definition, filters: Filters) -> dict[str, dict]:
    """Per criterion key (across versions): the counts of `COUNT_NAMES`, and how often the
    leads sales accepted that the check placed below Lead missed it (`missed_low`).

    The check keeps one bit per criterion in ladder order; one query sums the bits per
    version and kind of lead (accepted, later bought, placed below Lead), and the few rows
    are labelled with the ladders and added up by key.
    """
    versions = dict(Version.objects.for_definition(definition).values_list("pk", "number"))
    ladders = ladders_for(versions)
    size = max((sum(len(c) for _, c in ladder) for ladder in ladders.values()), default=0)
    # Grouped by version and by what the shares need to tell apart (accepted, later bought,
    # placed below Lead), so each group sums just two bits per criterion.
    sums = {}
    for i in range(size):
        sums[f"met_{i}"] = Sum(_bit("met_bits", i))
        sums[f"missed_{i}"] = Sum(_bit("missed_bits", i))
    groups = (
        leads(definition, filters)
        .annotate(
            accepted=Case(When(ACCEPTED, then=Value(True)), default=Value(False)),
            low=Case(When(level_reached__in=LOW_LEVELS, then=Value(True)), default=Value(False)),
        )
        # Later bought: within 24 months after the hand-over, never before it.
        .values("version_id", "accepted", "bought_later", "low")
        .annotate(n=Count("pk"), **sums)
        .order_by()
        if size
        else []
    )
    by_version: dict[int, dict] = {}
    for group in groups:
        row = by_version.setdefault(group["version_id"], {"n": 0})
        row["n"] += group["n"]
        for i in range(size):
            met, missed = group[f"met_{i}"] or 0, group[f"missed_{i}"] or 0
            pairs = {"met": met, "missed": missed}
            if group["accepted"]:
                pairs["met_accepted"] = met
                pairs["missed_low"] = missed if group["low"] else 0
            if group["accepted"] or group["bought_later"]:
                pairs["missed_accepted_or_bought"] = missed
            for name, value in pairs.items():
                row[f"{name}_{i}"] = row.get(f"{name}_{i}", 0) + value
    rows: dict[str, dict] = {}
    # The newest version's wording and place label a key, so it comes first.
    for version_id in sorted(ladders, key=lambda pk: -versions.get(pk, 0)):
        criteria = [
            (stage, c) for stage, stage_criteria in ladders[version_id] for c in stage_criteria
        ]
        row_counts = by_version.get(version_id)
        for i, (stage, criterion) in enumerate(criteria):
            row = rows.setdefault(
                criterion.key,
                {
                    "key": criterion.key,
                    "statement": criterion.statement,
                    "stage_key": stage.key,
                    "order": (stage.position, criterion.position, criterion.key),
                    **dict.fromkeys(COUNT_NAMES, 0),
                    "missed_low": 0,
                    "seen": False,
                },
            )
            if row_counts is None:
                continue
            row["seen"] = True
            met, missed = row_counts.get(f"met_{i}", 0), row_counts.get(f"missed_{i}", 0)
            row["met"] += met
            row["missed"] += missed
            row["unknown"] += row_counts["n"] - met - missed
            for name in ("met_accepted", "missed_accepted_or_bought", "missed_low"):
                row[name] += row_counts.get(f"{name}_{i}", 0)
    return {key: row for key, row in rows.items() if row.pop("seen")}


def criteria_prediction(definition: Definition, filters: Filters, counts=None) -> list[dict]:
    """Per criterion (by its stable key, across versions): of the leads that met it, the share
    sales accepted; of those that missed it, the share still accepted or later bought."""
    counts = _criteria_counts(definition, filters) if counts is None else counts
    ordered = sorted(
        ({k: v for k, v in row.items() if k != "missed_low"} for row in counts.values()),
        key=lambda row: row["order"],
    )
    for row in ordered:
        del row["order"]
        met = row["met_accepted_share"] = share(row["met_accepted"], row["met"])
        missed = row["missed_accepted_or_bought_share"] = share(
            row["missed_accepted_or_bought"], row["missed"]
        )
        row["lift"] = None if met is None or missed is None else met - missed
        # Meeting it should make acceptance likelier than missing it; when it does not, with
        # enough leads on each side, the criterion predicts badly.
        row["predicts_badly"] = (
            row["lift"] is not None
            and row["met"] >= PREDICTOR_MIN
            and row["missed"] >= PREDICTOR_MIN
            and row["lift"] <= 0
        )
    return ordered


# --- disagreements -------------------------------------------------------------------------


def _lead_list(definition: Definition, filters: Filters, where: dict, order, viewer=None) -> list:
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
    definition: Definition, filters: Filters, reasons=None, criteria_counts=None, viewer=None
) -> dict:
    """Leads the check placed at Opportunity that sales rejected, and leads sales accepted
    that the check placed below Lead, with the pattern behind each. `reasons` and
    `criteria_counts` are the page's, when it has them (they carry the patterns)."""
    if reasons is None:
        reasons = rejection_reasons(definition, filters, 0)
    if criteria_counts is None:
        criteria_counts = _criteria_counts(definition, filters)
    high = sorted((r for r in reasons if r["high"]), key=lambda r: (-r["high"], r["label"]))
    low = sorted(
        (r for r in criteria_counts.values() if r["missed_low"]),
        key=lambda r: (-r["missed_low"], r["key"]),
    )
    return {
        "high_rejected": _lead_list(
            definition, filters, HIGH_REJECTED_WHERE, ["-figures__handed_over_at", "pk"], viewer
        ),
        "accepted_low": _lead_list(
            definition, filters, ACCEPTED_LOW_WHERE, ["-figures__handed_over_at", "pk"], viewer
        ),
        "high_rejected_reason": (
            high
            and {
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
    return _lead_list(
        definition,
        filters,
        {"rejected_then_bought": True},
        ["-figures__outcome_on", "pk"],
        viewer,
    )


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


# --- the funnel and the leads needed -------------------------------------------------------


def _funnel_aggregates() -> dict:
    counts = {f"step{k}": Count("pk", filter=Q(rank__gte=k)) for k, _ in FUNNEL_STEPS}
    conversions = {
        f"conversion{k}": _ratio(counts[f"step{k + 1}"], counts[f"step{k}"])
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
        row = leads(definition, filters).aggregate(**_funnel_aggregates())
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
    conversion, the leads each step needs (seed 002: how many leads are needed)."""
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


# --- the backtest of the draft -------------------------------------------------------------


def last_cycle(definition: Definition, now=None) -> ReviewCycle | None:
    """The latest cycle that has started."""
    return (
        ReviewCycle.objects.for_definition(definition)
        .filter(starts_at__lte=now or timezone.now())
        .order_by("-starts_at")
        .first()
    )


def draft_ladder(content: dict) -> list:
    """The draft's stages and criteria as stand-ins the check can climb."""
    ladder = []
    for stage in content["stages"]:
        criteria = [
            SimpleNamespace(
                pk=f"draft:{criterion['key']}",
                key=criterion["key"],
                rule=criterion.get("rule"),
                statement=criterion["statement"],
            )
            for criterion in stage["criteria"]
        ]
        ladder.append(
            (
                SimpleNamespace(
                    pk=f"draft:{stage['key']}",
                    key=stage["key"],
                    level=stage["level"],
                    name=stage["name"],
                ),
                criteria,
            )
        )
    return ladder


RAW = "="  # a rule_result_sql code that carries the raw value for Python to judge
INTEGER_TYPES = {"IntegerField", "PositiveIntegerField", "BigIntegerField", "SmallIntegerField"}


def rule_result_sql(rule: dict):
    """A rule's result as an SQL expression over a lead's column: "met", "missed", "unknown",
    or RAW + the value where only Python can say exactly what `rule_evaluate` says (text it
    would trim, a value outside the levels). None for rules on free text, which are judged
    per distinct value."""
    field = LEAD_FIELDS[rule["field"]]
    name, operator, value = field.name, rule["operator"], rule["value"]
    met, missed, unknown = Value(MET), Value(MISSED), Value(UNKNOWN)
    raw = Concat(Value(RAW), F(name), output_field=CharField())
    if field.kind in ("text", "ordinal"):
        if operator != "is_present" and field.kind == "text":
            return None
        if operator == "is_present":
            # A value with an ASCII letter or digit in it is given, whatever Python trims;
            # blank-looking ones are left to Python.
            plain = Q(**{f"{name}__regex": r"[0-9A-Za-z]"})
            return Case(
                When(Q(**{f"{name}__isnull": True}) | Q(**{name: ""}), then=missed),
                When(plain, then=met),
                default=raw,
            )
        judged = {level: rule_evaluate(rule, {name: level}) for level in field.levels}
        return Case(
            When(**{f"{name}__in": [lv for lv, r in judged.items() if r == MET]}, then=met),
            When(**{f"{name}__in": [lv for lv, r in judged.items() if r == MISSED]}, then=missed),
            default=raw,
        )
    if field.kind == "bool":  # is_true
        return Case(
            When(**{name: True}, then=met), When(**{name: False}, then=missed), default=unknown
        )
    null = Q(**{f"{name}__isnull": True})
    if operator == "is_present":
        return Case(When(null, then=missed), default=met)
    if Lead._meta.get_field(name).get_internal_type() not in INTEGER_TYPES:
        return None
    # The column holds integers: a bound with a fraction is the nearest integer inside it.
    values = [Decimal(str(v)) for v in (value if operator == "between" else [value])]
    if any(abs(v) > 2**62 for v in values):
        return None
    if operator == "equals":
        condition = (
            Q(**{name: int(values[0])})
            if values[0] == values[0].to_integral_value()
            else Q(pk__in=[])
        )
    elif operator == "at_least":
        condition = Q(**{f"{name}__gte": math.ceil(values[0])})
    elif operator == "at_most":
        condition = Q(**{f"{name}__lte": math.floor(values[0])})
    else:
        condition = Q(
            **{f"{name}__gte": math.ceil(values[0]), f"{name}__lte": math.floor(values[1])}
        )
    return Case(When(null, then=unknown), When(condition, then=met), default=missed)


@dataclass
class Backtest:
    cycle: ReviewCycle | None
    latest: Version | None
    total: int = 0
    changed: bool = False  # whether the draft differs from the latest version
    rows: list[dict] = field(default_factory=list)  # per level: reach at least, now vs draft


def backtest(definition: Definition, now=None) -> Backtest:
    """How the last cycle's leads would qualify under the draft, against the version each was
    checked against: per level, how many reach at least that level.

    The leads are grouped in SQL by what the draft's rules make of their values (met, missed
    or unknown; rules on free text by the value itself) and by the person's marks on its
    rule-less criteria, so the climb runs once per distinct combination, not per lead.
    """
    cycle = last_cycle(definition, now)
    latest = version_latest(definition)
    result = Backtest(cycle=cycle, latest=latest)
    if cycle is None or latest is None:
        return result
    content, applied, _ = draft_build(definition, latest)
    result.changed = bool(applied)
    ladder = draft_ladder(content)
    criteria = [c for _, stage_criteria in ladder for c in stage_criteria]
    # Each rule SQL can decide becomes a met/missed/unknown column; rules on free text are
    # decided here, on the distinct values; rule-less criteria count as met when marked met.
    decided, raw_fields, marked = {}, set(), {}
    for n, criterion in enumerate(criteria):
        if not criterion.rule:
            marked[f"mark_{n}"] = criterion
            continue
        expression = rule_result_sql(criterion.rule)
        if expression is None:
            raw_fields.add(criterion.rule["field"])
        else:
            decided[f"rule_{n}"] = (criterion, expression)
    combos = (
        Lead.objects.filter(cycle=cycle)
        .annotate(
            **{name: expression for name, (_, expression) in decided.items()},
            **{
                name: Exists(
                    CriterionResult.objects.filter(
                        lead=OuterRef("pk"), criterion__key=criterion.key, result=MET
                    )
                )
                for name, criterion in marked.items()
            },
        )
        .values(*sorted(raw_fields), *decided, *marked)
        .annotate(n=Count("pk"))
        .order_by()
    )
    draft_counts = dict.fromkeys(LEVELS, 0)
    total, evaluated = 0, {}
    for combo in combos:
        outcome = {}
        for name, (criterion, _) in decided.items():
            code = combo[name]
            if code.startswith(RAW):
                key = (criterion.pk, code)
                if key not in evaluated:
                    field = criterion.rule["field"]
                    evaluated[key] = rule_evaluate(criterion.rule, {field: code[len(RAW) :]})
                code = evaluated[key]
            outcome[criterion.pk] = code
        outcome.update(
            {criterion.pk: MET if combo[name] else UNKNOWN for name, criterion in marked.items()}
        )
        for criterion in criteria:
            if criterion.pk not in outcome:
                field = criterion.rule["field"]
                key = (criterion.pk, combo[field])
                if key not in evaluated:
                    evaluated[key] = rule_evaluate(criterion.rule, {field: combo[field]})
                outcome[criterion.pk] = evaluated[key]
        reached = ladder_climb(ladder, lambda criterion, known=outcome: known[criterion.pk])
        total += combo["n"]
        if reached is not None:
            draft_counts[reached.level] += combo["n"]
    checked = dict(
        LeadCheck.objects.filter(lead__cycle=cycle)
        .values_list("level_reached")
        .annotate(n=Count("pk"))
        .order_by()
    )
    result.total = total
    names = {}
    for stage in content["stages"]:
        names.setdefault(stage["level"], stage["name"])
    for index, level in enumerate(LEVELS):
        at_least = LEVELS[index:]
        now_count = sum(checked.get(lvl, 0) for lvl in at_least)
        draft_count = sum(draft_counts[lvl] for lvl in at_least)
        result.rows.append(
            {
                "level": level,
                "name": names.get(level, LEVEL_LABELS[level]),
                "now": now_count,
                "draft": draft_count,
                "delta": draft_count - now_count,
            }
        )
    return result


# --- "Propose a change" links --------------------------------------------------------------

# Prefills for the unwritten reasons every company starts with (feedback.catalogue).
REASON_CRITERIA = {
    "title below vp": {
        "statement": "The contact is VP level or above",
        "evidence": "verified",
        "rule_field": "seniority",
        "rule_operator": "at_least",
        "rule_value": "vp",
    },
    "industry not a focus": {
        "statement": "The company is in an industry we focus on",
        "evidence": "verified",
        "rule_field": "industry",
        "rule_operator": "in",
    },
    "competitor already engaged": {
        "statement": "No competitor is already engaged",
        "evidence": "stated",
    },
    "earlier efforts came up dry": {
        "statement": "No earlier sales effort with the company came up dry in the last year",
        "evidence": "verified",
    },
}


def numbers_url(definition: Definition, filters: Filters, anchor: str) -> str:
    query = urlencode(filters.query())
    path = reverse("numbers:definition", args=[definition.pk])
    return f"{path}{'?' + query if query else ''}#{anchor}"


def propose_url(definition: Definition, kind: str, *, label: str, url: str, **fields) -> str:
    params = {k: v for k, v in fields.items() if v not in (None, "")}
    params.update(origin="feedback", origin_label=label[:300], origin_url=url)
    path = reverse("definitions:proposal_create", args=[definition.pk, kind])
    return f"{path}?{urlencode(params)}"


def _stage_key(content: dict, levels: list[str]) -> str:
    for level in levels:
        for stage in content["stages"]:
            if stage["level"] == level:
                return stage["key"]
    return ""


def reason_proposal(definition, filters, content, reason: dict, *, levels, anchor, label):
    """An unwritten reason becomes a new criterion; a criterion-backed one a change to it."""
    url = numbers_url(definition, filters, anchor)
    if reason["unwritten"]:
        prefill = REASON_CRITERIA.get(
            reason["label"].lower(), {"statement": reason["label"], "evidence": "stated"}
        )
        return propose_url(
            definition,
            "add_criterion",
            label=label,
            url=url,
            stage=_stage_key(content, levels),
            guidance=f"Sales gives “{reason['label']}” as a reason to reject leads; "
            "write it down so marketing can act on it.",
            rationale=label,
            **prefill,
        )
    keys = {c["key"] for s in content["stages"] for c in s["criteria"]}
    if reason["criterion_key"] not in keys:
        return ""
    return propose_url(
        definition,
        "change_criterion",
        label=label,
        url=url,
        target=reason["criterion_key"],
        rationale=label,
    )


def findings_links(definition: Definition, filters: Filters, figures: dict, content: dict):
    """Attach a "Propose a change" link to every finding, its origin linking back here."""
    keys = {c["key"] for s in content["stages"] for c in s["criteria"]}
    for reason in figures["reasons"]:
        anchor = f"reason-{reason['id']}"
        pct = percent(reason["share"])
        if reason["private_filter"]:
            label = f"Numbers: “{reason['label']}” is behind {pct} of rejections (private filter)"
        else:
            label = f"Numbers: “{reason['label']}” is behind {pct} of rejections"
        reason["anchor"] = anchor
        reason["propose_url"] = reason_proposal(
            definition,
            filters,
            content,
            reason,
            levels=["accepted", "lead"],
            anchor=anchor,
            label=label,
        )
    for row in figures["criteria"]:
        anchor = f"criterion-{row['key']}"
        row["anchor"] = anchor
        row["propose_url"] = row["remove_url"] = ""
        if row["key"] not in keys:
            continue
        label = (
            f"Numbers: “{row['statement']}”: met → {percent(row['met_accepted_share'])} accepted; "
            f"missed → {percent(row['missed_accepted_or_bought_share'])} accepted or bought"
        )
        url = numbers_url(definition, filters, anchor)
        row["propose_url"] = propose_url(
            definition, "change_criterion", label=label, url=url, target=row["key"], rationale=label
        )
        if row["predicts_badly"]:
            row["remove_url"] = propose_url(
                definition,
                "remove_criterion",
                label=label,
                url=url,
                target=row["key"],
                rationale=label,
            )
    found = figures["disagreements"]
    reason = found["high_rejected_reason"]
    if reason:
        label = (
            f"Numbers: sales rejected {figures['totals']['high_rejected']} leads the check placed "
            f"at Opportunity, most often for “{reason['label']}”"
        )
        reason["propose_url"] = reason_proposal(
            definition,
            filters,
            content,
            reason,
            levels=["opportunity"],
            anchor="disagreements",
            label=label,
        )
    missed = found["accepted_low_missed"]
    if missed:
        missed["propose_url"] = ""
        if missed["key"] in keys:
            label = (
                f"Numbers: sales accepted {figures['totals']['accepted_low']} leads the check "
                f"placed below Lead; “{missed['statement']}” was missed {missed['count']} times"
            )
            missed["propose_url"] = propose_url(
                definition,
                "change_criterion",
                label=label,
                url=numbers_url(definition, filters, "disagreements"),
                target=missed["key"],
                rationale=label,
            )


# --- the page ------------------------------------------------------------------------------


def numbers_page(definition: Definition, filters: Filters) -> dict:
    """Every figure of the numbers page, in a number of queries that does not grow with data."""
    figures = {}
    figures["totals"], figures["by"] = totals_and_dimensions(definition, filters)
    figures["trend"] = figures["by"]["cycle"]
    # Versions compared: acceptance and later-bought rates per version, and the change.
    figures["versions"] = figures["by"]["version"]
    figures["reasons"] = rejection_reasons(definition, filters, figures["totals"]["rejected"])
    figures["criterion_reasons"] = [r for r in figures["reasons"] if not r["unwritten"]]
    figures["unwritten_reasons"] = [r for r in figures["reasons"] if r["unwritten"]]
    figures["private_filters"] = [r for r in figures["reasons"] if r["private_filter"]]
    counts = _criteria_counts(definition, filters)
    figures["criteria"] = criteria_prediction(definition, filters, counts)
    figures["disagreements"] = disagreements(definition, filters, figures["reasons"], counts)
    figures["bought"] = rejected_then_bought(definition, filters)
    figures["funnel"] = funnel(definition, filters, figures["totals"])
    _label_reasons(figures)
    return figures


def _label_reasons(figures: dict) -> None:
    lists = figures["disagreements"]
    reasons = reasons_of(
        [lead.feedback_id for lead in figures["bought"]]
        + [lead.feedback_id for lead in lists["high_rejected"]]
    )
    for lead in figures["bought"] + lists["high_rejected"]:
        lead.reason_labels = reasons.get(lead.feedback_id, [])


def lead_lists_for(definition: Definition, filters: Filters, figures: dict, viewer) -> dict:
    """The page's figures with its lists of leads cut to those `viewer` may read: a rep
    sees their own leads there, as on the lead pages; the aggregates stay as they are."""
    if reads_every_lead(viewer):
        return figures
    figures = {**figures, "disagreements": {**figures["disagreements"]}}
    found = figures["disagreements"]
    for key, where in (
        ("high_rejected", HIGH_REJECTED_WHERE),
        ("accepted_low", ACCEPTED_LOW_WHERE),
    ):
        found[key] = _lead_list(
            definition, filters, where, ["-figures__handed_over_at", "pk"], viewer
        )
    figures["bought"] = rejected_then_bought(definition, filters, viewer)
    _label_reasons(figures)
    return figures


# --- the cache in front of the page ---------------------------------------------------------

CACHE_SECONDS = 24 * 3600


def data_stamp() -> tuple:
    """What the figures were computed from, in one cheap query: the newest row of every table
    they read. Every write through the services adds a history row or, for checks, new rows,
    so a change anywhere gives a new stamp and the figures are computed afresh."""
    from definitions.models import Definition as DefinitionModel
    from definitions.models import Proposal
    from feedback.models import CriterionResult as Result
    from feedback.models import Lead as LeadModel
    from feedback.models import LeadFeedback as Feedback
    from feedback.models import Outcome, RejectionReason

    def newest(queryset, column="pk"):
        return Subquery(queryset.order_by(f"-{column}").values(column)[:1])

    row = (
        DefinitionModel.objects.order_by()
        .annotate(
            stamp_leads=newest(LeadModel.history.all(), "history_id"),
            stamp_feedback=newest(Feedback.history.all(), "history_id"),
            stamp_outcomes=newest(Outcome.history.all(), "history_id"),
            stamp_reasons=newest(RejectionReason.history.all(), "history_id"),
            stamp_checks=newest(LeadCheck.objects.all()),
            stamp_results=newest(Result.objects.all()),
            stamp_versions=newest(Version.objects.all()),
            stamp_proposals=newest(Proposal.history.all(), "history_id"),
            stamp_cycles=newest(ReviewCycle.history.all(), "history_id"),
        )
        .values_list(
            "stamp_leads",
            "stamp_feedback",
            "stamp_outcomes",
            "stamp_reasons",
            "stamp_checks",
            "stamp_results",
            "stamp_versions",
            "stamp_proposals",
            "stamp_cycles",
        )[:1]
    )
    return tuple(row[0]) if row else ()


def _stamp_text(stamp: tuple) -> str:
    return ":".join(str(part) for part in stamp)


def numbers_page_cached(definition: Definition, filters: Filters, stamp=None) -> dict:
    """`numbers_page`, kept in the cache until the data it was computed from changes."""
    stamp = data_stamp() if stamp is None else stamp
    key = (
        f"numbers:{definition.pk}:{urlencode(sorted(filters.query().items()))}:{_stamp_text(stamp)}"
    )
    figures = cache.get(key)
    if figures is None:
        figures = numbers_page(definition, filters)
        cache.set(key, figures, CACHE_SECONDS)
    return figures


def draft_and_backtest_cached(definition: Definition, stamp=None, now=None):
    """The draft's content and its backtest, cached until the data, the proposals or the last
    cycle change."""
    stamp = data_stamp() if stamp is None else stamp
    cycle = last_cycle(definition, now)
    key = f"numbers-draft:{definition.pk}:{cycle.pk if cycle else ''}:{_stamp_text(stamp)}"
    found = cache.get(key)
    if found is None:
        found = (draft_build(definition)[0], backtest(definition, now))
        cache.set(key, found, CACHE_SECONDS)
    return found


# --- the executives' home page and the navigation ------------------------------------------


def _home_figures(definition: Definition, stamp: tuple):
    """The home page's three figures of a definition, cached like the page's."""
    key = f"numbers-home:{definition.pk}:{_stamp_text(stamp)}"
    found = cache.get(key)
    if found is None:
        everything = Filters()
        total = totals(definition, everything)
        found = (
            acceptance_by(definition, everything, "cycle"),
            total,
            [
                r
                for r in rejection_reasons(definition, everything, total["rejected"])
                if r["private_filter"]
            ],
        )
        cache.set(key, found, CACHE_SECONDS)
    return found


def home_sections(user) -> list[dict]:
    """For executives: per definition with leads, the acceptance trend, the top private
    filter and the rejected leads that later bought."""
    if not user.is_authenticated or not user.has_perm("definitions.approve_version"):
        return []
    definitions = list(
        Definition.objects.filter(Exists(Lead.objects.filter(definition=OuterRef("pk")))).order_by(
            "name"
        )[:5]
    )
    items = []
    stamp = data_stamp() if definitions else ()
    for definition in definitions:
        url = reverse("numbers:definition", args=[definition.pk])
        trend, total, private = _home_figures(definition, stamp)
        if trend:
            last = trend[-1]
            detail = f"{percent(last['acceptance'])} in the cycle of {last['label']}"
            if last["change"] is not None:
                points = percent_points(last["change"])
                detail += f" ({'+' if points >= 0 else ''}{points} points on the cycle before)"
            items.append(
                {"url": url + "#trend", "label": f"{definition}: acceptance", "detail": detail}
            )
        if private:
            top = private[0]
            items.append(
                {
                    "url": url + f"#reason-{top['id']}",
                    "label": f"{definition}: top private filter “{top['label']}”",
                    "detail": f"behind {percent(top['share'])} of rejections",
                }
            )
        items.append(
            {
                "url": url + "#bought",
                "label": f"{definition}: rejected, then bought",
                "detail": f"{total['rejected_bought']} of {total['rejected']} rejected leads "
                f"({percent(total['rejected_bought_share'])}) bought within 24 months",
            }
        )
    return [
        {
            "id": "numbers",
            "title": "The numbers",
            "items": items,
            "empty": "No leads have been handed over yet.",
        }
    ]


def nav_items(user) -> list[tuple[str, str, str]]:
    """Everyone signed in reads the numbers."""
    if not user.is_authenticated:
        return []
    return [("numbers", reverse("numbers:index"), "Numbers")]


def definitions_with_numbers():
    return Definition.objects.annotate(lead_count=Count("leads")).order_by("name")


def filter_choices(definition: Definition) -> dict:
    """What the filter form offers: the definition's versions, the sources, the reps."""
    return {
        "versions": list(Version.objects.for_definition(definition).order_by("number")),
        "sources": LeadSource.choices,
        "reps": list(
            User.objects.filter(
                Exists(Lead.objects.filter(definition=definition, rep=OuterRef("pk")))
            ).order_by("full_name")
        ),
    }


__all__ = ["Filters", "backtest", "home_sections", "nav_items", "numbers_page"]
