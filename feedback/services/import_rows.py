"""Reading an import's rows into lead and outcome values, with a report of what is wrong."""

from dataclasses import dataclass, field
from operator import call, itemgetter

from accounts.models import User
from feedback import csv_io
from feedback.models import (
    Lead,
)
from feedback.selectors import sales_reps_by_key


@dataclass
class ImportReport:
    row_count: int = 0
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    errors: list[dict] = field(default_factory=list)
    # How the date and number columns were read (csv_io.Reading), for the dry run.
    readings: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, line: int | None, column: str | None, message: str, *, group: str = "") -> None:
        """A problem; those with the same `group` (an unknown owner, say) are listed once."""
        message = message.replace("\x00", "\\0")  # never stored: PostgreSQL refuses it
        error = {"line": line, "field": column or "", "message": message}
        if group:
            error["group"] = group
        self.errors.append(error)

    def problems(self, limit: int = 1000) -> list[dict]:
        """The problems with those of a kind grouped: one entry per unknown owner (with its
        row count) and per repeated message, in the order of their first line, so that a
        rare problem stays visible beside a frequent one."""
        groups: dict[tuple, dict] = {}
        for error in self.errors:
            key = (
                ("group", error["group"])
                if "group" in error
                else (
                    error["field"],
                    error["message"],
                )
            )
            entry = groups.get(key)
            if entry is None:
                entry = groups[key] = {**error, "count": 0, "lines": []}
                entry.pop("group", None)
            entry["count"] += 1
            if error["line"] is not None and len(entry["lines"]) < 5:
                entry["lines"].append(error["line"])
        for (kind, name), entry in groups.items():
            if kind == "group" and name.startswith("owner:"):
                owner, count = name.removeprefix("owner:"), entry["count"]
                entry["message"] = (
                    f"“{owner}”: {count:,} row{'s' * (count != 1)}, no active sales rep of "
                    "that name; choose a fallback rep (or add the rep) and run it again."
                )
        return list(groups.values())[:limit]


class ImportFailed(Exception):
    def __init__(self, report: ImportReport):
        super().__init__(f"{len(report.errors)} row errors")
        self.report = report


CHAR_LIMITS = {
    f.name: f.max_length
    for f in Lead._meta.get_fields()
    if getattr(f, "max_length", None) and f.get_internal_type() == "CharField"
}


CELL_PARSERS = {
    "email": csv_io.parse_email,
    "seniority": csv_io.parse_seniority,
    "source": csv_io.parse_source,
    "permission_to_follow_up": csv_io.parse_bool,
    "opted_out": csv_io.parse_bool,
    "asked_for_information": csv_io.parse_bool,
    "need_evidence": csv_io.parse_evidence,
    "budget_evidence": csv_io.parse_evidence,
    "authority_evidence": csv_io.parse_evidence,
}


def _cell_parser(target: str, column: str, readings: dict, choices: dict):
    """The parser of one mapped column, reading dates, numbers and stages as decided."""
    reading = readings.get(column)
    if target == "handed_over_at":
        return csv_io.datetime_reader(reading.dates if reading else "ymd")
    if target == "occurred_on":
        return csv_io.date_reader(reading.dates if reading else "ymd")
    if target == "company_size":
        return csv_io.size_reader(reading.decimal if reading else ".")
    if target == "amount":
        return csv_io.amount_reader(reading.decimal if reading else ".")
    if target == "stage_handed_over":
        return csv_io.stage_reader(choices.get("stages"))
    if target == "crm_reference" and choices.get("salesforce_ids"):
        return lambda text: csv_io.salesforce_id18(text.strip())
    if target in CELL_PARSERS:
        return CELL_PARSERS[target]
    return str.strip if target in csv_io.MULTILINE else csv_io.parse_line


def import_choices(crm: str = "", chosen: dict | None = None) -> dict:
    """The reading choices of an import: the page's (dates, decimal sign, stages) and what
    the recognised CRM format implies."""
    choices = dict(chosen or {})
    crm_format = csv_io.CRM_BY_KEY.get(crm)
    choices["crm"] = crm
    choices["salesforce_ids"] = bool(crm_format and crm_format.salesforce_ids)
    return choices


def _row_cells(table: csv_io.Table, line: int, cells: list[str], report: ImportReport):
    width = len(table.header)
    if len(cells) > width and any(cell.strip() for cell in cells[width:]):
        report.error(line, None, f"The row has {len(cells)} cells; the header has {width}.")
        return None
    return cells[:width] + [""] * (width - len(cells))


# Columns whose cells repeat across a file, so their parsed values are remembered.
REPEATING = {
    "owner",
    "title",
    "seniority",
    "industry",
    "company_size",
    "region",
    "source",
    "permission_to_follow_up",
    "opted_out",
    "asked_for_information",
    "need_evidence",
    "budget_evidence",
    "authority_evidence",
    "stage_handed_over",
    "handed_over_at",
}


REQUIRED_CELLS = {
    "crm_reference": "The CRM reference is missing.",
    "company": "The company is missing.",
}


def readings_onto_report(table, mapping: dict, choices: dict, report: ImportReport):
    """How each mapped column is read (date order, decimal sign), onto the report; returns
    the readings and the mapping without the columns that cannot be read at all."""
    readings, problems = csv_io.readings_decide(
        table, mapping, crm=choices.get("crm", ""), chosen=choices
    )
    report.readings = list(readings.values())
    for line, column, message in problems:
        report.error(line, column, message)
    unread = {column for line, column, _ in problems if line is None}
    return readings, {column: target for column, target in mapping.items() if column not in unread}


