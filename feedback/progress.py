"""The progress of background work: an import's (readable from every server while the
import's transaction is open) and a re-run of a cycle's check (`recheck_latest`).

The import task reports rows written through `ProgressWriter`, which updates the upload's
row on a database connection of its own, in autocommit: the import's own connection is
inside one transaction (all or nothing) and, on PostgreSQL, busy with a COPY, so a write
through it would be invisible until the end, or wait for ever. SQLite has one writer at a
time, so there the update cannot land while the import holds the write lock: the same
figures also go to the cache (`CACHE_URL`, shared by the worker and the web servers), and
the page reads whichever is further along.
"""

from django.core.cache import cache
from django.db import DatabaseError, connections
from django.db.utils import load_backend
from django.utils import timezone

from feedback.models import CycleRecheck, LeadImport, ReviewCycle

CACHE_SECONDS = 3600


def progress_key(import_id: int) -> str:
    return f"feedback:import:{import_id}:progress"


class ProgressWriter:
    """`writer(done, total)`: record that `done` of `total` rows are written."""

    def __init__(self, import_id: int):
        self.import_id = import_id
        self._connection = None

    def connection(self):
        if self._connection is None:
            settings = dict(connections["default"].settings_dict)
            if settings["ENGINE"].endswith("sqlite3"):
                # Never queue behind the import's write lock: skip this write instead.
                settings["OPTIONS"] = {**settings.get("OPTIONS", {}), "timeout": 0.05}
            self._connection = load_backend(settings["ENGINE"]).DatabaseWrapper(
                settings, "progress"
            )
        return self._connection

    def __call__(self, done: int, total: int) -> None:
        cache.set(progress_key(self.import_id), (done, total), CACHE_SECONDS)
        connection = self.connection()
        table = connection.ops.quote_name(LeadImport._meta.db_table)
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET progress_done = %s, progress_total = %s, "
                    "progress_at = %s WHERE id = %s",
                    [done, total, now, self.import_id],
                )
        except DatabaseError:
            pass  # SQLite's write lock is held by the import: the cache carries this one

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        cache.delete(progress_key(self.import_id))


def progress_of(lead_import: LeadImport) -> tuple[int, int]:
    """(rows written, rows to write) of a running import, from the database or the cache."""
    done, total = lead_import.progress_done, lead_import.progress_total
    cached = cache.get(progress_key(lead_import.pk))
    if cached and cached[0] > done:
        done, total = cached
    return done, total


def recheck_latest(cycle: ReviewCycle) -> CycleRecheck | None:
    """The cycle's last re-run of the check, with who asked for it. Its task commits each
    batch with its progress, so the row itself is as far along as the leads are."""
    return (
        CycleRecheck.objects.filter(cycle=cycle)
        .select_related("requested_by")
        .order_by("-requested_at", "-pk")
        .first()
    )
