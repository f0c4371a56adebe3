"""What every app's services share about writing rows."""

from collections.abc import Callable

from django.db import IntegrityError, transaction


def insert_or_retry[T](
    insert: Callable[[], T], after_conflict: Callable[[], T], *, adding: bool = True
) -> T:
    """Insert a row; when a concurrent request inserted the same unique row first, do
    ``after_conflict`` instead (typically: read the winner's row and change it).

    The insert runs in a savepoint, so the transaction around it stays usable after the
    conflict. A save of a row that is already there (``adding=False``: the caller read it,
    under a lock) is an UPDATE, which cannot meet that conflict: it runs as it is, without
    the savepoint's two round trips."""
    if not adding:
        return insert()
    try:
        with transaction.atomic():
            return insert()
    except IntegrityError:
        return after_conflict()
