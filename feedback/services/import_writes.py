"""Writing an import's leads and outcomes, all or nothing (COPY for new leads on PostgreSQL)."""

from collections.abc import Iterable
from operator import itemgetter

from django.db import connection, transaction
from django.db.models import (
    BooleanField,
)
from django.db.models.expressions import RawSQL
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from accounts.decorators import permission_require
from accounts.models import User
from definitions.models import Definition
from feedback import csv_io
from feedback.models import (
    Lead,
    Outcome,
    ReviewCycle,
)
from feedback.services.copying import BATCH, Progress, chunks, copy_binary
from feedback.services.cycles import VersionClock
from feedback.services.figures import figures_refresh, leads_check
from feedback.services.import_rows import (
    ImportFailed,
    ImportReport,
    lead_rows_parse,
    outcome_rows_parse,
    readings_onto_report,
)
from feedback.services.leads import rep_check


def _existing_leads(definition: Definition, references: list[str]) -> dict[str, Lead]:
    existing = {}
    for refs in chunks(references, 5000):
        for lead in Lead.objects.filter(definition=definition, crm_reference__in=refs):
            existing[lead.crm_reference] = lead
    return existing


def _existing_lead_values(
    definition: Definition, references: list[str], fields: Iterable[str]
) -> dict[str, dict]:
    """The stored values of the named fields (and the pk) of the leads with these
    references: enough to tell which rows change something, without model instances."""
    names = ["pk", "crm_reference", *sorted(set(fields) - {"crm_reference"})]
    leads = Lead.objects.filter(definition=definition).order_by()
    existing = {}
    for refs in chunks(references, 100_000 if connection.vendor == "postgresql" else 5000):
        if connection.vendor == "postgresql":
            # One array parameter rather than a placeholder per reference.
            found = leads.filter(
                RawSQL("crm_reference = ANY(%s)", [refs], output_field=BooleanField())
            )
        else:
            found = leads.filter(crm_reference__in=refs)
        for row in found.values(*names):
            existing[row["crm_reference"]] = row
    return existing


class ImportedLead:
    """A lead just written with COPY: its row's columns as attributes (with `pk`), which is
    all the qualification check reads; cheaper than a model instance per lead."""

    def __init__(self, row: dict):
        self.__dict__ = row


def _leads_copy(rows: list[dict], *, progress: Progress | None, total: int) -> list[ImportedLead]:
    """Write new leads and their history rows with COPY (PostgreSQL).

    Each row holds every column of the lead and of its history row but the ids; the
    leads' ids are taken from their sequence first, in one query.
    """
    if not rows:
        return []
    history_model = Lead.history.model
    lead_fields = Lead._meta.concrete_fields
    history_fields = [f for f in history_model._meta.concrete_fields if not f.primary_key]
    lead_values = itemgetter(*(f.attname for f in lead_fields))
    history_values = itemgetter(*(f.attname for f in history_fields))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s) ORDER BY 1",
            [Lead._meta.db_table, Lead._meta.pk.column, len(rows)],
        )
        for row, (pk,) in zip(rows, cursor.fetchall(), strict=True):
            row["id"] = row["pk"] = pk
        # One COPY per table, so the database works while Python formats the next rows.
        columns = [f.column for f in lead_fields]
        with copy_binary(cursor, Lead._meta.db_table, columns) as copy:
            for row in rows:
                copy.write_row(lead_values(row))
        columns = [f.column for f in history_fields]
        with copy_binary(cursor, history_model._meta.db_table, columns) as copy:
            for done, row in enumerate(rows, start=1):
                copy.write_row(history_values(row))
                # A lead counts as written once its history row is.
                if progress and (done % BATCH == 0 or done == len(rows)):
                    progress(done, total)
    return [ImportedLead(row) for row in rows]


