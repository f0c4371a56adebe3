"""Import a large CSV of leads (or outcomes) from the command line, by the page's rules."""

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from feedback import csv_io, services
from feedback.models import LeadImport, ReviewCycle


class Command(BaseCommand):
    help = (
        "Import leads or outcomes from a CSV into a review cycle: all rows or none, upserted "
        "by CRM reference. Without the upload page's size and row limits; recorded in the "
        "imports list as the page's uploads are."
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
        parser.add_argument(
            "--dates",
            choices=list(csv_io.DATE_ORDERS),
            help="How the file writes dates, where its values do not tell (dmy, mdy, ymd).",
        )
        parser.add_argument(
            "--decimal",
            choices=list(csv_io.DECIMAL_SIGNS),
            help="The file's decimal sign, where its numbers do not tell (',' or '.').",
        )
        parser.add_argument("--dry-run", action="store_true", help="Validate, write nothing.")

    def handle(self, *args, path: Path, cycle: int, by: str, kind: str, **options):
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from None
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
        mapping = None
        if options["mapping"]:
            try:
                mapping = json.loads(options["mapping"])
            except json.JSONDecodeError as error:
                raise CommandError(f"--mapping is not JSON: {error}.") from None
        try:
            lead_import = services.import_upload(
                data=data,
                filename=path.name,
                by=user,
                kind=kind,
                cycle=found_cycle,
                fallback_rep=fallback,
                via=LeadImport.Via.COMMAND,
            )
        except csv_io.CsvRejected as error:
            raise CommandError(str(error)) from None
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        if mapping is None and kind == "leads" and not lead_import.format_name:
            lead_import.delete()
            raise CommandError("The file is not a known CRM export: give --mapping.")
        if lead_import.format_name:
            self.stdout.write(f"Recognised: {lead_import.format_name}.")
        services.import_map(
            lead_import=lead_import,
            mapping=lead_import.mapping if mapping is None else mapping,
            reading={"dates": options["dates"] or "", "decimal": options["decimal"] or ""},
            by=user,
        )

        def progress(done, total):
            self.stdout.write(f"  {done:,} of {total:,} rows written")

        if options["dry_run"]:
            report = services.import_dry_run(lead_import=lead_import, by=user)
        else:
            report = services.import_apply(lead_import=lead_import, by=user, progress=progress)
        for reading in report.readings:
            self.stdout.write(f"Read {reading}.")
        problems = report.problems()
        for problem in problems[:200]:
            where = "File"
            if problem["line"] is not None:
                lines = ", ".join(map(str, problem["lines"]))
                more = problem["count"] - len(problem["lines"])
                where = f"Line{'s' * (problem['count'] > 1)} {lines}"
                where += f" and {more:,} more" if more > 0 else ""
            field = f", {problem['field']}" if problem["field"] else ""
            self.stderr.write(f"{where}{field}: {problem['message']}")
        if report.errors:
            more = len(problems) - 200
            raise CommandError(
                f"{len(report.errors)} problem(s){f' ({more} kinds not shown)' if more > 0 else ''}"
                ": nothing was imported."
            )
        verb = "Would create" if options["dry_run"] else "Created"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {report.created:,}, changed {report.changed:,}, "
                f"left {report.unchanged:,} unchanged of {report.row_count:,} rows."
            )
        )
