"""The figures' summary rows (`FiguresSummary`) and the definitions' stamps (`FiguresStamp`),
kept current by one hook around every rewrite of leads' figures, and recounted on demand."""

from contextlib import contextmanager

from django.db import connection, transaction
from django.db.models import Count, DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce

from feedback.models import (
    HIGH_LEVELS,
    SUMMARY_COUNTS,
    SUMMARY_KEYS,
    FiguresStamp,
    FiguresSummary,
    LeadFigures,
)

# "The check placed it below Lead", as the numbers count it.
LOW_LEVELS = ["", "inquiry"]
KEY_COLUMNS = [
    f"{key}_id" if key not in ("source", "stage_handed_over") else key for key in SUMMARY_KEYS
]
COUNTED = [f"n_{name}" for name in [*SUMMARY_COUNTS, "amount_sum"]]
COLUMNS = [*KEY_COLUMNS, *COUNTED]


def summary_aggregates() -> dict:
    """What one summary row adds up from the leads' figures, in SUMMARY_COUNTS' order."""
    bought = Q(outcome_result="bought")
    counts = {
        "handed": Count("pk"),
        "reviewed": Count("pk", filter=~Q(decision="")),
        "accepted": Count("pk", filter=Q(decision="accepted")),
        "rejected": Count("pk", filter=Q(decision="rejected")),
        "recycled": Count("pk", filter=Q(decision="recycled")),
        "bought": Count("pk", filter=bought),
        "rejected_bought": Count("pk", filter=Q(rejected_then_bought=True)),
        "high_rejected": Count("pk", filter=Q(level_reached__in=HIGH_LEVELS, decision="rejected")),
        "accepted_low": Count("pk", filter=Q(decision="accepted", level_reached__in=LOW_LEVELS)),
        **{f"step{k}": Count("pk", filter=Q(rank__gte=k)) for k in range(5)},
        "amount_count": Count("amount", filter=bought),
        "amount_sum": Coalesce(
            Sum("amount", filter=bought),
            Value(0),
            output_field=DecimalField(max_digits=20, decimal_places=2),
        ),
    }
    assert list(counts) == [*SUMMARY_COUNTS, "amount_sum"]
    return {f"n_{name}": aggregate for name, aggregate in counts.items()}


def _grouped(figures):
    return figures.values(*KEY_COLUMNS).annotate(**summary_aggregates()).order_by()


def _shift(lead_ids: list[int], sign: int) -> set[int]:
    """Add (sign 1) or take out (sign -1) these leads' figures from the summary rows, in one
    statement that adds to the rows under their lock; returns the definitions touched."""
    if not lead_ids:
        return set()
    sql, params = _grouped(LeadFigures.objects.filter(lead_id__in=lead_ids)).query.sql_with_params()
    quote = connection.ops.quote_name
    table = quote(FiguresSummary._meta.db_table)
    keys = ", ".join(quote(c) for c in KEY_COLUMNS)
    counted = COUNTED
    select = ", ".join(
        [
            *(f"delta.{quote(c)}" for c in KEY_COLUMNS),
            *(f"{sign} * delta.{quote(c)}" for c in counted),
        ]
    )
    update = ", ".join(f"{quote(c)} = {table}.{quote(c)} + excluded.{quote(c)}" for c in counted)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(quote(c) for c in COLUMNS)}) "
            f"SELECT {select} FROM ({sql}) delta WHERE true "
            f"ON CONFLICT ({keys}) DO UPDATE SET {update} RETURNING {quote('definition_id')}",
            params,
        )
        definitions = {row[0] for row in cursor.fetchall()}
    if sign < 0:
        FiguresSummary.objects.filter(definition_id__in=definitions, n_handed=0).delete()
    return definitions


def stamps_raise(definition_ids) -> None:
    """Raise the stamp of these definitions: their numbers are computed afresh, no other's."""
    definition_ids = sorted(set(definition_ids))
    if not definition_ids:
        return
    quote = connection.ops.quote_name
    table = quote(FiguresStamp._meta.db_table)
    values = ", ".join("(%s, 1)" for _ in definition_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({quote('definition_id')}, {quote('serial')}) VALUES {values} "
            f"ON CONFLICT ({quote('definition_id')}) "
            f"DO UPDATE SET {quote('serial')} = {table}.{quote('serial')} + 1",
            definition_ids,
        )


@contextmanager
def figures_rewritten(lead_ids: list[int], *, fresh: bool = False):
    """The one hook around rewriting leads' figures: their old figures are taken out of the
    summary before, the new ones added after, and their definitions' stamps raised.
    `fresh` says the leads have no figures yet."""
    with transaction.atomic():
        definitions = set() if fresh else _shift(lead_ids, -1)
        yield
        definitions |= _shift(lead_ids, 1)
        stamps_raise(definitions)


def _recounted(definition_ids=None) -> dict[tuple, tuple]:
    figures = LeadFigures.objects.all()
    if definition_ids is not None:
        figures = figures.filter(definition_id__in=definition_ids)
    return {
        tuple(row[c] for c in KEY_COLUMNS): tuple(row[c] for c in COLUMNS[len(KEY_COLUMNS) :])
        for row in _grouped(figures)
    }


def _stored(definition_ids=None) -> dict[tuple, tuple]:
    rows = FiguresSummary.objects.all()
    if definition_ids is not None:
        rows = rows.filter(definition_id__in=definition_ids)
    return {
        tuple(row[: len(KEY_COLUMNS)]): tuple(row[len(KEY_COLUMNS) :])
        for row in rows.values_list(*COLUMNS)
    }


def summary_drift(definition_ids=None) -> int:
    """How many summary rows differ from a recount of the leads' figures (0: none)."""
    stored, recounted = _stored(definition_ids), _recounted(definition_ids)
    return sum(
        1 for key in stored.keys() | recounted.keys() if stored.get(key) != recounted.get(key)
    )


@transaction.atomic
def summary_rebuild(definition_ids=None) -> int:
    """Recount the summary rows from the leads' figures (in SQL); returns the rows written."""
    rows = FiguresSummary.objects.all()
    figures = LeadFigures.objects.all()
    if definition_ids is not None:
        definition_ids = list(definition_ids)
        rows = rows.filter(definition_id__in=definition_ids)
        figures = figures.filter(definition_id__in=definition_ids)
    rows.delete()
    sql, params = _grouped(figures).query.sql_with_params()
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(FiguresSummary._meta.db_table)} "
            f"({', '.join(quote(c) for c in COLUMNS)}) {sql}",
            params,
        )
        written = cursor.rowcount
    stamps_raise(
        definition_ids
        if definition_ids is not None
        else LeadFigures.objects.values_list("definition_id", flat=True).distinct()
    )
    return written
