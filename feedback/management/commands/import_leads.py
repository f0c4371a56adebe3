"""Import a large CSV of leads (or outcomes) from the command line, by the page's rules."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from feedback import csv_io, services
from feedback.models import ReviewCycle


class Command(BaseCommand):
    help = (
        "Import leads or outcomes from a CSV into a review cycle: all rows or none, upserted "
        "by CRM reference. Without the upload page's size and row limits."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--cycle", type=int, required=True, help="The review cycle's id.")
        parser.add_argument(
            "--by", required=True, help="E-mail of the facilitator the history records."
        )
        parser.add_argument("--kind", choices=["leads", "outcomes"], default="leads")
        parser.add_argument("--fallback-rep", help="E-mail of the rep for unknown owners.")
        parser.add_argument(
            "--mapping",
            help='JSON {"column": "field"} for files that are not a known CRM export.',
        )
        parser.add_argument("--dry-run", action="store_true", help="Validate, write nothing.")

    def handle(self, *args, path: Path, cycle: int, by: str, kind: str, **options):
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from None
        try:
            table = csv_io.csv_read(data, max_bytes=10**12, max_rows=10**9)
        except csv_io.CsvRejected as error:
            raise CommandError(str(error)) from None
        found_cycle = ReviewCycle.objects.filter(pk=cycle).select_related("definition").first()
        if found_cycle is None:
            raise CommandError(f"There is no review cycle {cycle}.")
        user = User.objects.filter(email__iexact=by).first()
        if user is None or not user.has_perm("feedback.facilitate"):
            raise CommandError(f"{by} is not a facilitator.")
        fallback = None
        if options["fallback_rep"]:
            fallback = User.objects.filter(email__iexact=options["fallback_rep"]).first()
            if fallback is None:
                raise CommandError(f"There is no person {options['fallback_rep']}.")
        if options["mapping"]:
            try:
                mapping = json.loads(options["mapping"])
            except json.JSONDecodeError as error:
                raise CommandError(f"--mapping is not JSON: {error}.") from None
        elif kind == "leads":
            crm, mapping = csv_io.format_recognise(table.header)
            if crm is None:
                raise CommandError("The file is not a known CRM export: give --mapping.")
            self.stdout.write(f"Recognised: {crm.name}.")
        else:
            mapping = csv_io.mapping_guess(table.header, csv_io.OUTCOME_TARGETS)

        def progress(done, total):
            self.stdout.write(f"  {done:,} of {total:,} rows written")

        common = dict(
            table=table, mapping=mapping, by=user, dry_run=options["dry_run"], source_name=path.name
        )
        try:
            if kind == "leads":
                report = services.leads_import(
                    cycle=found_cycle, fallback_rep=fallback, progress=progress, **common
                )
            else:
                report = services.outcomes_import(definition=found_cycle.definition, **common)
        except services.ImportFailed as failure:
            report = failure.report
        for error in report.errors[:200]:
            where = f"Line {error['line']}" if error["line"] else "File"
            field = f", {error['field']}" if error["field"] else ""
            self.stderr.write(f"{where}{field}: {error['message']}")
        if report.errors:
            more = len(report.errors) - 200
            raise CommandError(
                f"{len(report.errors)} problem(s){f' ({more} not shown)' if more > 0 else ''}: "
                "nothing was imported."
            )
        verb = "Would create" if options["dry_run"] else "Created"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {report.created:,}, changed {report.changed:,}, "
                f"left {report.unchanged:,} unchanged of {report.row_count:,} rows."
            )
        )
