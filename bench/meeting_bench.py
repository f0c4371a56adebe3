"""Benchmark: the server time of the meeting page (`/meetings/<pk>/`), two checkouts side by
side in one run, with production settings (DEBUG off, the cached template loader, manifest
static files).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/accord_meeting_bench \\
        .venv/bin/python bench/meeting_bench.py --code /path/to/the/code/before

It loads the demo company (`seed_demo`: a closed kickoff and a planned confirmation meeting
with two proposals on its agenda) and one bigger meeting (40 invitees, half of whom
answered the four questions), then asks each page through Django's test client (a full
request: middleware, view, every query, the template) from one process per checkout, the
checkouts taking turns round after round so that both see the same load on the machine.
It reports each page's median and spread, its queries and the size of its HTML.
`--profile PAGE` prints where that page's time goes instead (cProfile, this checkout).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIG = "Bench: forty invitees"
PAGES = {
    "kickoff (closed), as a rep": ("sam@northwind.example", "Kickoff: what do we call a lead?"),
    "confirmation (planned), as a rep": (
        "sam@northwind.example",
        "Confirmation: the criteria from the kickoff",
    ),
    "confirmation, as its facilitator": (
        "facilitator@northwind.example",
        "Confirmation: the criteria from the kickoff",
    ),
    "40 invitees, as a rep": ("sam@northwind.example", BIG),
    "40 invitees, as its facilitator": ("facilitator@northwind.example", BIG),
}


def production_env(code: Path) -> dict:
    return {
        **os.environ,
        "ACCORD_ENV": "production",
        "SECRET_KEY": "meeting-bench-" + "x" * 50,
        "ALLOWED_HOSTS": "testserver",
        "SITE_URL": "https://testserver",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "PYTHONPATH": str(code),
        "LOG_LEVEL": "WARNING",
    }


def setup(code: Path) -> None:
    os.environ.update(production_env(code))
    sys.path.insert(0, str(code))
    import django

    django.setup()


def prepare(code: Path) -> None:
    """The database, its tables, the demo and the bigger meeting (idempotent)."""
    sys.path.insert(0, str(HERE))
    import numbers_bench as data

    data.database_ensure(os.environ["DATABASE_URL"])
    setup(code)
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from accounts.models import User
    from meetings import services
    from meetings.models import Meeting

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--no-input", verbosity=0)
    call_command("seed_demo", verbosity=0)
    if not Meeting.objects.filter(title=BIG).exists():
        facilitator = User.objects.get(email="facilitator@northwind.example")
        kickoff = Meeting.objects.get(title=PAGES["kickoff (closed), as a rep"][1])
        people = [
            User.objects.get_or_create(
                email=f"bench{i}@northwind.example",
                defaults={
                    "full_name": f"Bench Person {i:02}",
                    "department": ("marketing", "sales")[i % 2],
                },
            )[0]
            for i in range(39)
        ]
        people.append(User.objects.get(email="sam@northwind.example"))
        meeting = services.meeting_schedule(
            by=facilitator,
            definition=kickoff.definition,
            kind=Meeting.Kind.KICKOFF,
            title=BIG,
            starts_at=timezone.now() + timedelta(days=3),
            invitees=people,
        )
        questions = list(meeting.questions.all())
        for person in people[::2]:
            services.answers_save(
                meeting=meeting,
                person=person,
                texts={q.pk: f"What {person.full_name} calls a lead" for q in questions},
            )


class QueryCount(list):
    def __call__(self, execute, sql, *rest):
        self.append(sql)
        return execute(sql, *rest)


def child(code: Path, runs: int) -> None:
    """Time every page with this process's code; print one JSON line."""
    setup(code)
    if not (code / "staticfiles" / "staticfiles.json").exists():
        from django.core.management import call_command

        call_command("collectstatic", "--no-input", verbosity=0)
    from django.db import connection
    from django.test import Client

    from accounts.models import User
    from meetings.models import Meeting

    results = {}
    for label, (email, title) in PAGES.items():
        client = Client()
        client.force_login(User.objects.get(email=email))
        url = f"/meetings/{Meeting.objects.get(title=title).pk}/"
        for _ in range(3):  # warm the caches, the session and the template loader
            response = client.get(url, secure=True)
            assert response.status_code == 200, (label, response.status_code)
        queries = QueryCount()
        with connection.execute_wrapper(queries):
            response = client.get(url, secure=True)
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            client.get(url, secure=True)
            times.append((time.perf_counter() - start) * 1000)
        results[label] = {"times": times, "queries": len(queries), "size": len(response.content)}
    print(json.dumps(results))


def profile(code: Path, page: str) -> None:
    import cProfile
    import pstats

    setup(code)
    from django.test import Client

    from accounts.models import User
    from meetings.models import Meeting

    email, title = PAGES[page]
    client = Client()
    client.force_login(User.objects.get(email=email))
    url = f"/meetings/{Meeting.objects.get(title=title).pk}/"
    for _ in range(3):
        client.get(url, secure=True)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(20):
        client.get(url, secure=True)
    profiler.disable()
    stats = pstats.Stats(profiler).sort_stats("cumulative")
    stats.print_stats(45)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code", type=Path, help="the other checkout, timed beside this one")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runs", type=int, default=15, help="requests per page per round")
    parser.add_argument("--profile", choices=PAGES, help="profile one page instead")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a throwaway PostgreSQL database.")
    if args.child:
        return child(args.child.resolve(), args.runs)
    this = HERE.parent.resolve()
    if args.prepare:
        return prepare(this)
    if args.profile:
        prepare(this)
        return profile(this, args.profile)
    codes = {"this checkout": this}
    if args.code:
        codes = {"before": args.code.resolve(), "after": this}
    # The data is written by this checkout once; the children only read it.
    subprocess.run([sys.executable, __file__, "--prepare"], env=production_env(this), check=True)
    results = {name: {} for name in codes}
    for _ in range(args.rounds):
        for name, code in codes.items():
            out = subprocess.run(
                [sys.executable, __file__, "--child", str(code), "--runs", str(args.runs)],
                env=production_env(code),
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            for label, figures in json.loads(out.strip().splitlines()[-1]).items():
                page = results[name].setdefault(label, {"times": [], **figures})
                page["times"] = [*page["times"], *figures["times"]]
    names = list(codes)
    head = " | ".join(f"{n}: median | {n}: p90 | queries | HTML" for n in names)
    print(f"\n| page | {head} |\n|---|" + "---:|" * (4 * len(names)))
    for label in PAGES:
        cells = []
        for name in names:
            page = results[name][label]
            times = sorted(page["times"])
            cells += [
                f"{statistics.median(times):.0f} ms",
                f"{times[int(len(times) * 0.9) - 1]:.0f} ms",
                str(page["queries"]),
                f"{page['size'] / 1024:.0f} KB",
            ]
        print(f"| {label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