@transaction.atomic
def leads_import(
    *,
    table: csv_io.Table,
    mapping: dict[str, str],
    cycle: ReviewCycle,
    by: User,
    fallback_rep: User | None = None,
    dry_run: bool = False,
    source_name: str = "a CSV file",
    progress: Progress | None = None,
    choices: dict | None = None,
) -> ImportReport:
    """Create or update leads by CRM reference, all or nothing.

    `choices` (import_choices) say how to read what the file leaves ambiguous: the order of
    its dates, its decimal sign, the stage each of its status words means.

    A dry run validates every row and counts what would change, writing nothing. The real
    run raises ImportFailed (and so rolls back) when any row is bad. History is written for
    created and changed leads only.
    """
    permission_require(by, "feedback.facilitate", action="import leads")
    if fallback_rep is not None:
        rep_check(fallback_rep)
    report = ImportReport(row_count=len(table.rows))
    for problem in csv_io.mapping_problems(
        mapping,
        csv_io.LEAD_TARGETS,
        ["crm_reference", "company"] + ([] if fallback_rep else ["owner"]),
        header=table.header,
    ):
        report.error(None, None, problem)
    if report.errors:
        if dry_run:
            return report
        raise ImportFailed(report)
    choices = choices or {}
    readings, readable = readings_onto_report(table, mapping, choices, report)
    rows = lead_rows_parse(
        table,
        readable,
        fallback_rep=fallback_rep,
        report=report,
        readings=readings,
        choices=choices,
    )
    definition = cycle.definition
    given: set[str] = set()
    for _, values in rows:
        given.update(values)
    existing = _existing_lead_values(
        definition, [values["crm_reference"] for _, values in rows], given
    )
    clock = VersionClock(definition, cycle.version)
    now = timezone.now()
    reason = f"Imported from {source_name}"
    # A new lead's row: the model's defaults for what the file does not give, and the
    # columns of its history row as bulk_create_with_history would write them.
    defaults = {f.attname: f.get_default() for f in Lead._meta.concrete_fields} | {
        "definition_id": definition.pk,
        "cycle_id": cycle.pk,
        "history_date": now,
        "history_change_reason": reason,
        "history_type": "+",
        "history_user_id": by.pk,
    }
    new, changes = [], {}
    owner_column = next((c for c, t in mapping.items() if t == "owner"), None)
    for line, values in rows:
        stored = existing.get(values["crm_reference"])
        if stored is None and values.get("rep_id") is None:
            # A new lead needs a rep; an existing one keeps its own when the row names none.
            if fallback_rep is None:
                report.error(line, owner_column, "The owner is missing.")
                continue
            values["rep_id"] = fallback_rep.pk
        if stored is None:
            row = defaults | values
            row["handed_over_at"] = values.get("handed_over_at", now)
            row["version_id"] = clock.at(row["handed_over_at"]).pk
            new.append(row)
            continue
        differs = [name for name, value in values.items() if stored[name] != value]
        if differs:
            changes[stored["pk"]] = (values, differs)
    if report.errors:
        if dry_run:
            return report
        raise ImportFailed(report)
    report.created, report.changed = len(new), len(changes)
    report.unchanged = len(rows) - len(new) - len(changes)
    if dry_run:
        return report
    total = len(new) + len(changes)
    if connection.vendor == "postgresql":
        # The same lead and history rows as bulk_create_with_history, written with COPY:
        # the ORM's inserts alone took several times the import's time budget (10x COPY).
        created = _leads_copy(new, progress=progress, total=total)
    else:
        lead_names = {f.attname for f in Lead._meta.concrete_fields} - {"id"}
        created = []
        for batch in chunks(new):
            leads = [Lead(**{name: row[name] for name in lead_names}) for row in batch]
            created += bulk_create_with_history(
                leads,
                Lead,
                batch_size=BATCH,
                default_user=by,
                default_change_reason=reason,
                default_date=now,
            )
            if progress:
                progress(len(created), total)
    changed, changed_fields = [], set()
    for ids in chunks(list(changes), 5000):
        for lead in Lead.objects.filter(pk__in=ids).order_by("pk"):
            values, differs = changes[lead.pk]
            for name in differs:
                setattr(lead, name, values[name])
            if "handed_over_at" in differs:
                lead.version = clock.at(lead.handed_over_at)
                differs.append("version")
            changed.append(lead)
            changed_fields.update("rep" if name == "rep_id" else name for name in differs)
    done = len(created)
    for batch in chunks(changed):
        bulk_update_with_history(
            batch,
            Lead,
            fields=sorted(changed_fields),
            batch_size=BATCH,
            default_user=by,
            default_change_reason=reason,
        )
        done += len(batch)
        if progress:
            progress(done, total)
    leads_check(created, fresh=True, now=now)
    leads_check(changed, now=now)
    return report


@transaction.atomic
def outcomes_import(
    *,
    table: csv_io.Table,
    mapping: dict[str, str],
    definition: Definition,
    by: User,
    dry_run: bool = False,
    source_name: str = "a CSV file",
    choices: dict | None = None,
) -> ImportReport:
    """Create or update outcomes by the lead's CRM reference, all or nothing."""
    permission_require(by, "feedback.facilitate", action="import outcomes")
    report = ImportReport(row_count=len(table.rows))
    for problem in csv_io.mapping_problems(
        mapping,
        csv_io.OUTCOME_TARGETS,
        ["crm_reference", "result", "occurred_on"],
        header=table.header,
    ):
        report.error(None, None, problem)
    rows = []
    if not report.errors:
        choices = choices or {}
        readings, readable = readings_onto_report(table, mapping, choices, report)
        rows = outcome_rows_parse(
            table,
            readable,
            report,
            readings,
            choices,
        )
    column_of = {t: c for c, t in mapping.items() if t}
    leads = _existing_leads(definition, [values["crm_reference"] for _, values in rows])
    for line, values in rows:
        if values["crm_reference"] not in leads:
            report.error(
                line,
                column_of["crm_reference"],
                f"No lead has the CRM reference “{values['crm_reference']}”.",
            )
    if report.errors:
        if dry_run:
            return report
        raise ImportFailed(report)
    current = {
        o.lead_id: o
        for ids in chunks([lead.pk for lead in leads.values()])
        for o in Outcome.objects.filter(lead_id__in=ids)
    }
    new, changed = [], []
    for _, values in rows:
        lead = leads[values["crm_reference"]]
        fields = {
            "result": values["result"],
            "occurred_on": values["occurred_on"],
            "amount": values.get("amount"),
        }
        outcome = current.get(lead.pk)
        if outcome is None:
            new.append(Outcome(lead=lead, recorded_by=by, **fields))
        elif any(getattr(outcome, k) != v for k, v in fields.items()):
            for k, v in fields.items():
                setattr(outcome, k, v)
            outcome.recorded_by = by
            changed.append(outcome)
    report.created, report.changed = len(new), len(changed)
    report.unchanged = len(rows) - len(new) - len(changed)
    if dry_run:
        return report
    reason = f"Imported from {source_name}"
    bulk_create_with_history(
        new, Outcome, batch_size=BATCH, default_user=by, default_change_reason=reason
    )
    bulk_update_with_history(
        changed,
        Outcome,
        fields=["result", "occurred_on", "amount", "recorded_by"],
        batch_size=BATCH,
        default_user=by,
        default_change_reason=reason,
    )
    figures_refresh([outcome.lead_id for outcome in new + changed])
    return report
