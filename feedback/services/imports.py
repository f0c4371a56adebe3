"""The import pages' steps: upload, map, dry run, apply, and the background task."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.decorators import permission_require
from accounts.models import User
from feedback import csv_io
from feedback.models import (
    LeadImport,
    ReviewCycle,
)
from feedback.services.import_rows import ImportFailed, ImportReport, import_choices
from feedback.services.import_writes import leads_import, outcomes_import
from feedback.services.leads import rep_check


@transaction.atomic
def import_upload(
    *,
    data: bytes,
    filename: str,
    by: User,
    kind: str = LeadImport.Kind.LEADS,
    cycle: ReviewCycle | None = None,
    fallback_rep: User | None = None,
    via: str = LeadImport.Via.PAGE,
) -> LeadImport:
    """Keep an upload for its next steps; raises CsvRejected when the file cannot be read.
    The command's files (`via`) have no size or row limit."""
    permission_require(by, "feedback.facilitate", action="import leads")
    if fallback_rep is not None:
        rep_check(fallback_rep)
    table = csv_io.csv_read(data, **import_limits(via))
    if kind == LeadImport.Kind.LEADS:
        crm, mapping = csv_io.format_recognise(table.header)
        if crm is None:
            mapping = csv_io.mapping_guess(table.header, csv_io.LEAD_TARGETS)
    else:
        crm, mapping = None, csv_io.mapping_guess(table.header, csv_io.OUTCOME_TARGETS)
    lead_import = LeadImport(
        kind=kind,
        cycle=cycle,
        fallback_rep=fallback_rep,
        filename=filename.replace("\x00", "")[:255],
        content=data,
        format_name=crm.name if crm else "",
        mapping=mapping,
        reading={"crm": crm.key} if crm else {},
        via=via,
        row_count=len(table.rows),
        uploaded_by=by,
    )
    lead_import.full_clean(exclude=["content"])
    lead_import.save()
    return lead_import


def import_limits(via: str) -> dict:
    """The size and row limits of a file brought in this way (the command has none)."""
    if via == LeadImport.Via.COMMAND:
        return {"max_bytes": 10**12, "max_rows": 10**9}
    return {}


def _import_run(lead_import: LeadImport, *, by: User, dry_run: bool, progress=None):
    table = csv_io.csv_read(bytes(lead_import.content), **import_limits(lead_import.via))
    choices = import_choices(lead_import.reading.get("crm", ""), lead_import.reading)
    if lead_import.kind == LeadImport.Kind.LEADS:
        return leads_import(
            table=table,
            mapping=lead_import.mapping,
            cycle=lead_import.cycle,
            by=by,
            fallback_rep=lead_import.fallback_rep,
            dry_run=dry_run,
            source_name=lead_import.filename,
            progress=progress,
            choices=choices,
        )
    return outcomes_import(
        table=table,
        mapping=lead_import.mapping,
        definition=lead_import.cycle.definition,
        by=by,
        dry_run=dry_run,
        source_name=lead_import.filename,
        choices=choices,
    )


def _import_note(lead_import: LeadImport, report: ImportReport, status: str) -> None:
    lead_import.errors = report.problems()
    lead_import.problem_count = len(report.errors)
    lead_import.created, lead_import.changed = report.created, report.changed
    lead_import.unchanged = report.unchanged
    lead_import.status = status
    if status == LeadImport.Status.IMPORTED:
        lead_import.imported_at = timezone.now()
    lead_import.save()


def import_map(
    *, lead_import: LeadImport, mapping: dict[str, str], by: User, reading: dict | None = None
) -> LeadImport:
    """Keep the columns' mapping and how to read dates, numbers and stages (`reading`:
    "dates", "decimal", "stages"; blank values mean as detected)."""
    permission_require(by, "feedback.facilitate", action="import leads")
    if lead_import.status == LeadImport.Status.IMPORTED:
        raise ValidationError("This file has already been imported.")
    lead_import.mapping = {column: target for column, target in mapping.items() if target}
    if reading is not None:
        kept = {"crm": lead_import.reading.get("crm", "")}
        if reading.get("dates") in csv_io.DATE_ORDERS:
            kept["dates"] = reading["dates"]
        if reading.get("decimal") in csv_io.DECIMAL_SIGNS:
            kept["decimal"] = reading["decimal"]
        stages = {
            word: stage
            for word, stage in (reading.get("stages") or {}).items()
            if stage in csv_io.STAGES and "\x00" not in word
        }
        if stages:
            kept["stages"] = stages
        lead_import.reading = {key: value for key, value in kept.items() if value}
    lead_import.status = LeadImport.Status.UPLOADED
    lead_import.errors = []
    lead_import.problem_count = 0
    lead_import.save()
    return lead_import


