"""Benchmark: the numbers page's server time over 100 000 leads and 100 000 feedback rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/accord_numbers_bench \\
        .venv/bin/python bench/numbers_bench.py --leads 100000

It creates the database if needed, migrates it, empties the feedback tables, then writes a
year of review cycles (26), the leads (bulk inserts: this is a benchmark, not the import),
their qualification checks (through the service, as an import does), one feedback row per
lead, the reasons of the rejections and outcomes for a fifth of the leads, then the leads'
figures (the one row per lead the services keep and the numbers read). It then renders
the numbers page through Django's test client (a full request: middleware, view, every
query, the template) several times and reports the median, for the whole page, an htmx
filter request, and each selector on its own, with the number of queries.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# The publication e-mails of the set-up are not what is measured.
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.dummy.EmailBackend")

SENIORITY = ["", "individual", "manager", "director", "vp", "c_level", "owner"]
EVIDENCE = ["none", "believed", "stated", "verified", "proven"]
SOURCES = ["web_inquiry", "webinar", "trade_show", "content_download", "purchased_list", "referral"]


def database_ensure(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def world():
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from accounts.models import User
    from definitions import services as definition_services
    from definitions.ladder import STARTING_LADDER
    from definitions.models import Definition, Submission

    def person(email, name, department, role=None):
        user, _ = User.objects.get_or_create(
            email=email, defaults={"full_name": name, "department": department}
        )
        if role:
            user.groups.add(Group.objects.get(name=role))
        return User.objects.get(pk=user.pk)

    facilitator = person("numbers-fac@example.com", "Bench Facilitator", "other", "Facilitator")
    executive = person("numbers-exec@example.com", "Bench Exec", "sales", "Executive")
    reps = [person(f"numbers-rep{i}@example.com", f"Rep {i}", "sales") for i in range(12)]
    definition = Definition.objects.filter(name="Numbers bench").first()
    if definition is None:
        definition = Definition.objects.create(
            name="Numbers bench", facilitator=facilitator, executive_sponsor=executive
        )
        submission = Submission.objects.create(
            definition=definition,
            content={"stages": STARTING_LADDER},
            change_summary="Bench",
            submitted_by=facilitator,
            status=Submission.Status.APPROVED,
            reviewed_by=executive,
            reviewed_at=timezone.now(),
        )
        definition_services.version_publish(submission=submission, by=executive)
    return definition, facilitator, reps


def feedback_empty() -> None:
    """Empty the feedback tables (a benchmark's database only)."""
    from django.db import connection

    tables = [
        "feedback_criterionresult",
        "feedback_leadcheck",
        "feedback_leadfigures",
        "feedback_rejectionfigures",
        "feedback_rejectionday",
        "feedback_figuressummary",
        "feedback_criterionsummary",
        "feedback_reasonsummary",
        "feedback_leadfeedback_reasons",
        "feedback_leadfeedback",
        "feedback_outcome",
        "feedback_lead",
        "feedback_historicallead",
        "feedback_reviewcycle",
    ]
    present = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(t for t in tables if t in present)} CASCADE")


