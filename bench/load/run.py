"""The load run behind `make bench-load`: a generated company on PostgreSQL, gunicorn with
production settings, then Locust, page by page and for the mixed journey at 25, 50 and
100 requests a second; the tables go into docs/benchmarks.md.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/accord_load_bench \\
        .venv/bin/python bench/load/run.py [--leads 20000] [--seconds 20] [--workers 2]
"""

import argparse
import csv
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PORT = 8123
HOST = f"127.0.0.1:{PORT}"
PAGES = [
    "bare response",
    "layout only",
    "home",
    "definition",
    "proposal",
    "proposals list",
    "review queue",
    "lead",
    "numbers (cached)",
    "meetings list",
    "meeting",
    "review save",
    "vote",
]
RATES = [int(r) for r in os.environ.get("LOAD_RATES", "25,50,100").split(",")]
MARK_START = "<!-- load run: start -->"
MARK_END = "<!-- load run: end -->"


def server_env(url: str, code: Path = ROOT) -> dict:
    return {
        **os.environ,
        "ACCORD_ENV": "production",
        "SECRET_KEY": "load-run-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": f"https://{HOST}",
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "load_settings",
        "PYTHONPATH": f"{HERE}:{code}",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "LOG_LEVEL": "WARNING",
        "API_RATE_LIMIT": "100000/m",
    }


def world(url: str, leads: int) -> dict:
    """The company (as the numbers benchmark writes it), an open proposal, and a session for
    each rep; what the Locust file reads."""
    sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
    os.environ.update(server_env(url))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import numbers_bench as data

    data.database_ensure(url)
    import django

    django.setup()
    from datetime import timedelta

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from definitions import services as definition_services
    from definitions.models import Proposal
    from feedback.models import Lead, RejectionReason, ReviewCycle
    from meetings import services as meeting_services
    from meetings.models import Meeting

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--no-input", verbosity=0)
    definition, facilitator, reps = data.world()
    if Lead.objects.filter(definition=definition).count() != leads:
        data.feedback_empty()
        data.generate(definition, facilitator, reps, leads)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    proposal = Proposal.objects.filter(definition=definition, status="open").first()
    if proposal is None:
        proposal = definition_services.proposal_create(
            definition=definition,
            by=facilitator,
            kind="add_criterion",
            payload={"statement": "The lead's company has a named project", "evidence": "stated"},
            stage_key=definition.versions.get().stages.order_by("position")[1].key,
            rationale="Load run",
            closes_at=timezone.now() + timedelta(days=365),
            check_draft=False,
        )
    meeting = Meeting.objects.filter(definition=definition, title="Load run").first()
    if meeting is None:
        meeting = meeting_services.meeting_schedule(
            by=facilitator,
            definition=definition,
            kind=Meeting.Kind.KICKOFF,
            title="Load run",
            starts_at=timezone.now() + timedelta(days=7),
            invitees=reps,
        )
        for rep in reps[:6]:
            meeting_services.answers_save(
                meeting=meeting,
                person=rep,
                texts={q.pk: f"What {rep.full_name} calls a lead" for q in meeting.questions.all()},
            )
    cycle = ReviewCycle.objects.filter(definition=definition).order_by("-starts_at").first()
    people = []
    for rep in reps:
        session = SessionStore()
        session[SESSION_KEY] = str(rep.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
        session[HASH_SESSION_KEY] = rep.get_session_auth_hash()
        session.create()
        mine = Lead.objects.filter(cycle=cycle, rep=rep).order_by("pk")[:40]
        people.append(
            {
                "session": session.session_key,
                "queue": f"/feedback/cycles/{cycle.pk}/review/",
                "leads": [(lead.pk, f"/feedback/leads/{lead.pk}/") for lead in mine],
            }
        )
    return {
        "host": HOST,
        "leads": Lead.objects.filter(definition=definition).count(),
        "definition": f"/definitions/{definition.pk}/",
        "proposal": f"/definitions/{definition.pk}/proposals/{proposal.pk}/",
        "proposals": f"/definitions/{definition.pk}/proposals/",
        "meetings": "/meetings/",
        "meeting": f"/meetings/{meeting.pk}/",
        "vote": f"/definitions/{definition.pk}/proposals/{proposal.pk}/vote/",
        "numbers": f"/numbers/{definition.pk}/",
        "reason": str(RejectionReason.objects.filter(active=True).first().pk),
        "reps": people,
    }


def locust(csv_prefix: Path, seconds: int, users: int, rate: float, page: str = "") -> dict:
    """One headless Locust run; its per-request-kind rows from the stats CSV."""
    env = {**os.environ, "LOAD_PAGE": page, "LOAD_RATE_PER_USER": str(rate)}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(HERE / "locustfile.py"),
            "--headless",
            "--host",
            f"http://{HOST}",
            "-u",
            str(users),
            "-r",
            str(users),
            "-t",
            f"{seconds}s",
            "--only-summary",
            "--csv",
            str(csv_prefix),
            "--loglevel",
            "ERROR",
        ],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    with open(f"{csv_prefix}_stats.csv") as handle:
        return {row["Name"]: row for row in csv.DictReader(handle)}


