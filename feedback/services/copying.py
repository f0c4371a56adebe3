"""Writing many rows at once: in batches, and with PostgreSQL's binary COPY."""

from collections.abc import Callable, Iterable
from contextlib import contextmanager

from django.db import connection

from config import written

BATCH = 2000


Progress = Callable[[int, int], None]


def chunks(items: list, size: int = BATCH):
    for start in range(0, len(items), size):
        yield items[start : start + size]


@contextmanager
def copy_binary(cursor, table: str, columns: list[str]):
    """A binary COPY into these columns, typed as the table's columns are (binary rows are
    formatted and parsed faster than text ones)."""
    quote = connection.ops.quote_name
    names, table = ", ".join(quote(column) for column in columns), quote(table)
    cursor.execute(f"SELECT {names} FROM {table} LIMIT 0")
    types = [column.type_code for column in cursor.description]
    with cursor.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(types)
        yield copy
    written.noted(connection)  # the driver's COPY passes by the watch on statements


# Fewer rows than this are one INSERT: a COPY costs two round trips (its column types, then
# the copy) whatever it writes.
COPY_FROM = 50


def rows_write(model, fields: list[str], rows: Iterable[tuple]) -> None:
    """Insert plain rows of derived data (no history, no signals): COPY on PostgreSQL for
    many rows, batched bulk_create for a few and elsewhere."""
    rows = list(rows)
    if not rows:
        return
    if connection.vendor == "postgresql" and len(rows) >= COPY_FROM:
        columns = [model._meta.get_field(name).column for name in fields]
        with (
            connection.cursor() as cursor,
            copy_binary(cursor, model._meta.db_table, columns) as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    batch = []
    for row in rows:
        batch.append(model(**dict(zip(fields, row, strict=True))))
        if len(batch) >= BATCH:
            model.objects.bulk_create(batch)
            batch = []
    model.objects.bulk_create(batch)