def generate(definition, facilitator, reps, count: int) -> None:
    """Cycles, leads, checks, feedback, reasons and outcomes, written in bulk."""
    from django.db import transaction
    from django.utils import timezone

    from feedback import services
    from feedback.models import Lead, LeadFeedback, Outcome, RejectionReason, ReviewCycle

    rng = random.Random(7)
    version = definition.versions.get()
    now = timezone.now()
    start = now - timedelta(days=14 * 26)
    cycles = ReviewCycle.objects.bulk_create(
        ReviewCycle(
            definition=definition,
            version=version,
            starts_at=start + timedelta(days=14 * i),
            ends_at=start + timedelta(days=14 * (i + 1)),
            opened_by=facilitator,
        )
        for i in range(26)
    )
    reasons = list(RejectionReason.objects.all())
    unwritten = [r for r in reasons if r.kind == "unwritten"]
    leads = []
    for n in range(count):
        cycle = cycles[n * len(cycles) // count]
        leads.append(
            Lead(
                definition=definition,
                cycle=cycle,
                version=version,
                crm_reference=f"NB-{n}",
                company=f"Company {n}",
                email=f"p{n}@example.com" if rng.random() < 0.95 else "",
                phone="+44 20 7946 0000" if rng.random() < 0.75 else "",
                seniority=rng.choice(SENIORITY),
                industry=rng.choice(["Manufacturing", "Retail", "Software"]),
                company_size=rng.choice([None, 20, 60, 400, 5000]),
                source=rng.choice(SOURCES),
                permission_to_follow_up=rng.random() < 0.8,
                asked_for_information=rng.random() < 0.7,
                need_evidence=rng.choice(EVIDENCE),
                budget_evidence=rng.choice(EVIDENCE),
                authority_evidence=rng.choice(EVIDENCE),
                stage_handed_over=rng.choice(["lead", "lead", "accepted", "opportunity"]),
                handed_over_at=cycle.starts_at + timedelta(hours=rng.randint(1, 320)),
                rep=reps[n % len(reps)],
            )
        )
    with transaction.atomic():
        Lead.objects.bulk_create(leads, batch_size=5000)
        leads = list(Lead.objects.filter(definition=definition).order_by("pk"))
        services.leads_check(leads, fresh=True)
        feedback, decisions = [], []
        for lead in leads:
            decision = rng.choices(["accepted", "rejected", "recycled"], [45, 45, 10])[0]
            decisions.append(decision)
            feedback.append(
                LeadFeedback(
                    lead=lead,
                    cycle_id=lead.cycle_id,
                    version=version,
                    rep_id=lead.rep_id,
                    agrees_with_stage=decision == "accepted",
                    decision=decision,
                    created_at=lead.handed_over_at + timedelta(days=3),
                    updated_at=lead.handed_over_at + timedelta(days=3),
                )
            )
        LeadFeedback.objects.bulk_create(feedback, batch_size=5000)
        through = LeadFeedback.reasons.through
        links = []
        for row, decision in zip(feedback, decisions, strict=True):
            if decision == "accepted":
                continue
            picked = {rng.choice(reasons)}
            if rng.random() < 0.3:
                picked.add(rng.choice(unwritten))
            links.extend(through(leadfeedback_id=row.pk, rejectionreason_id=r.pk) for r in picked)
        through.objects.bulk_create(links, batch_size=10000)
        services.rejection_days_rebuild(definition_ids=[definition.pk])
        outcomes = []
        for lead in leads:
            if rng.random() > 0.2:
                continue
            result = rng.choice(["bought", "lost", "opportunity", "open", "no_decision"])
            outcomes.append(
                Outcome(
                    lead=lead,
                    result=result,
                    occurred_on=(lead.handed_over_at + timedelta(days=rng.randint(5, 300))).date(),
                    amount=Decimal(rng.randint(5, 90) * 1000) if result == "bought" else None,
                    recorded_by=facilitator,
                )
            )
        Outcome.objects.bulk_create(outcomes, batch_size=5000)
        # Written in bulk above, so the figures the services keep are rewritten here.
        services.figures_refresh([lead.pk for lead in leads])
    print(
        f"  wrote {len(leads):,} leads, {len(feedback):,} feedback rows, {len(links):,} reasons, "
        f"{len(outcomes):,} outcomes",
        flush=True,
    )


class QueryCounter(list):
    """An execute wrapper that keeps every statement run through it."""

    def __call__(self, execute, sql, params, many, context):
        self.append(sql)
        return execute(sql, params, many, context)


def median_ms(function, runs: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), times


def spread(times: list[float]) -> tuple[float, float, float]:
    return statistics.median(times), min(times), max(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="reuse the data already there")
    parser.add_argument(
        "--code",
        help="measure the code of another checkout (e.g. a worktree of the code before) "
        "against the same database; use with --keep",
    )
    args = parser.parse_args()
    if args.code:
        sys.path.insert(0, str(Path(args.code).resolve()))
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a throwaway PostgreSQL database.")
    database_ensure(url)

    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    settings.ALLOWED_HOSTS = ["*"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Keep one connection across requests, as a server with persistent connections does
    # (and so the captured queries survive the request).
    from django.core import signals
    from django.db import close_old_connections

    signals.request_finished.disconnect(close_old_connections)
    call_command("migrate", verbosity=0)
    from feedback.models import Lead, RejectionReason
    from numbers_app import backtest, criteria, figures, lead_lists, reasons, selectors
    from numbers_app.filters import Filters

    definition, facilitator, reps = world()
    if not args.keep or not Lead.objects.filter(definition=definition).exists():
        feedback_empty()
        start = time.perf_counter()
        generate(definition, facilitator, reps, args.leads)
        print(f"  generated in {time.perf_counter() - start:.0f} s", flush=True)
        # Statistics and visibility as autovacuum keeps them on a database in use (freshly
        # written rows are otherwise slower to read the first few times).
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    from feedback import selectors as feedback_selectors
    from feedback import services

    if getattr(feedback_selectors, "summaries_missing", lambda: False)():
        # Data written by code before the per-cycle summaries (or `--code` of it).
        start = time.perf_counter()
        services.summaries_rebuild()
        print(f"  added up the summaries in {time.perf_counter() - start:.0f} s", flush=True)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    import feedback

    print(f"code: {Path(feedback.__file__).resolve().parent.parent}")
    print(
        f"{Lead.objects.filter(definition=definition).count():,} leads, PostgreSQL "
        f"{connection.pg_version // 10000}, Python {sys.version.split()[0]}, {args.runs} runs"
    )

    client = Client()
    client.force_login(facilitator)
    page = f"/numbers/{definition.pk}/"

    def get(url, **headers):
        response = client.get(url, **headers)
        assert response.status_code == 200, response.status_code
        return response

    get(page)  # warm up: connections, template loading
    rows = []
    for label, url, headers in (
        ("whole page", page, {}),
        ("whole page, revenue target", page + "?revenue_target=2000000", {}),
        (
            "htmx filter (source = webinar)",
            page + "?source=webinar",
            {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "numbers-results"},
        ),
        (
            "htmx filter (one rep)",
            page + f"?rep={reps[0].pk}",
            {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "numbers-results"},
        ),
        (
            # Dates: the summaries keep no day, so these read the leads' own figures.
            "htmx filter (the last 90 days)",
            page + f"?date_from={(timezone.localdate() - timedelta(days=90)).isoformat()}",
            {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "numbers-results"},
        ),
    ):
        for state in ("computed", "from the cache"):
            if state == "computed":
                cache.clear()

            def request(url=url, headers=headers, state=state):
                if state == "computed":
                    cache.clear()
                return get(url, **headers)

            queries = QueryCounter()
            with connection.execute_wrapper(queries):
                request()
            median, times = median_ms(request, args.runs)
            rows.append((f"{label}, {state}", median, min(times), max(times), len(queries)))
    filters = Filters()
    total = figures.totals(definition, filters)

    def stamp():
        try:
            return selectors.data_stamp(definition)
        except TypeError:  # the code before: one stamp for every definition
            return selectors.data_stamp()

    parts = {
        "totals": lambda: figures.totals(definition, filters),
        **{
            f"acceptance by {dim}": (
                lambda dim=dim: figures.acceptance_by(definition, filters, dim)
            )
            for dim in figures.DIMENSIONS
        },
        "rejection reasons": lambda: reasons.rejection_reasons(
            definition, filters, total["rejected"]
        ),
        "per criterion": lambda: criteria.criteria_prediction(definition, filters),
        "disagreements": lambda: lead_lists.disagreements(definition, filters),
        "rejected then bought (list)": lambda: lead_lists.rejected_then_bought(definition, filters),
        "funnel": lambda: figures.funnel(definition, filters),
        "backtest of the draft": lambda: backtest.backtest(definition),
        "data stamp (the cache's key)": stamp,
    }
    # A rep's feedback save (the service: the lead, its figures and, with the summaries, the
    # sums of its cycle and rep), then the whole page as the next visitor gets it: the cache
    # holds the page from before the save, the data stamp says it is stale.
    lead = Lead.objects.filter(definition=definition).select_related("rep", "cycle").last()
    decisions = iter(["accepted", "rejected"] * args.runs)
    reason = RejectionReason.objects.filter(active=True).first()

    def save():
        decision = next(decisions)
        services.feedback_record(
            lead=lead,
            rep=lead.rep,
            agrees_with_stage=decision == "accepted",
            decision=decision,
            reasons=[reason] if decision == "rejected" else [],
        )

    get(page)
    saves, after = [], []
    for _ in range(args.runs):
        saves.append(median_ms(save, 1)[0])
        after.append(median_ms(lambda: get(page), 1)[0])
    rows.append(("one feedback save (the service)", *spread(saves), 0))
    rows.append(("whole page, the first view after a save", *spread(after), 0))
    print("\n| request | median | min | max | queries |\n|---|---:|---:|---:|---:|")
    for label, median, low, high, count in rows:
        print(f"| {label} | {median:.0f} ms | {low:.0f} ms | {high:.0f} ms | {count} |")
    print("\n| selector | median |\n|---|---:|")
    for label, function in parts.items():
        median, _ = median_ms(function, args.runs)
        print(f"| {label} | {median:.0f} ms |")


if __name__ == "__main__":
    main()