def warm_up(state: dict, workers: int) -> None:
    """Each worker's first signed-in request imports and compiles what the pages need (about
    2 s on this machine); ask every page a few times before timing any, so that no table
    counts a worker's start."""
    rep = state["reps"][0]
    urls = [
        "/bench/bare/",
        "/bench/layout/",
        "/",
        state["definition"],
        state["proposal"],
        state["proposals"],
        rep["queue"],
        rep["leads"][0][1],
        state["numbers"],
        state["meetings"],
        state["meeting"],
    ]
    for url in urls:
        for _ in range(2 * workers):
            request = urllib.request.Request(
                f"http://{HOST}{url}",
                headers={"X-Forwarded-Proto": "https", "Cookie": f"sessionid={rep['session']}"},
            )
            with urllib.request.urlopen(request, timeout=120) as response:
                response.read()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=20_000)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-write", action="store_true", help="print, don't touch the docs")
    parser.add_argument(
        "--code",
        type=Path,
        default=ROOT,
        help="serve another checkout (e.g. the code before a change) against the same data",
    )
    parser.add_argument("--only", default="", help="comma-separated request kinds (default all)")
    parser.add_argument("--no-mixed", action="store_true", help="skip the mixed journey")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a throwaway PostgreSQL database.")
    state = world(url, args.leads)
    (HERE / "world.json").write_text(json.dumps(state))
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            HOST,
            "--workers",
            str(args.workers),
            "--chdir",
            str(args.code),
            "--access-logfile",
            "/dev/null",
            "config.wsgi:application",
        ],
        env=server_env(url, args.code.resolve()),
        # `python -m` puts the directory it starts in before PYTHONPATH: started from this
        # checkout, gunicorn would import this code whatever --chdir says.
        cwd=args.code.resolve(),
        start_new_session=True,
    )
    try:
        for _ in range(60):
            try:
                urllib.request.urlopen(f"http://{HOST}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        warm_up(state, args.workers)
        out = HERE / "out"
        out.mkdir(exist_ok=True)
        lines = [
            MARK_START,
            f"`make bench-load` ({time.strftime('%Y-%m-%d')}): {state['leads']:,} leads, "
            f"{len(state['reps'])} reps, gunicorn with {args.workers} workers on PostgreSQL, "
            f"production settings, Locust on the same machine, {args.seconds} s per row.",
            "",
            "Each page alone, as fast as 8 simulated people can ask (no pause):",
            "",
            "| request | req/s | share of the layout page | p50 | p95 | p99 | errors |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        layout = None
        for page in [p for p in PAGES if not args.only or p in args.only.split(",")]:
            rows = locust(out / re.sub(r"\W+", "_", page), args.seconds, 8, 0, page)
            # A page that answered nothing in the time has no row: say so rather than stop.
            row = rows.get(page) or {
                "Requests/s": "0",
                **dict.fromkeys(("50%", "95%", "99%"), f"> {args.seconds * 1000}"),
                "Failure Count": "no answer",
            }
            rps = float(row["Requests/s"])
            if page == "layout only":
                layout = rps
            share = f"{100 * rps / layout:.0f} %" if layout and page != "bare response" else ""
            lines.append(
                f"| {page} | {rps:.0f} | {share} | {row['50%']} ms | {row['95%']} ms "
                f"| {row['99%']} ms | {row['Failure Count']} |"
            )
            print(lines[-1], flush=True)
        lines += [
            "",
            "The mixed journey (60 % reads, 20 % review saves, 20 % votes) at a fixed rate:",
            "",
            "| rate asked | req/s served | p50 | p95 | p99 | errors | requests |",
            "|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for rate in [] if args.no_mixed else RATES:
            users = rate  # one request a second each
            rows = locust(out / f"mixed_{rate}", args.seconds, users, 1.0)
            total = rows["Aggregated"]
            lines.append(
                f"| {rate}/s | {float(total['Requests/s']):.0f} | {total['50%']} ms "
                f"| {total['95%']} ms | {total['99%']} ms | {total['Failure Count']} "
                f"| {total['Request Count']} |"
            )
            print(lines[-1], flush=True)
            for name, row in sorted(rows.items()):
                if name != "Aggregated":
                    print(f"    {name}: p95 {row['95%']} ms, {row['Failure Count']} errors")
        lines.append(MARK_END)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    section = "\n".join(lines)
    print(section)
    if not args.no_write:
        docs = ROOT / "docs" / "benchmarks.md"
        text = docs.read_text()
        if MARK_START in text:
            text = re.sub(
                re.escape(MARK_START) + ".*?" + re.escape(MARK_END),
                lambda _: section,
                text,
                flags=re.S,
            )
        else:
            text += "\n## Load: every page, and the mixed journey\n\n" + section + "\n"
        docs.write_text(text)


if __name__ == "__main__":
    main()
