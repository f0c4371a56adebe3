"""The numbers' per-cycle sums (`FiguresSummary`, `CriterionSummary`, `ReasonSummary`), kept
current from the leads' figures.

Two ways to keep them, one set of aggregates:

- `summaries_shift` (a few leads: a review saved, an outcome, a lead edited): what the
  leads added to the sums is computed before and after their figures are rewritten, from
  the same aggregates as a rebuild restricted to those leads, and only the difference is
  added to the rows it touches. A save costs its own lead, whatever the size of its cell.
  A row that drops to nothing is deleted; a criterion or reason row it needs and cannot find
  (the first rejection for a reason in the cell) is inserted with its difference; a row it
  cannot shift otherwise (sums older than the lead) has its cell rebuilt instead.
- `summaries_refresh` (imports, rechecks, the upgrade): the rows of each (definition,
  cycle, rep) cell are deleted and computed again from the figures of its leads. No upsert:
  a cell's rows are always rebuilt whole, so the same cell twice cannot insert a row twice.

On PostgreSQL two transactions writing the same (cycle, rep) take turns on an advisory lock
held to their commit, so the second reads what the first committed (on SQLite one writer at
a time is the database's own rule).
"""

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Case, Count, F, Q, Sum, Value, When

from definitions.models import VersionCriterion
from feedback.models import (
    CriterionSummary,
    FiguresSummary,
    LeadFigures,
    ReasonSummary,
    RejectionFigures,
)
from feedback.models.summaries import (
    ACCEPTED,
    BOUGHT,
    CRITERION_COUNTS,
    LEAD_MEASURES,
    LOW_LEVELS,
)
from feedback.services.copying import chunks

CELL = ["definition_id", "cycle_id", "version_id", "rep_id", "source"]
# Two-key advisory locks (cycle, rep): a key space of their own in PostgreSQL.
LOCK_SQL = (
    "SELECT count(pg_advisory_xact_lock(c, r)) FROM "
    "(SELECT c, r FROM unnest(%s::int[], %s::int[]) AS t(c, r) ORDER BY c, r) AS keys"
)


def lead_measures() -> dict:
    """The summary's counts as aggregates over leads' figures."""
    return {
        name: Count("pk") if where is None else Count("pk", filter=where)
        for name, where in LEAD_MEASURES.items()
    }


def bit(column: str, index: int):
    return F(column).bitrightshift(index).bitand(1)


def _lock(cells: list[tuple[int, int, int]]) -> None:
    if connection.vendor != "postgresql":
        return
    keys = sorted({(cycle, rep) for _, cycle, rep in cells})
    with connection.cursor() as cursor:
        cursor.execute(LOCK_SQL, [[c for c, _ in keys], [r for _, r in keys]])


def _criteria_size(definition_ids: set[int]) -> int:
    """The most criteria a version of these definitions has: how many bits to sum."""
    sizes = (
        VersionCriterion.objects.filter(stage__version__definition_id__in=definition_ids)
        .values("stage__version_id")
        .annotate(n=Count("pk"))
        .values_list("n", flat=True)
        .order_by()
    )
    return max(sizes, default=0)


# Each summary: its model, the columns of its key, and what its rows count.
FIGURE_KEY = [*CELL, "stage_handed_over"]
FIGURE_COUNTS = [*LEAD_MEASURES, "deals_priced", "deal_total"]
CRITERION_KEY = [*CELL, "bit"]
REASON_KEY = [*CELL, "reason_id"]
REASON_COUNTS = ["rejections", "high", "recycles"]
# What the shift reads of a lead's figures and of its rejections' figures.
FIGURE_READ = [
    *FIGURE_KEY,
    *("decision", "outcome_result", "rejected_then_bought", "level_reached", "rank"),
    *("amount", "met_bits", "missed_bits", "bought_later"),
]
REASON_READ = ["definition_id", "version_id", "rep_id", "source", "reason_id", "high", "recycled"]
# A row with none of these is deleted: a rebuild would not write it.
EMPTY = {
    CriterionSummary: {"met": 0, "missed": 0},
    ReasonSummary: {"rejections": 0, "recycles": 0},
}
SUMMARIES = {
    FiguresSummary: (FIGURE_KEY, FIGURE_COUNTS),
    CriterionSummary: (CRITERION_KEY, CRITERION_COUNTS),
    ReasonSummary: (REASON_KEY, REASON_COUNTS),
}
# Sums per model, keyed by the row's key columns (in the order above).
Sums = dict[type, dict[tuple, dict]]
# A few leads are shifted; more are rebuilt by cell (an import, a recheck).
SHIFT_MOST = 50


