"""A stamp that moves whenever Accord's data changes: what kept pages are read under.

Every connection watches its own statements (an execute wrapper, installed when the
connection opens). A statement other than a SELECT that names one of the apps' tables is a
write; once it is committed, the stamp in the shared cache takes a new random value. A page
kept under the stamp before is then never read again, so nothing a write changed is shown
from before it, whichever server or worker wrote it. Sessions, sign-in attempts, rate-limit
counters and the task queue are other tables, and leave the stamp alone; everything else
moves it, a sign-in's time on the person's row and an import's progress counter included.

Inside a transaction the stamp moves on commit (a rolled-back write changed nothing); in
autocommit mode at once. Inside a test case's own transaction, which never commits, it
moves at once too, so that tests see what they wrote. A write the watch cannot see (a
`COPY`, through the driver's own cursor) says so with ``noted()``.

The stamp is random, not a counter: if the cache loses it, the next reader draws a new one,
and nothing kept under an earlier stamp can match it. While the cache is down, every
reader draws a new one, so nothing is read from before. A stamp that could not be moved
(the cache failed just then) is logged, never raised: the write is committed, and what was
kept under the old stamp is drawn again at the next minute at the latest.
"""

import logging
import re
import secrets

from django.core.cache import cache
from django.db.backends.signals import connection_created

log = logging.getLogger("accord.cache")

KEY = "accord:written"
# The tables whose rows the pages show: the four apps' own, with their history, and the
# roles' (auth_group, auth_permission and the links to them).
TABLES = re.compile(r"\b(?:accounts|auth|definitions|meetings|feedback|numbers_app)_\w", re.I)
READS = ("SELECT", "SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT", "EXPLAIN", "SHOW")


def stamp() -> str:
    """The stamp now (one cache read; a new one when the cache holds none)."""
    try:
        found = cache.get(KEY)
        if found is None:
            found = secrets.token_hex(8)
            if not cache.add(KEY, found, None):
                found = cache.get(KEY) or found
    except Exception:
        log.exception("The data stamp could not be read; the page is drawn.")
        return secrets.token_hex(8)  # matches nothing kept
    return found


def stamp_and(key: str) -> tuple[str, object]:
    """The stamp now and the cache's value under this key, in one round trip."""
    try:
        found = cache.get_many([KEY, key])
    except Exception:
        log.exception("The data stamp could not be read; the page is drawn.")
        return secrets.token_hex(8), None
    if KEY not in found:
        return stamp(), None
    return found[KEY], found.get(key)


def _move() -> None:
    try:
        cache.set(KEY, secrets.token_hex(8), None)
    except Exception:
        log.exception("The data stamp could not be moved; kept pages are drawn next minute.")


def _in_test_transaction(connection) -> bool:
    blocks = connection.atomic_blocks
    return bool(blocks) and blocks[0]._from_testcase


def noted(connection) -> None:
    """This connection wrote to the apps' tables: move the stamp once that is committed."""
    if not connection.in_atomic_block or _in_test_transaction(connection):
        _move()
    elif not any(entry[1] is _move for entry in connection.run_on_commit):
        # Once per transaction: a rollback (of the transaction, or of the savepoint the
        # entry was made in) takes the entry away, and the next write makes it again.
        connection.on_commit(_move, robust=True)


def _watch(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    if not sql.lstrip()[:9].upper().startswith(READS) and TABLES.search(sql):
        noted(context["connection"])
    return result


def _watch_connection(sender, connection, **kwargs) -> None:
    if _watch not in connection.execute_wrappers:
        connection.execute_wrappers.append(_watch)


def watch_connections() -> None:
    """Watch every connection opened from now on (called once, when the apps are ready)."""
    connection_created.connect(_watch_connection, dispatch_uid="accord.written")
