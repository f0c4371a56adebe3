"""The numbers' per-cycle sums (`FiguresSummary`, `CriterionSummary`, `ReasonSummary`), kept
current from the leads' figures.

Whoever rewrites a lead's figures calls `summaries_refresh` with the (definition, cycle,
rep) the lead was in before and is in now; the rows of each such cell are deleted and
computed again from the figures of its leads, in the same transaction. No upsert: a cell's
rows are always rebuilt whole, so a second refresh in one transaction, or the same cell
twice, cannot insert a row twice. On PostgreSQL two transactions rebuilding the same
(cycle, rep) take turns on an advisory lock held to their commit, so the second reads
what the first committed (on SQLite one writer at a time is the database's own rule).
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


@transaction.atomic
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
            for model in (FiguresSummary, CriterionSummary, ReasonSummary):
                model.objects.filter(**where).delete()
            # Read through the lead's own (indexed) cycle and rep, which its figures copy.
            figures = LeadFigures.objects.filter(
                definition_id=definition, lead__cycle_id=cycle, lead__rep_id__in=chunk
            )
            _figures_write(figures)
            if size:
                _criteria_write(figures, size)
            _reasons_write(
                RejectionFigures.objects.filter(
                    definition_id=definition, lead__cycle_id=cycle, lead__rep_id__in=chunk
                )
            )


def _figures_write(figures) -> None:
    rows = figures.values(*CELL, "stage_handed_over").annotate(
        **lead_measures(),
        deals_priced=Count("amount", filter=BOUGHT),
        deal_total=Sum("amount", filter=BOUGHT),
    )
    FiguresSummary.objects.bulk_create(
        (
            FiguresSummary(**{**row, "deal_total": row["deal_total"] or Decimal(0)})
            for row in rows.order_by()
        ),
        batch_size=2000,
    )


def _criteria_write(figures, size: int) -> None:
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
        cell = tuple(group[name] for name in CELL)
        for i in range(size):
            met, missed = group[f"met_{i}"] or 0, group[f"missed_{i}"] or 0
            if not met and not missed:
                continue
            counts = found.setdefault((*cell, i), dict.fromkeys(CRITERION_COUNTS, 0))
            counts["met"] += met
            counts["missed"] += missed
            if group["accepted"]:
                counts["met_accepted"] += met
                if group["low"]:
                    counts["missed_low"] += missed
            if group["accepted"] or group["bought_later"]:
                counts["missed_accepted_or_bought"] += missed
    CriterionSummary.objects.bulk_create(
        (
            CriterionSummary(**dict(zip(CELL, key[:-1], strict=True)), bit=key[-1], **counts)
            for key, counts in found.items()
        ),
        batch_size=2000,
    )


def _reasons_write(rejection_figures) -> None:
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
    ReasonSummary.objects.bulk_create(
        (
            ReasonSummary(
                definition_id=row["definition_id"],
                cycle_id=row["cycle"],
                version_id=row["version_id"],
                rep_id=row["rep_id"],
                source=row["source"],
                reason_id=row["reason_id"],
                rejections=row["rejections"],
                high=row["high_count"],
                recycles=row["recycles"],
            )
            for row in rows
        ),
        batch_size=2000,
    )


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
    stale = [FiguresSummary, CriterionSummary, ReasonSummary]
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