@transaction.atomic(savepoint=False)
def summaries_refresh(cells: Iterable[tuple[int, int, int]]) -> None:
    """Rebuild the summary rows of these (definition id, cycle id, rep id) cells from the
    figures of their leads."""
    cells = sorted(set(cells))
    if not cells:
        return
    _lock(cells)
    size = _criteria_size({definition for definition, _, _ in cells})
    reps_of: dict[tuple[int, int], list[int]] = defaultdict(list)
    for definition, cycle, rep in cells:
        reps_of[(definition, cycle)].append(rep)
    for (definition, cycle), reps in reps_of.items():
        for chunk in chunks(reps, 500):
            where = {"definition_id": definition, "cycle_id": cycle, "rep_id__in": chunk}
            for model in SUMMARIES:
                model.objects.filter(**where).delete()
            # Read through the lead's own (indexed) cycle and rep, which its figures copy.
            cell = {"definition_id": definition, "lead__cycle_id": cycle, "lead__rep_id__in": chunk}
            _sums_write(_sums(cell, size))


def contributions(lead_ids: list[int]) -> Sums:
    """What these leads add to the summaries now, by summary row: their figures read as rows
    and folded here by the same measures a rebuild counts in SQL (`q_holds`)."""
    figures = LeadFigures.objects.filter(lead_id__in=lead_ids).values(*FIGURE_READ).order_by()
    rejections = RejectionFigures.objects.filter(lead_id__in=lead_ids).values(
        *REASON_READ, cycle_id=F("lead__cycle")
    )
    return contributions_fold(figures, rejections.order_by())


def contributions_fold(figures: Iterable[dict], rejections: Iterable[dict]) -> Sums:
    """What leads add to the summaries, from their figures rows (`FIGURE_READ` at least) and
    their rejections' figures rows (`REASON_READ` and the cycle), as dicts: the rows read back
    or the rows just written."""
    sums: Sums = {model: {} for model in SUMMARIES}
    for row in figures:
        key = tuple(row[name] for name in FIGURE_KEY)
        counts = sums[FiguresSummary].setdefault(key, dict.fromkeys(FIGURE_COUNTS, 0))
        for name, where in LEAD_MEASURES.items():
            counts[name] += where is None or q_holds(where, row)
        if q_holds(BOUGHT, row) and row["amount"] is not None:
            counts["deals_priced"] += 1
            counts["deal_total"] += row["amount"]
        either = row["met_bits"] | row["missed_bits"]
        _criteria_fold(
            sums[CriterionSummary],
            key[: len(CELL)],
            q_holds(ACCEPTED, row),
            row["bought_later"],
            row["level_reached"] in LOW_LEVELS,
            (
                (i, (row["met_bits"] >> i) & 1, (row["missed_bits"] >> i) & 1)
                for i in range(either.bit_length())
            ),
        )
    for row in rejections:
        key = tuple(row[name] for name in REASON_KEY)
        counts = sums[ReasonSummary].setdefault(key, dict.fromkeys(REASON_COUNTS, 0))
        counts["rejections"] += not row["recycled"]
        counts["high"] += row["high"] and not row["recycled"]
        counts["recycles"] += row["recycled"]
    return sums


def leads_counted(sums: Sums) -> int:
    """How many leads these sums count."""
    return sum(counts["handed"] for counts in sums[FiguresSummary].values())


def q_holds(q: Q, row: dict) -> bool:
    """Whether a row (a dict of column values) meets a filter of exact, `__in` and `__gte`
    lookups, AND or OR, negated or not: the summaries' measures, judged in Python."""
    results = []
    for child in q.children:
        if isinstance(child, Q):
            results.append(q_holds(child, row))
            continue
        lookup, wanted = child
        name, _, operator = lookup.partition("__")
        value = row[name]
        if operator == "in":
            results.append(value in wanted)
        elif operator == "gte":
            results.append(value >= wanted)
        elif operator in ("", "exact"):
            results.append(value == wanted)
        else:
            raise ValueError(f"q_holds does not judge the lookup {lookup!r}.")
    held = all(results) if q.connector == Q.AND else any(results)
    return held != q.negated