def import_dry_run(*, lead_import: LeadImport, by: User) -> ImportReport:
    """Validate every row and count what the import would do; writes nothing but the note."""
    if lead_import.status == LeadImport.Status.IMPORTED:
        raise ValidationError("This file has already been imported.")
    report = _import_run(lead_import, by=by, dry_run=True)
    _import_note(
        lead_import,
        report,
        LeadImport.Status.CHECKED if report.ok else LeadImport.Status.FAILED,
    )
    return report


def import_apply(*, lead_import: LeadImport, by: User, progress=None) -> ImportReport:
    """Import all rows or none; the upload records how it went either way."""
    if lead_import.status == LeadImport.Status.IMPORTED:
        raise ValidationError("This file has already been imported.")
    try:
        report = _import_run(lead_import, by=by, dry_run=False, progress=progress)
    except ImportFailed as failure:
        _import_note(lead_import, failure.report, LeadImport.Status.FAILED)
        return failure.report
    _import_note(lead_import, report, LeadImport.Status.IMPORTED)
    return report


# An import whose task shows no sign of life for this long was lost with its worker (long
# enough for the qualification check of the largest upload on SQLite, which reports nothing).
IMPORT_STALLED_AFTER = timedelta(minutes=30)


def import_is_stalled(lead_import: LeadImport, now=None) -> bool:
    if lead_import.status not in (LeadImport.Status.QUEUED, LeadImport.Status.RUNNING):
        return False
    last = lead_import.progress_at or lead_import.uploaded_at
    return last < (now or timezone.now()) - IMPORT_STALLED_AFTER


@transaction.atomic
def import_enqueue(*, lead_import: LeadImport, by: User) -> LeadImport:
    """Queue the import of every row as a background task; a second click queues nothing."""
    from feedback import tasks

    permission_require(by, "feedback.facilitate", action="import leads")
    lead_import = LeadImport.objects.select_for_update().get(pk=lead_import.pk)
    if lead_import.status == LeadImport.Status.IMPORTED:
        raise ValidationError("This file has already been imported.")
    running = (LeadImport.Status.QUEUED, LeadImport.Status.RUNNING)
    if lead_import.status in running and not import_is_stalled(lead_import):
        return lead_import
    lead_import.status = LeadImport.Status.QUEUED
    lead_import.errors = []
    lead_import.progress_done, lead_import.progress_total = 0, lead_import.row_count
    lead_import.progress_at = timezone.now()
    lead_import.save()
    transaction.on_commit(lambda: tasks.import_run.enqueue(lead_import.pk, by.pk))
    return lead_import


def import_task_run(*, import_id: int, by_id: int) -> ImportReport | None:
    """The import task's work: claim the queued upload, import it, record how it went."""
    from feedback.progress import ProgressWriter

    claimed = LeadImport.objects.filter(pk=import_id, status=LeadImport.Status.QUEUED).update(
        status=LeadImport.Status.RUNNING, progress_at=timezone.now()
    )
    if not claimed:
        return None  # imported, or taken by another worker, meanwhile
    lead_import = LeadImport.objects.select_related("cycle__definition", "fallback_rep").get(
        pk=import_id
    )
    writer = ProgressWriter(import_id)
    try:
        return import_apply(lead_import=lead_import, by=User.objects.get(pk=by_id), progress=writer)
    except Exception:
        LeadImport.objects.filter(pk=import_id).update(
            status=LeadImport.Status.FAILED,
            errors=[
                {
                    "line": None,
                    "field": "",
                    "message": "The import stopped before it finished; nothing was imported. "
                    "Try again; if it stops again, tell your administrator.",
                }
            ],
        )
        raise
    finally:
        writer.close()
