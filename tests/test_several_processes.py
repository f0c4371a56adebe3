"""Several app servers and a worker, as production runs them: PostgreSQL and Redis shared.

Two gunicorn processes (each one worker, on its own port, so we know who answered) and one
`manage.py db_worker` run against the test database and a Redis database. The test shows
that an import started on one server is run by the worker, that its progress is seen from
both servers while it runs, and that the API's rate limit holds across both.

It needs PostgreSQL (the suite's PostgreSQL pass) and Redis (`TEST_REDIS_URL`, by default
redis://127.0.0.1:6379/6). Outside CI it skips, saying why, when either is missing; in CI
(CI=true) a missing Redis fails it.
"""

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.db import connection, transaction
from django.test import Client

from feedback import services
from feedback.models import Lead, LeadImport
from tests.feedback.csvs import hubspot_file, hubspot_row
from tests.feedback.factories import QUALIFIED, cycle_make, lead_make, rep_make

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/6")
IN_CI = os.environ.get("CI", "").lower() == "true"
SERVER = [sys.executable, "-m", "gunicorn", "config.wsgi", "--workers", "1", "--timeout", "60"]
WORKER = [sys.executable, "manage.py", "db_worker", "--interval", "0.2", "--no-reload"]
WORKER += ["--no-startup-delay", "--worker-id", "worker-under-test"]


def redis_problem() -> str | None:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as error:
        return f"Redis at {REDIS_URL} is not reachable ({error})"
    return None


@pytest.fixture
def shared_services():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: runs in the suite's PostgreSQL pass (DATABASE_URL)")
    problem = redis_problem()
    if problem:
        if IN_CI:
            pytest.fail(f"{problem}: CI must run the several-process test.")
        pytest.skip(f"{problem}; set TEST_REDIS_URL or start redis-server to run it")
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    yield
    redis.Redis.from_url(REDIS_URL).flushdb()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check, what: str, timeout: float = 180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"Timed out waiting for {what}")