@transaction.atomic(savepoint=False)
def summaries_shift(before: Sums, after: Sums) -> None:
    """Add to the summary rows the difference between what some leads added before their
    figures were rewritten (`contributions` then) and what they add now.

    The leads' figures rows are written again under new ids (the numbers' data stamp reads
    the newest id), the criteria and reasons rows are updated in place."""
    cells = {(key[0], key[1], key[3]) for rows in (before, after) for key in rows[FiguresSummary]}
    _lock(sorted(cells))
    stale: set[tuple[int, int, int]] = set()
    renewed = []
    # Criteria and reasons: the changed rows of one cell, version and source in one UPDATE.
    shifts: dict[tuple, dict] = defaultdict(dict)
    for model, (key_columns, counts) in SUMMARIES.items():
        old, new = before[model], after[model]
        for key in old.keys() | new.keys():
            diff = {
                name: new.get(key, {}).get(name, 0) - old.get(key, {}).get(name, 0)
                for name in counts
            }
            diff = {name: value for name, value in diff.items() if value}
            if model is not FiguresSummary:
                if diff:
                    shifts[(model, key[:-1])][key[-1]] = diff
                continue
            if not diff and key not in new:
                continue
            row = model.objects.filter(**dict(zip(key_columns, key, strict=True))).first()
            if row is None:
                stale.add((key[0], key[1], key[3]))
                continue
            row.delete()
            for name, value in diff.items():
                setattr(row, name, getattr(row, name) + value)
            row.pk = None
            renewed.append(row)
    for (model, prefix), diffs in shifts.items():
        key_columns = SUMMARIES[model][0]
        last = key_columns[-1]
        columns = {name for diff in diffs.values() for name in diff}
        shifted = model.objects.filter(
            **dict(zip(key_columns, prefix, strict=False)), **{f"{last}__in": list(diffs)}
        ).update(
            **{
                name: F(name)
                + Case(
                    *(
                        When(**{last: value}, then=Value(diff[name]))
                        for value, diff in diffs.items()
                        if name in diff
                    ),
                    default=Value(0),
                )
                for name in columns
            }
        )
        if shifted != len(diffs):
            # Rows the cell did not have yet (a reason given there for the first time) start
            # from nothing: each is its difference, unless that would make a count negative.
            found = set(
                model.objects.filter(
                    **dict(zip(key_columns, prefix, strict=False)), **{f"{last}__in": list(diffs)}
                ).values_list(last, flat=True)
            )
            missing = {value: diff for value, diff in diffs.items() if value not in found}
            if any(v < 0 for diff in missing.values() for v in diff.values()):
                stale.add((prefix[0], prefix[1], prefix[3]))
                continue
            model.objects.bulk_create(
                model(**dict(zip(key_columns, (*prefix, value), strict=True)), **diff)
                for value, diff in missing.items()
            )
    FiguresSummary.objects.bulk_create(row for row in renewed if row.handed)
    # A row can only drop to nothing where one of the counts that keep it fell.
    emptied = [
        model
        for model, empty in EMPTY.items()
        for (shifted, _), diffs in shifts.items()
        if shifted is model
        and any(diff.get(name, 0) < 0 for diff in diffs.values() for name in empty)
    ]
    for definition, cycle, rep in cells - stale:
        where = {"definition_id": definition, "cycle_id": cycle, "rep_id": rep}
        for model in dict.fromkeys(emptied):
            model.objects.filter(**where, **EMPTY[model]).delete()
    summaries_refresh(stale)


def _sums(leads: dict, size: int) -> Sums:
    """The summary rows of the leads' figures this filter selects."""
    figures = LeadFigures.objects.filter(**leads)
    return {
        FiguresSummary: _figures_sums(figures),
        CriterionSummary: _criteria_sums(figures, size) if size else {},
        ReasonSummary: _reasons_sums(RejectionFigures.objects.filter(**leads)),
    }


def _sums_write(sums: Sums) -> None:
    for model, rows in sums.items():
        key_columns = SUMMARIES[model][0]
        model.objects.bulk_create(
            (
                model(**dict(zip(key_columns, key, strict=True)), **counts)
                for key, counts in rows.items()
            ),
            batch_size=2000,
        )