def lead_rows_parse(
    table: csv_io.Table,
    mapping: dict[str, str],
    *,
    fallback_rep: User | None,
    report: ImportReport,
    readings: dict | None = None,
    choices: dict | None = None,
) -> list[tuple[int, dict]]:
    """Each row as lead field values, or errors naming its line and column."""
    readings, choices = readings or {}, choices or {}
    columns = [
        (
            table.header.index(column),
            column,
            target,
            csv_io.cell_reader(
                _cell_parser(target, column, readings, choices),
                limit=CHAR_LIMITS.get(target),
                memoise=target in REPEATING,
            ),
        )
        for column, target in mapping.items()
        if target and column in table.header
    ]
    column_of = {target: column for _, column, target, _ in columns}
    targets = [target for _, _, target, _ in columns]
    readers = [read for _, _, _, read in columns]
    indexes = [index for index, _, _, _ in columns]
    pick = itemgetter(*indexes) if len(indexes) > 1 else lambda cells: [cells[indexes[0]]]
    reps = sales_reps_by_key()
    owners: dict[str, int | None] = {}
    width = len(table.header)
    seen: dict[str, int] = {}
    parsed = []
    for line, raw_cells in table.rows:
        cells = raw_cells if len(raw_cells) == width else _row_cells(table, line, raw_cells, report)
        if cells is None:
            continue
        before = len(report.errors)
        try:
            if table.sparse:
                raise csv_io.CellError  # cell by cell: a row may leave some out
            values = dict(zip(targets, map(call, readers, pick(cells)), strict=True))
        except csv_io.CellError:
            # Again cell by cell, to name every bad one.
            values = {}
            for index, column, target, read in columns:
                if cells[index] is None:
                    continue  # not given: the lead keeps what it has
                try:
                    values[target] = read(cells[index])
                except csv_io.CellError as error:
                    report.error(line, column, str(error))
        if table.sparse and len(report.errors) == before:
            for target, message in REQUIRED_CELLS.items():
                if target in column_of and target not in values:
                    report.error(line, column_of[target], message)
        reference = values.get("crm_reference", "")
        if "crm_reference" in values and not reference:
            report.error(line, column_of["crm_reference"], "The CRM reference is missing.")
        elif reference in seen:
            report.error(
                line,
                column_of["crm_reference"],
                f"“{reference}” is already on {table.place(seen[reference])}; each lead once "
                f"per {'file' if table.unit == 'line' else 'request'}.",
            )
        elif reference:
            seen[reference] = line
        if "company" in values and not values["company"]:
            report.error(line, column_of["company"], "The company is missing.")
        if "owner" in values:
            owner = values.pop("owner")
            if owner in owners:
                rep_id = owners[owner]
            else:
                rep = (reps.get(owner.lower()) or reps.get(owner.casefold())) if owner else None
                # Leads whose owner is not a known rep (e.g. a Salesforce OwnerId) go to
                # the fallback rep when the facilitator named one.
                rep = rep or fallback_rep
                rep_id = owners[owner] = rep.pk if rep else None
            if rep_id is None and owner:
                report.error(
                    line,
                    column_of["owner"],
                    f"No active sales rep is “{owner}”.",
                    group=f"owner:{owner}",
                )
            elif rep_id is None:
                report.error(line, column_of["owner"], "The owner is missing.")
            values["rep_id"] = rep_id
        elif fallback_rep is not None and not table.sparse:
            values["rep_id"] = fallback_rep.pk
        if "first_name" in values or "last_name" in values:
            name = f"{values.pop('first_name', '')} {values.pop('last_name', '')}".strip()
            values.setdefault("contact_name", name[: CHAR_LIMITS["contact_name"]])
        if "opted_out" in values:
            opted_out = values.pop("opted_out")
            values.setdefault(
                "permission_to_follow_up", None if opted_out is None else not opted_out
            )
        if "title" in values and not values.get("seniority"):
            values["seniority"] = csv_io.seniority_from_title(values["title"])
        if "handed_over_at" in values and values["handed_over_at"] is None:
            del values["handed_over_at"]
        if len(report.errors) == before:
            parsed.append((line, values))
    return parsed


def outcome_rows_parse(
    table: csv_io.Table,
    mapping: dict[str, str],
    report: ImportReport,
    readings: dict | None = None,
    choices: dict | None = None,
) -> list[tuple[int, dict]]:
    columns = [(table.header.index(c), c, t) for c, t in mapping.items() if t and c in table.header]
    readings, choices = readings or {}, choices or {}
    parsers = {
        target: csv_io.cell_reader(
            csv_io.parse_outcome
            if target == "result"
            else _cell_parser(target, column, readings, choices)
        )
        for _, column, target in columns
    }
    column_of = {target: column for _, column, target in columns}
    parsed, seen = [], {}
    for line, raw_cells in table.rows:
        cells = _row_cells(table, line, raw_cells, report)
        if cells is None:
            continue
        before, values = len(report.errors), {}
        for index, column, target in columns:
            try:
                values[target] = parsers[target](cells[index])
            except csv_io.CellError as error:
                report.error(line, column, str(error))
        reference = values.get("crm_reference")
        if not reference and "crm_reference" in column_of:
            report.error(line, column_of["crm_reference"], "The CRM reference is missing.")
        elif reference in seen:
            report.error(
                line,
                column_of["crm_reference"],
                f"“{reference}” is already on line {seen[reference]}.",
            )
        elif reference:
            seen[reference] = line
        if "occurred_on" in values and values["occurred_on"] is None:
            report.error(line, column_of["occurred_on"], "The date is missing.")
        if len(report.errors) == before:
            parsed.append((line, values))
    return parsed