@pytest.fixture
def servers(shared_services, transactional_db, tmp_path):
    """Two gunicorn servers and a task worker on the test database and Redis."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CACHE_URL": REDIS_URL,
        "TASK_BACKEND": "database",
        "API_RATE_LIMIT": "10/m",
        "DEBUG": "false",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    ports = [free_port(), free_port()]
    processes = []
    logs = []
    try:
        for port in ports:
            log = open(tmp_path / f"server-{port}.log", "w")  # noqa: SIM115
            logs.append(log)
            processes.append(
                subprocess.Popen(
                    [*SERVER, "--bind", f"127.0.0.1:{port}"],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        log = open(tmp_path / "worker.log", "w")  # noqa: SIM115
        logs.append(log)
        processes.append(
            subprocess.Popen(
                WORKER,
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        for base in bases:

            def up(base=base):
                try:
                    return requests.get(f"{base}/healthz", timeout=5).ok
                except requests.RequestException:
                    return False

            wait_until(up, f"{base} to answer")
        yield bases
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in logs:
            log.close()


def signed_in(user) -> requests.Session:
    """A browser session for `user` (sessions live in the shared database)."""
    client = Client()
    client.force_login(user)
    session = requests.Session()
    session.cookies.set("sessionid", client.cookies["sessionid"].value)
    return session


def progress_text(session, base: str, lead_import) -> str:
    response = session.get(f"{base}/feedback/imports/{lead_import.pk}/progress/", timeout=5)
    assert response.status_code == 200, response.text[:500]
    return response.text


@pytest.mark.django_db(transaction=True)
def test_two_servers_and_a_worker_share_the_import_the_queue_and_the_rate_limit(servers):
    a, b = servers
    cycle = cycle_make()
    facilitator = cycle.definition.facilitator
    rep = rep_make(email="sam@northwind.example")
    held = lead_make(cycle, rep=rep, crm_reference="HS-1", company="Before")
    rows = [hubspot_row(n, rep.email) for n in range(1, 7)]
    lead_import = services.import_upload(
        data=hubspot_file(6, rep.email, rows=rows), filename="six.csv", by=facilitator, cycle=cycle
    )
    services.import_dry_run(lead_import=lead_import, by=facilitator)
    browser = signed_in(facilitator)

    # Server A takes the click; the worker runs the import. While this test holds a lock on
    # the one lead the file changes, the import stops after writing the five new ones: the
    # moment to ask both servers how far it got.
    with transaction.atomic():
        Lead.objects.select_for_update().get(pk=held.pk)
        page = browser.get(f"{a}/feedback/imports/{lead_import.pk}/", timeout=5)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        response = browser.post(
            f"{a}/feedback/imports/{lead_import.pk}/",
            data={"action": "import", "csrfmiddlewaretoken": token},
            headers={"Referer": f"{a}/feedback/imports/{lead_import.pk}/"},
            timeout=10,
            allow_redirects=False,
        )
        assert response.status_code == 302, response.text[:500]
        seen_b = wait_until(
            lambda: (
                "5 of 6 rows written" in (text := progress_text(browser, b, lead_import)) and text
            ),
            "server B to show the import's progress",
        )
        assert 'hx-trigger="every 1s"' in seen_b
        assert "5 of 6 rows written" in progress_text(browser, a, lead_import)
        assert "5 of 6 rows written" in browser.get(f"{b}/feedback/imports/{lead_import.pk}/").text
        assert not Lead.objects.filter(crm_reference="HS-2").exists()  # all or nothing
        # The figures are in the database, committed while the import's transaction is open.
        assert LeadImport.objects.values_list("progress_done", "progress_total").get(
            pk=lead_import.pk
        ) == (5, 6)
    wait_until(lambda: "Imported" in progress_text(browser, b, lead_import), "the import's end")
    lead_import.refresh_from_db()
    assert (lead_import.status, lead_import.created, lead_import.changed) == ("imported", 5, 1)
    assert Lead.objects.filter(cycle=cycle).count() == 6

    from django_tasks_db.models import DBTaskResult

    task = DBTaskResult.objects.get(task_path="feedback.tasks.import_run")
    assert task.status == "SUCCESSFUL"
    assert task.worker_ids == ["worker-under-test"]

    # The API rate limit (10 a minute) counts the requests to both servers together.
    from accounts.services import api_token_create

    _, raw = api_token_create(user=facilitator, name="Load")
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {raw}"
    answers = [api.get(f"{base}/api/v1/definitions", timeout=5).status_code for base in (a, b) * 8]
    assert answers.count(200) == 10, answers
    assert answers.count(429) == 6, answers


@pytest.mark.django_db(transaction=True)
def test_a_page_kept_by_one_server_shows_what_another_server_wrote(servers):
    a, b = servers
    cycle = cycle_make()
    rep = rep_make(email="rita@northwind.example")
    lead = lead_make(cycle, rep=rep, company="Kestrel Freight", **QUALIFIED)
    browser = signed_in(rep)
    queue = f"/feedback/cycles/{cycle.pk}/review/"
    browser.get(f"{b}{queue}", timeout=5)  # the first visit gives the form token
    # A page drawn carries a newly masked form token each time: a page read as it was kept
    # is the same, byte for byte.
    kept = browser.get(f"{b}{queue}", timeout=5).text
    assert browser.get(f"{b}{queue}", timeout=5).text == kept
    assert "0 of 1 reviewed" in kept

    # Server A saves a review; server B's next page shows it.
    token = browser.cookies["csrftoken"]
    saved = browser.post(
        f"{a}{queue}{lead.pk}/",
        data={f"lead-{lead.pk}-agrees_with_stage": "yes", f"lead-{lead.pk}-decision": "accepted"},
        headers={"X-CSRFToken": token, "HX-Request": "true", "Referer": f"{a}{queue}"},
        timeout=10,
    )
    assert saved.status_code == 200, saved.text[:500]
    assert "1 of 1 reviewed" in browser.get(f"{b}{queue}", timeout=5).text