def _figures_sums(figures) -> dict[tuple, dict]:
    rows = figures.values(*FIGURE_KEY).annotate(
        **lead_measures(),
        deals_priced=Count("amount", filter=BOUGHT),
        deal_total=Sum("amount", filter=BOUGHT),
    )
    return {
        tuple(row[name] for name in FIGURE_KEY): {
            **{name: row[name] for name in FIGURE_COUNTS},
            "deal_total": row["deal_total"] or Decimal(0),
        }
        for row in rows.order_by()
    }


def _criteria_sums(figures, size: int) -> dict[tuple, dict]:
    """Per criterion bit: the leads' bits summed per kind of lead (accepted, later bought,
    placed below Lead) in SQL, folded into the five counts here."""
    sums = {}
    for i in range(size):
        sums[f"met_{i}"] = Sum(bit("met_bits", i))
        sums[f"missed_{i}"] = Sum(bit("missed_bits", i))
    groups = (
        figures.annotate(
            accepted=Case(When(ACCEPTED, then=Value(True)), default=Value(False)),
            low=Case(When(level_reached__in=LOW_LEVELS, then=Value(True)), default=Value(False)),
        )
        .values(*CELL, "accepted", "bought_later", "low")
        .annotate(**sums)
        .order_by()
    )
    found: dict[tuple, dict] = {}
    for group in groups:
        _criteria_fold(
            found,
            tuple(group[name] for name in CELL),
            group["accepted"],
            group["bought_later"],
            group["low"],
            ((i, group[f"met_{i}"] or 0, group[f"missed_{i}"] or 0) for i in range(size)),
        )
    return found


def _criteria_fold(found: dict, cell: tuple, accepted, bought_later, low, bits) -> None:
    """Add leads of one kind (accepted or not, later bought or not, placed below Lead or
    not) to the five counts of each criterion bit: `bits` gives (bit, met, missed)."""
    for i, met, missed in bits:
        if not met and not missed:
            continue
        counts = found.setdefault((*cell, i), dict.fromkeys(CRITERION_COUNTS, 0))
        counts["met"] += met
        counts["missed"] += missed
        if accepted:
            counts["met_accepted"] += met
            if low:
                counts["missed_low"] += missed
        if accepted or bought_later:
            counts["missed_accepted_or_bought"] += missed


def _reasons_sums(rejection_figures) -> dict[tuple, dict]:
    rows = (
        rejection_figures.values(
            "definition_id", "version_id", "rep_id", "source", "reason_id", cycle=F("lead__cycle")
        )
        .annotate(
            rejections=Count("pk", filter=Q(recycled=False)),
            high_count=Count("pk", filter=Q(high=True, recycled=False)),
            recycles=Count("pk", filter=Q(recycled=True)),
        )
        .order_by()
    )
    return {
        (
            row["definition_id"],
            row["cycle"],
            row["version_id"],
            row["rep_id"],
            row["source"],
            row["reason_id"],
        ): {
            "rejections": row["rejections"],
            "high": row["high_count"],
            "recycles": row["recycles"],
        }
        for row in rows
    }


def cells_of(lead_ids: list[int]) -> set[tuple[int, int, int]]:
    """The (definition, cycle, rep) cells these leads' figures are in now."""
    found: set[tuple[int, int, int]] = set()
    for ids in chunks(lead_ids, 5000):
        found.update(
            LeadFigures.objects.filter(lead_id__in=ids)
            .values_list("definition_id", "cycle_id", "rep_id")
            .distinct()
            .order_by()
        )
    return found


def summaries_rebuild(*, definition_ids: Iterable[int] | None = None) -> int:
    """Rebuild every summary row (after an upgrade, or to check them); returns the cells."""
    figures = LeadFigures.objects.all()
    stale = list(SUMMARIES)
    if definition_ids is not None:
        definition_ids = list(definition_ids)
        figures = figures.filter(definition_id__in=definition_ids)
    with transaction.atomic():
        for model in stale:
            rows = model.objects.all()
            if definition_ids is not None:
                rows = rows.filter(definition_id__in=definition_ids)
            rows.delete()
        cells = set(
            figures.values_list("definition_id", "cycle_id", "rep_id").distinct().order_by()
        )
        summaries_refresh(cells)
    return len(cells)
