"""`make backup` then `make restore` into an empty PostgreSQL database: every row, every
history row, and the trigger that keeps published versions unchanged."""

import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from tests.definitions.factories import DefinitionFactory, version_published
from tests.feedback.factories import cycle_make, lead_make
from tests.meetings.factories import meeting_scheduled

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="pg_dump and pg_restore are PostgreSQL's"
    ),
]


def _url(name: str) -> str:
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s["PASSWORD"] else ""
    return f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


def _counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


def _make(target: str, url: str, dump: Path):
    return subprocess.run(
        ["make", "-s", target, f"FILE={dump}"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin:/usr/local/bin", "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_backup_restores_into_an_empty_database_with_history_and_the_trigger(
    tmp_path, facilitator, executive
):
    definition = DefinitionFactory(facilitator=facilitator, executive_sponsor=executive)
    version = version_published(definition)
    meeting_scheduled(facilitator=facilitator, definition=definition)
    lead_make(cycle_make(definition))
    source = _url(connection.settings_dict["NAME"])
    dump = tmp_path / "accord.dump"
    backup = _make("backup", source, dump)
    assert backup.returncode == 0, backup.stderr
    assert dump.stat().st_size > 0

    empty = f"accord_restore_{uuid.uuid4().hex[:8]}"
    admin = _url("postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{empty}"')
    try:
        target = _url(empty)
        restore = _make("restore", target, dump)
        assert restore.returncode == 0, restore.stderr
        before, after = _counts(source), _counts(target)
        assert after == before
        assert before["definitions_version"] >= 1
        assert before["definitions_historicaldefinition"] >= 1
        assert before["feedback_historicallead"] >= 1
        assert before["meetings_historicalmeeting"] >= 1
        with (
            psycopg.connect(target) as conn,
            pytest.raises(psycopg.errors.IntegrityConstraintViolation),
        ):
            conn.execute(
                "UPDATE definitions_version SET change_summary = 'tampered' WHERE id = %s",
                [version.pk],
            )
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{empty}" WITH (FORCE)')
