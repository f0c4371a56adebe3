"""A worker killed (SIGKILL) in the middle of an import: nothing of it is written, the page
says it stopped and offers to start it again, and the second run imports every row.

The worker is `manage.py db_worker` in a process of its own, on the test database (a copy
of it in a file on SQLite, copied back after), made to pause once it has reported its first
batch of rows, so that it is killed mid-import, inside the import's transaction.
"""

import os
import signal
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from feedback import services
from feedback.models import Lead, LeadImport
from tests.feedback.csvs import hubspot_file
from tests.feedback.factories import cycle_make, rep_make

ROOT = Path(__file__).resolve().parent.parent.parent
ROWS = 2500  # a progress report after the first batch of rows (2 000), then more to write

# The worker, with its progress report made to say so and then wait to be killed.
WORKER = """
import sys, time
import django
django.setup()
from django.core.management import call_command
from feedback import progress

reported = progress.ProgressWriter.__call__

def report_then_wait(self, done, total):
    reported(self, done, total)
    print(f"written {done} of {total}", flush=True)
    if done < total:
        time.sleep(600)

progress.ProgressWriter.__call__ = report_then_wait
call_command("db_worker", "--batch", "--no-startup-delay", "--worker-id", "to-be-killed")
print("the worker finished", flush=True)
"""


class SharedDatabase:
    """The test database as a URL another process can open: the database itself on
    PostgreSQL; on SQLite (the test database lives in memory) a copy in a file, whose
    changes `take_back` copies into the test's database."""

    def __init__(self, path: Path):
        self.path = path

    def share(self) -> str:
        settings = connection.settings_dict
        if connection.vendor == "postgresql":
            server = f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}"
            return f"{server}/{settings['NAME']}"
        connection.ensure_connection()
        with sqlite3.connect(self.path) as copy:
            connection.connection.backup(copy)
        return f"sqlite:///{self.path}"

    def take_back(self) -> None:
        if connection.vendor == "sqlite":
            with sqlite3.connect(self.path) as copy:
                copy.backup(connection.connection)


@pytest.fixture
def shared_database(transactional_db, tmp_path):
    return SharedDatabase(tmp_path / "shared.sqlite3")


def test_an_import_whose_worker_is_killed_writes_nothing_and_runs_again(
    shared_database, task_queue, client_as, facilitator
):
    cycle = cycle_make()
    rep = rep_make(email="sam@northwind.example")
    lead_import = services.import_upload(
        data=hubspot_file(ROWS, rep.email), filename="big.csv", by=facilitator, cycle=cycle
    )
    services.import_enqueue(lead_import=lead_import, by=facilitator)
    url = shared_database.share()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "TASK_BACKEND": "database",
        "CACHE_URL": "",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        said = []
        for line in worker.stdout:
            said.append(line)
            if line.startswith("written"):
                break
        assert said and said[-1].startswith("written"), "".join(said)
        done, total = map(int, said[-1].split()[1::2])
        assert 0 < done < total == ROWS  # killed with rows still to write
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=60)
    shared_database.take_back()

    # All or nothing: not one lead, nor a history row, of the killed import.
    assert not Lead.objects.filter(cycle=cycle).exists()
    assert not Lead.history.filter(cycle_id=cycle.pk).exists()
    lead_import.refresh_from_db()
    assert lead_import.status == LeadImport.Status.RUNNING  # as far as anyone can tell
    assert not services.import_is_stalled(lead_import)
    half_an_hour_on = timezone.now() + services.IMPORT_STALLED_AFTER + timedelta(minutes=1)
    assert services.import_is_stalled(lead_import, now=half_an_hour_on)

    # Half an hour of silence later the page says it stopped, and starts it again.
    earlier = timezone.now() - services.IMPORT_STALLED_AFTER - timedelta(minutes=1)
    LeadImport.objects.filter(pk=lead_import.pk).update(progress_at=earlier, uploaded_at=earlier)
    client = client_as(facilitator)
    page = client.get(lead_import.get_absolute_url()).content.decode()
    assert "The import stopped" in page and f"Import {ROWS} rows again</button>" in page
    client.post(lead_import.get_absolute_url(), {"action": "import"})
    assert task_queue.run() == 1
    lead_import.refresh_from_db()
    assert (lead_import.status, lead_import.created) == (LeadImport.Status.IMPORTED, ROWS)
    assert Lead.objects.filter(cycle=cycle).count() == ROWS
