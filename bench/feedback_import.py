"""Benchmark: import a generated HubSpot export of N leads, beside PostgreSQL's COPY.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/accord_bench \\
        .venv/bin/python bench/feedback_import.py --rows 100000

It creates the database if needed, migrates it, empties the feedback tables, then times:
reading the CSV, the dry run, the import (leads, their history rows, their checks and their
figures, in one transaction, with where its time goes), a re-import of the same file
(nothing to write), and COPY of the same rows into a copy of the lead table (same columns,
indexes and check constraints): the physical limit for writing them.
"""

import argparse
import functools
import io
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# The publication e-mails of the set-up are not what is measured.
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.dummy.EmailBackend")


def database_ensure(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


HEADER = [
    "Record ID",
    "First Name",
    "Last Name",
    "Email",
    "Phone Number",
    "Company Name",
    "Job Title",
    "Industry",
    "Number of Employees",
    "Lifecycle Stage",
    "Lead Status",
    "Contact owner",
    "Original Source",
    "Create Date",
]
TITLES = [
    "VP Operations",
    "CFO",
    "Director of Finance",
    "Operations Manager",
    "Analyst",
    "Head of Supply Chain",
    "Owner",
    "Marketing Coordinator",
]
INDUSTRIES = ["Manufacturing", "Logistics", "Retail", "Healthcare", "Software"]
SOURCES = ["Organic Search", "Paid Search", "Offline Sources", "Referrals", "Email Marketing"]
STAGES = ["lead", "marketingqualifiedlead", "salesqualifiedlead", "subscriber"]


def generate(rows: int, owners: list[str]) -> bytes:
    rng = random.Random(42)
    out = io.StringIO()
    out.write(",".join(HEADER) + "\r\n")
    for n in range(1, rows + 1):
        cells = [
            f"HS-{n}",
            f"First{n}",
            f"Last{n}",
            f"person{n}@example.com",
            f"+1 555 {n:07d}" if rng.random() < 0.8 else "",
            f'"Company {n}, Inc"',
            rng.choice(TITLES),
            rng.choice(INDUSTRIES),
            str(rng.choice([10, 60, 250, 1200, 5000])),
            rng.choice(STAGES),
            "New",
            owners[n % len(owners)],
            rng.choice(SOURCES),
            "2026-11-02 10:00",
        ]
        out.write(",".join(cells) + "\r\n")
    return out.getvalue().encode("utf-8")


def setup_world():
    from django.contrib.auth.models import Group

    from accounts.models import User
    from definitions import services as definition_services
    from definitions.ladder import STARTING_LADDER
    from definitions.models import Definition, Submission
    from feedback import services

    facilitator, _ = User.objects.get_or_create(
        email="bench-facilitator@example.com",
        defaults={"full_name": "Bench Facilitator", "department": "other"},
    )
    facilitator.groups.add(Group.objects.get(name="Facilitator"))
    executive, _ = User.objects.get_or_create(
        email="bench-exec@example.com", defaults={"full_name": "Bench Exec", "department": "sales"}
    )
    executive.groups.add(Group.objects.get(name="Executive"))
    reps = [
        User.objects.get_or_create(
            email=f"bench-rep{i}@example.com",
            defaults={"full_name": f"Bench Rep {i}", "department": "sales"},
        )[0]
        for i in range(8)
    ]
    facilitator = User.objects.get(pk=facilitator.pk)  # fresh permission cache
    definition = Definition.objects.filter(name="Bench definition").first()
    if definition is None:
        definition = Definition.objects.create(
            name="Bench definition", facilitator=facilitator, executive_sponsor=executive
        )
        submission = Submission.objects.create(
            definition=definition,
            content={"stages": STARTING_LADDER},
            change_summary="Bench",
            submitted_by=facilitator,
            status=Submission.Status.APPROVED,
            reviewed_by=executive,
            reviewed_at=definition.created_at,
        )
        definition_services.version_publish(submission=submission, by=executive)
    from feedback.models import ReviewCycle

    cycle = ReviewCycle.objects.filter(definition=definition).first() or services.cycle_open(
        definition=definition, by=facilitator
    )
    return facilitator, reps, cycle


def timed(label: str, results: dict, function):
    start = time.perf_counter()
    value = function()
    results[label] = time.perf_counter() - start
    print(f"  {label:<44} {results[label]:8.2f} s", flush=True)
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database: the benchmark compares with COPY.")
    database_ensure(url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE feedback_criterionresult, feedback_leadcheck, feedback_leadfigures, "
            "feedback_leadfeedback_reasons, "
            "feedback_leadfeedback, feedback_outcome, feedback_lead, feedback_historicallead "
            "CASCADE"
        )

    from feedback import csv_io, services
    from feedback.models import Lead, LeadCheck

    facilitator, reps, cycle = setup_world()
    data = generate(args.rows, [rep.email for rep in reps])
    print(
        f"{args.rows:,} rows, {len(data) / 1024 / 1024:.1f} MB, PostgreSQL "
        f"{connection.pg_version // 10000}, Python {sys.version.split()[0]}"
    )
    results: dict[str, float] = {}
    table = timed(
        "read and parse the CSV",
        results,
        lambda: csv_io.csv_read(data, max_bytes=10**9, max_rows=args.rows),
    )
    crm, mapping = csv_io.format_recognise(table.header)

    def run(dry_run: bool):
        return services.leads_import(
            table=table,
            mapping=mapping,
            cycle=cycle,
            by=facilitator,
            dry_run=dry_run,
            source_name="bench.csv",
            choices=services.import_choices(crm.key),
        )

    # Where the import's time goes: its steps timed as it calls them, and the commit (with
    # the deferred foreign-key checks) after leads_import returns.
    parts: dict[str, float] = {}

    # The steps as the import's writer calls them (names looked up in its module).
    from feedback.services import import_writes

    def stopwatch(name: str, label: str) -> None:
        function = getattr(import_writes, name)

        @functools.wraps(function)
        def timed_step(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                parts[label] = parts.get(label, 0.0) + time.perf_counter() - start

        setattr(import_writes, name, timed_step)

    stopwatch("lead_rows_parse", "validate the rows")
    stopwatch("_existing_lead_values", "look up existing leads")
    stopwatch("_leads_copy", "write leads and history rows (COPY)")
    stopwatch("leads_check", "the check")

    def run_and_commit():
        with transaction.atomic():
            report = run(False)
            returned = time.perf_counter()
        parts["commit (deferred foreign-key checks)"] = time.perf_counter() - returned
        return report

    timed("dry run (validate every row)", results, lambda: run(True))
    parts.clear()
    report = timed("import: leads + history + checks", results, run_and_commit)
    parts["other (building the rows, ...)"] = results["import: leads + history + checks"] - sum(
        parts.values()
    )
    for label, seconds in parts.items():
        print(f"    {label:<42} {seconds:8.2f} s")
    assert report.created == args.rows, report
    history_rows = Lead.history.count()
    again = timed("re-import of the same file (no writes)", results, lambda: run(False))
    assert (again.created, again.changed) == (0, 0) and Lead.history.count() == history_rows

    # The check alone: in one transaction (as "re-run the check" ran inside the request,
    # every lead of the cycle locked throughout), then as its background task does it, in
    # committed batches; the longest batch is the longest a rep's save can wait for it.
    leads = list(Lead.objects.filter(cycle=cycle).order_by("pk"))
    timed(
        "re-run the check, one transaction",
        results,
        lambda: transaction.atomic()(services.leads_check)(leads),
    )
    assert LeadCheck.objects.count() == args.rows
    from feedback.models import CycleRecheck
    from feedback.services import rechecks

    batches: list[float] = []
    batch_check = rechecks.leads_check

    def batch_timed(batch, **kwargs):
        start = time.perf_counter()
        try:
            return batch_check(batch, **kwargs)
        finally:
            batches.append(time.perf_counter() - start)

    rechecks.leads_check = batch_timed
    recheck = CycleRecheck.objects.create(cycle=cycle, requested_by=facilitator, total=args.rows)
    checked = timed(
        "re-run the check, the background task",
        results,
        lambda: services.recheck_task_run(recheck_id=recheck.pk),
    )
    rechecks.leads_check = batch_check
    assert checked == args.rows and LeadCheck.objects.count() == args.rows
    print(
        f"    {len(batches)} batches of {rechecks.RECHECK_BATCH}: the longest "
        f"{max(batches):.2f} s, median {statistics.median(batches):.2f} s"
    )

    # COPY: the same rows, as the import stored them, into copies of the tables (same
    # columns, indexes and constraints). First the lead rows alone, then every row the
    # import writes: leads, their history, their checks and their figures.
    def dump(table: str) -> tuple[str, bytes]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                "AND is_identity = 'NO' ORDER BY ordinal_position",
                [table],
            )
            columns = ", ".join(row[0] for row in cursor.fetchall())
            out = io.BytesIO()
            with cursor.copy(f"COPY (SELECT {columns} FROM {table}) TO STDOUT") as copy:
                for chunk in copy:
                    out.write(bytes(chunk))
        return columns, out.getvalue()

    def copy_rows(dumps: dict[str, tuple[str, bytes]]) -> float:
        elapsed = 0.0
        with transaction.atomic(), connection.cursor() as cursor:
            for table, (columns, payload) in dumps.items():
                cursor.execute(f"DROP TABLE IF EXISTS bench_{table}")
                cursor.execute(f"CREATE TABLE bench_{table} (LIKE {table} INCLUDING ALL)")
                start = time.perf_counter()
                with cursor.copy(f"COPY bench_{table} ({columns}) FROM STDIN") as copy:
                    copy.write(payload)
                elapsed += time.perf_counter() - start
                cursor.execute(f"DROP TABLE bench_{table}")
        return elapsed

    leads_only = {"feedback_lead": dump("feedback_lead")}
    everything = {
        table: dump(table)
        for table in (
            "feedback_lead",
            "feedback_historicallead",
            "feedback_leadcheck",
            "feedback_leadfigures",
        )
    }
    written = sum(payload.count(b"\n") for _, payload in everything.values())
    copy_rows(leads_only)  # warm up
    for label, dumps in (
        ("COPY of the same lead rows", leads_only),
        (f"COPY of every row the import wrote ({written:,})", everything),
    ):
        results[label] = min(copy_rows(dumps) for _ in range(3))
        print(f"  {label:<44} {results[label]:8.2f} s")

    imported = results["import: leads + history + checks"]
    lead_copy = results["COPY of the same lead rows"]
    all_copy = results[f"COPY of every row the import wrote ({written:,})"]
    print()
    print(
        f"import: {args.rows / imported:,.0f} leads/s; COPY of the lead rows: "
        f"{args.rows / lead_copy:,.0f} rows/s; import / COPY = {imported / lead_copy:.1f}x; "
        f"import / COPY of every row written = {imported / all_copy:.1f}x"
    )


if __name__ == "__main__":
    main()
