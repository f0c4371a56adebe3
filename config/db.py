"""What every app's services share about writing rows."""

from collections.abc import Callable

from django.db import IntegrityError, transaction


def insert_or_retry[T](insert: Callable[[], T], after_conflict: Callable[[], T]) -> T:
    """Insert a row; when a concurrent request inserted the same unique row first, do
    ``after_conflict`` instead (typically: read the winner's row and change it).

    The insert runs in a savepoint, so the transaction around it stays usable after the
    conflict."""
    try:
        with transaction.atomic():
            return insert()
    except IntegrityError:
        return after_conflict()
