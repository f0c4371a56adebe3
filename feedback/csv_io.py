"""Reading and writing CSV: encodings, delimiters, limits, CRM formats, safe export.

Nothing here touches the database: it turns bytes into rows (with their line numbers) and
rows into bytes, so the services can validate and write in one transaction.
"""

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import timezone as dt_timezone
from decimal import Decimal
from functools import cache, lru_cache

from django.core.validators import validate_email
from django.utils import timezone

from config.fields import EARLIEST, LATEST
from definitions.rules import EVIDENCE_LEVELS, SENIORITY_LEVELS

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 100_000
# Wider than any CRM export we read (HubSpot's every-property export is a few hundred): the
# import page shows a choice per column, so 10 000 columns would take minutes to show.
MAX_COLUMNS = 500
DELIMITERS = (",", ";", "\t")


class CsvRejected(ValueError):
    """The whole file is refused; the message says why in words a person can act on."""


@dataclass
class Table:
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (line number where the record starts, cells)
    delimiter: str = ","
    encoding: str = "utf-8"
    # Column names given twice (they can be left out, not mapped), with their numbers.
    duplicates: dict[str, list[int]] = field(default_factory=dict)
    # How messages name a row: "line" in a file, "item" in an API request (counted from 0).
    unit: str = "line"
    # True when a row may leave a cell out (None: the lead keeps what it has).
    sparse: bool = False

    def place(self, number: int) -> str:
        return f"{self.unit} {number}"


# --- bytes to rows -------------------------------------------------------------------------


def csv_decode(data: bytes) -> tuple[str, str]:
    """The text of an upload and the encoding it was read as: UTF-8 (with or without a BOM),
    UTF-16 (with a BOM, or recognised by its zero bytes), else Windows-1252 / Latin-1."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise CsvRejected("The file says it is UTF-16 but is not valid UTF-16.") from None
    sample = data[:4096]
    if len(sample) >= 4 and sample.count(b"\x00") >= len(sample) // 4:
        # UTF-16 without a BOM: every other byte of ASCII text is zero.
        encoding = "utf-16-le" if sample[1:2] == b"\x00" else "utf-16-be"
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _delimiter_of(text: str) -> str:
    """The delimiter used in the header line (the first record)."""
    first = text.split("\n", 1)[0]
    # Ignore what is inside quotes.
    outside = re.sub(r'"[^"]*"', "", first)
    counts = {d: outside.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def csv_read(
    data: bytes,
    *,
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
    max_columns: int = MAX_COLUMNS,
) -> Table:
    """Parse an upload into a header and numbered rows, or raise CsvRejected."""
    if len(data) > max_bytes:
        raise CsvRejected(too_big_message(len(data), max_bytes))
    text, encoding = csv_decode(data)
    if not text.strip():
        raise CsvRejected("The file is empty.")
    delimiter = _delimiter_of(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    header, rows, previous_line = None, [], 0
    try:
        for cells in reader:
            start = previous_line + 1
            previous_line = reader.line_num
            # Blank lines carry nothing (the first cell settles most lines at once).
            if not (cells and cells[0].strip()) and not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = [cell.strip() for cell in cells]
                _columns_check(header, max_columns)  # before any row is read
                continue
            rows.append((start, cells))
            if len(rows) > max_rows:
                raise CsvRejected(
                    f"The file has more than {max_rows:,} rows (the limit per upload). "
                    "Split it, or use the import_leads command."
                )
    except csv.Error as error:
        raise CsvRejected(f"Line {reader.line_num}: the file is not valid CSV ({error}).") from None
    if header is None:
        raise CsvRejected("The file is empty.")
    if not rows:
        raise CsvRejected("The file has a header row but no rows below it.")
    if any("\x00" in name for name in header):
        raise CsvRejected(
            "The header contains a NUL character (byte 0): the file is damaged or is not a "
            "text file. Export it again from the CRM."
        )
    # Spreadsheets write empty columns at the end of each line (";;;"): nothing to read.
    while header and not header[-1]:
        header.pop()
    blank = [str(i) for i, name in enumerate(header, start=1) if not name]
    if blank:
        raise CsvRejected(f"Column {', '.join(blank)} of the header has no name.")
    return Table(
        header=header,
        rows=rows,
        delimiter=delimiter,
        encoding=encoding,
        duplicates=header_duplicates(header),
    )


def columns_message(count: int, limit: int = MAX_COLUMNS) -> str:
    """What to do about a file wider than the column limit."""
    return (
        f"The file has {count:,} columns; Accord reads at most {limit:,} columns per file. "
        "Export only the columns you need (keep the header row), or delete the others in a "
        "spreadsheet, and upload it again."
    )


def _columns_check(header: list[str], limit: int) -> None:
    count = len(header)
    while count and not header[count - 1]:
        count -= 1  # the empty columns a spreadsheet writes at the end of a line
    if count > limit:
        raise CsvRejected(columns_message(count, limit))


def header_duplicates(header: list[str]) -> dict[str, list[int]]:
    """Column names the header gives more than once, with their column numbers (from 1)."""
    places: dict[str, list[int]] = {}
    for number, name in enumerate(header, start=1):
        places.setdefault(name.casefold(), []).append(number)
    return {header[spots[0] - 1]: spots for spots in places.values() if len(spots) > 1}


def too_big_message(size: int, limit: int = MAX_BYTES) -> str:
    """What to do about a file over the upload limit, in the words the page shows."""
    return (
        f"The file is {size / 1024 / 1024:.1f} MB; the limit for an upload is "
        f"{limit // 1024 // 1024} MB. Split it into smaller files (each with the header "
        "row) and upload them one by one, or import it whole on the server with "
        "“manage.py import_leads FILE --cycle ID --by YOUR-E-MAIL”, which has no size limit."
    )


# --- rows to bytes (export) ----------------------------------------------------------------


# What a spreadsheet may skip before reading a formula: spaces and invisible characters
# (zero-width space, joiners, word joiner, BOM, direction marks).
_INVISIBLE = re.compile(r"[\s\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]*")
# Full-width and small forms that Excel and LibreOffice take as = + - @ (an IME types them).
_FORMULA_LOOKALIKES = str.maketrans(
    "\uff1d\ufe66\uff0b\ufe62\uff0d\ufe63\u2212\uff20\ufe6b", "==++---@@"
)
# A number or phone number: signs, digits and the punctuation they are written with. A
# spreadsheet computes at most a number from it; nothing runs.
_PLAIN_NUMBER = re.compile(r"[+\-]?[\d\s().,/\-]*\d[\d\s().,/\-]*")


def cell_runs(text: str) -> bool:
    """Whether a spreadsheet would read this cell as a formula that can do something."""
    if text.startswith(("\t", "\r")):
        return True
    rest = text[_INVISIBLE.match(text).end() :]
    first = rest[:1].translate(_FORMULA_LOOKALIKES)
    if first not in ("=", "+", "-", "@"):
        return False
    # "+49 30 1234567" and "-12.5" are data; "=1+1", "+cmd|…", "-2+3+A1", "@SUM(…)" are not.
    return first in ("=", "@") or not _PLAIN_NUMBER.fullmatch(rest)


def _looks_neutralised(text: str) -> bool:
    """Apostrophes in front of a formula: what cell_neutralise writes, or a value that
    already looked like it ("'=" typed as text), which gets one more so that it comes back."""
    return text.startswith("'") and cell_runs(text.lstrip("'"))


def cell_neutralise(value) -> str:
    """A cell a spreadsheet will show as text: a formula gets a leading apostrophe (the
    import takes it off again, so an export re-imports unchanged)."""
    text = "" if value is None else str(value)
    return "'" + text if text and (cell_runs(text) or _looks_neutralised(text)) else text


def cell_unneutralise(text: str) -> str:
    """The value before cell_neutralise: its apostrophe off again."""
    return text[1:] if _looks_neutralised(text) else text


def csv_write(header: list[str], rows: Iterable[Iterable]) -> bytes:
    """RFC 4180 CSV (CRLF, every cell quoted), UTF-8 with a BOM so spreadsheets read it."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow([cell_neutralise(name) for name in header])
    for row in rows:
        writer.writerow([cell_neutralise(cell) for cell in row])
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")


# --- CRM formats and column mapping --------------------------------------------------------

# Fields a column can be mapped to, with the words shown in the mapping form.
LEAD_TARGETS = {
    "crm_reference": "CRM reference (required)",
    "company": "Company (required)",
    "owner": "Owner: the sales rep (e-mail or name)",
    "contact_name": "Contact name",
    "first_name": "First name",
    "last_name": "Last name",
    "email": "E-mail address",
    "phone": "Phone",
    "title": "Job title",
    "seniority": "Seniority",
    "industry": "Industry",
    "company_size": "Company size (employees)",
    "region": "Region",
    "source": "Lead source",
    "permission_to_follow_up": "Permission to follow up (yes/no)",
    "opted_out": "Opted out of e-mail (yes/no)",
    "asked_for_information": "Asked for information (yes/no)",
    "need_evidence": "Need: evidence",
    "need_note": "Need: note",
    "budget_evidence": "Budget: evidence",
    "budget_note": "Budget: note",
    "authority_evidence": "Authority: evidence",
    "authority_note": "Authority: note",
    "stage_handed_over": "Stage handed over at",
    "handed_over_at": "Handed over on (date)",
}

OUTCOME_TARGETS = {
    "crm_reference": "CRM reference (required)",
    "result": "Outcome (required)",
    "occurred_on": "Date (required)",
    "amount": "Amount",
}


@dataclass(frozen=True)
class CrmFormat:
    key: str
    name: str
    reference: tuple[str, ...]  # any of these headers identifies the format
    # Column name → field. Where several columns fill one field, the first the file has
    # wins (the MQL date before the creation date, say).
    columns: dict[str, str] = field(default_factory=dict)
    # How the CRM writes a date such as 03/04/2025 when no value of the column settles it.
    date_order: str = ""
    # Its references are Salesforce Ids: 15 (case-sensitive) or 18 characters, one lead.
    salesforce_ids: bool = False

    def matches(self, header: list[str]) -> bool:
        names = set(header)
        known = sum(1 for column in self.columns if column in names)
        return any(ref in names for ref in self.reference) and known >= 4


CRM_FORMATS = [
    CrmFormat(
        "hubspot",
        "HubSpot contact export",
        ("Record ID", "Contact ID"),
        {
            "Record ID": "crm_reference",
            "Contact ID": "crm_reference",
            "First Name": "first_name",
            "Last Name": "last_name",
            "Email": "email",
            "Phone Number": "phone",
            "Company Name": "company",
            # The newer export names the contact's company by its association.
            "Associated Company": "company",
            "Associated Company (Primary)": "company",
            "Job Title": "title",
            "Industry": "industry",
            "Number of Employees": "company_size",
            "Lifecycle Stage": "stage_handed_over",
            "Contact owner": "owner",
            "Original Source": "source",
            "Became a Marketing Qualified Lead Date": "handed_over_at",
            "Became a Sales Qualified Lead Date": "handed_over_at",
            "Create Date": "handed_over_at",
        },
    ),
    CrmFormat(
        "salesforce_report",
        "Salesforce lead report",
        ("Lead ID",),
        {
            "Lead ID": "crm_reference",
            "First Name": "first_name",
            "Last Name": "last_name",
            "Email": "email",
            "Phone": "phone",
            "Company / Account": "company",
            "Company": "company",
            "Title": "title",
            "Industry": "industry",
            "Lead Source": "source",
            "No. of Employees": "company_size",
            "Lead Owner": "owner",
            "Lead Status": "stage_handed_over",
            "Create Date": "handed_over_at",
            "Created Date": "handed_over_at",
        },
        # Salesforce reports write dates in the running user's locale; en_US by default.
        date_order="mdy",
        salesforce_ids=True,
    ),
    CrmFormat(
        "salesforce_api",
        "Salesforce lead export (API names)",
        ("Id",),
        {
            "Id": "crm_reference",
            "FirstName": "first_name",
            "LastName": "last_name",
            "Email": "email",
            "Phone": "phone",
            "Company": "company",
            "Title": "title",
            "Industry": "industry",
            "LeadSource": "source",
            "NumberOfEmployees": "company_size",
            "OwnerId": "owner",
            "HasOptedOutOfEmail": "opted_out",
            "Status": "stage_handed_over",
            "CreatedDate": "handed_over_at",
        },
        salesforce_ids=True,
    ),
    CrmFormat(
        "accord",
        "Accord lead export",
        ("CRM reference",),
        {
            "CRM reference": "crm_reference",
            "Company": "company",
            "Owner": "owner",
            "Contact name": "contact_name",
            "E-mail address": "email",
            "Phone": "phone",
            "Job title": "title",
            "Seniority": "seniority",
            "Industry": "industry",
            "Company size": "company_size",
            "Region": "region",
            "Lead source": "source",
            "Permission to follow up": "permission_to_follow_up",
            "Asked for information": "asked_for_information",
            "Need: evidence": "need_evidence",
            "Need: note": "need_note",
            "Budget: evidence": "budget_evidence",
            "Budget: note": "budget_note",
            "Authority: evidence": "authority_evidence",
            "Authority: note": "authority_note",
            "Stage handed over at": "stage_handed_over",
            "Handed over on": "handed_over_at",
        },
    ),
]

CRM_BY_KEY = {crm.key: crm for crm in CRM_FORMATS}


def format_recognise(header: list[str]) -> tuple[CrmFormat | None, dict[str, str]]:
    """The CRM format whose usual headers this file has, and its column mapping (columns
    named twice are left out: which of them is meant cannot be told)."""
    twice = {name.casefold() for name in header_duplicates(header)}
    names = {name for name in header if name.casefold() not in twice}
    for crm in CRM_FORMATS:
        if crm.matches(header):
            mapping, used = {}, set()
            for column, target in crm.columns.items():
                if column in names and target not in used:
                    mapping[column] = target
                    used.add(target)
            return crm, {column: mapping[column] for column in header if column in mapping}
    return None, {}


def mapping_guess(header: list[str], targets: dict[str, str]) -> dict[str, str]:
    """A first guess for an unknown file: columns whose name reads like a target."""

    def squash(text: str) -> str:
        return re.sub(r"[^a-z]", "", text.casefold())

    by_name = {squash(key): key for key in targets}
    by_name.update({squash(label.split("(")[0]): key for key, label in targets.items()})
    twice = {name.casefold() for name in header_duplicates(header)}
    mapping, used = {}, set()
    for column in header:
        if column.casefold() in twice:
            continue
        target = by_name.get(squash(column))
        if target and target not in used:
            mapping[column] = target
            used.add(target)
    return mapping


def mapping_problems(
    mapping: dict[str, str], targets: dict[str, str], required, *, header: list[str] = ()
) -> list[str]:
    problems, seen = [], {}
    twice = header_duplicates(list(header))
    twice = {name.casefold(): spots for name, spots in twice.items()}
    for column, target in mapping.items():
        if not target:
            continue
        if column.casefold() in twice:
            spots = twice[column.casefold()]
            problems.append(
                f"Column “{column}” is named twice (columns "
                f"{', '.join(map(str, spots[:-1]))} and {spots[-1]}): rename one in the file "
                "to import it, or leave it unmapped."
            )
            continue
        if target not in targets:
            problems.append(f"Column “{column}”: “{target}” is not something we can import.")
        elif target in seen:
            problems.append(
                f"Columns “{seen[target]}” and “{column}” are both mapped to "
                f"{targets[target].split(' (')[0].lower()}."
            )
        seen.setdefault(target, column)
    for target in required:
        if target not in seen:
            problems.append(f"Map a column to {targets[target].split(' (')[0].lower()}.")
    return problems


# --- cell values ---------------------------------------------------------------------------


class CellError(ValueError):
    """A cell that cannot be read; the message says what was expected."""


TRUE_WORDS = {"yes", "y", "true", "t", "1", "x", "opted in", "opt-in", "checked"}
FALSE_WORDS = {"no", "n", "false", "f", "0", "opted out", "opt-out", "unchecked"}


@lru_cache(maxsize=4096)
def parse_bool(text: str) -> bool | None:
    word = text.strip().casefold()
    if not word:
        return None
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise CellError(f"“{text}” is not yes or no.")


SOURCE_WORDS = [
    ("purchased_list", ("purchas", "list", "bought")),
    ("webinar", ("webinar",)),
    ("trade_show", ("trade", "show", "event", "conference", "offline")),
    ("content_download", ("download", "content", "ebook", "whitepaper", "white paper")),
    ("referral", ("referr", "partner", "word of mouth")),
    (
        "web_inquiry",
        (
            "web",
            "search",
            "direct",
            "inquiry",
            "enquiry",
            "organic",
            "paid",
            "social",
            "email",
            "form",
            "phone",
            "chat",
        ),
    ),
]


@lru_cache(maxsize=4096)
def parse_source(text: str) -> str:
    """CRM source names vary; anything unrecognised is "other" rather than an error."""
    word = text.strip().casefold().replace("_", " ")
    if not word:
        return "other"
    for key, stems in SOURCE_WORDS:
        if word == key.replace("_", " ") or any(stem in word for stem in stems):
            return key
    return "other"


SENIORITY_WORDS = {
    "individual": "individual",
    "individual contributor": "individual",
    "ic": "individual",
    "manager": "manager",
    "director": "director",
    "vp": "vp",
    "vice president": "vp",
    "c-level": "c_level",
    "c level": "c_level",
    "c_level": "c_level",
    "executive": "c_level",
    "owner": "owner",
    "founder": "owner",
}


@lru_cache(maxsize=4096)
def seniority_from_title(title: str) -> str:
    """A seniority read from a job title, so rules on seniority can judge imported leads."""
    t = f" {title.casefold()} "
    if not title.strip():
        return ""
    if re.search(r"\b(owner|founder|co-founder|proprietor)\b", t):
        return "owner"
    if re.search(r"\b(chief|ceo|cfo|cto|cmo|coo|cro|cio|ciso|president)\b", t) and not re.search(
        r"\bvice president\b", t
    ):
        return "c_level"
    if re.search(r"\b(vp|svp|evp|vice president|head of)\b", t):
        return "vp"
    if re.search(r"\bdirector\b", t):
        return "director"
    if re.search(r"\b(manager|lead|supervisor)\b", t):
        return "manager"
    return "individual"


@lru_cache(maxsize=4096)
def parse_seniority(text: str) -> str:
    word = text.strip().casefold()
    if not word:
        return ""
    if word in SENIORITY_LEVELS:
        return word
    if word in SENIORITY_WORDS:
        return SENIORITY_WORDS[word]
    raise CellError(f"“{text}” is not a seniority ({', '.join(SENIORITY_LEVELS)}).")


@lru_cache(maxsize=4096)
def parse_evidence(text: str) -> str:
    word = text.strip().casefold()
    if not word:
        return "none"
    for level in EVIDENCE_LEVELS:
        if word == level or word.startswith(level):
            return level
    raise CellError(f"“{text}” is not an evidence level ({', '.join(EVIDENCE_LEVELS)}).")


STAGE_WORDS = {
    "subscriber": "inquiry",
    "inquiry": "inquiry",
    "enquiry": "inquiry",
    "name": "inquiry",
    "other": "inquiry",
    "lead": "lead",
    "marketingqualifiedlead": "lead",
    "mql": "lead",
    "marketing qualified lead": "lead",
    "accepted": "accepted",
    "salesacceptedlead": "accepted",
    "sal": "accepted",
    "sales accepted lead": "accepted",
    "opportunity": "opportunity",
    "salesqualifiedlead": "opportunity",
    "sql": "opportunity",
    "sales qualified lead": "opportunity",
    "customer": "customer",
    "evangelist": "customer",
    # Salesforce's lead statuses: open ones were handed over as leads, worked ones were
    # accepted by sales, converted ones became opportunities.
    "open - not contacted": "lead",
    "open": "lead",
    "new": "lead",
    "working - contacted": "accepted",
    "working": "accepted",
    "contacted": "accepted",
    "closed - converted": "opportunity",
    "qualified": "opportunity",
    "converted": "opportunity",
    "closed - not converted": "lead",
    "unqualified": "lead",
}

STAGES = {
    "inquiry": "Inquiry",
    "lead": "Lead",
    "accepted": "Accepted by sales",
    "opportunity": "Opportunity",
    "customer": "Customer",
}


@lru_cache(maxsize=4096)
def parse_stage(text: str) -> str:
    word = text.strip().casefold()
    if not word:
        return "lead"
    if word in STAGE_WORDS:
        return STAGE_WORDS[word]
    raise CellError(f"“{text}” is not a stage (inquiry, lead, accepted, opportunity, customer).")


def column_words(table: Table, column: str, limit: int = 30) -> list[tuple[str, int]]:
    """The distinct words of a column (a stage column, say) with their row counts, most
    frequent first; none when the column holds more than `limit` of them."""
    if column not in table.header:
        return []
    index = table.header.index(column)
    counts: dict[str, int] = {}
    for _, cells in table.rows:
        word = cells[index].strip() if index < len(cells) and cells[index] else ""
        if word:
            counts[word] = counts.get(word, 0) + 1
            if len(counts) > limit:
                return []
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def stage_reader(chosen: dict[str, str] | None = None) -> Callable[[str], str]:
    """parse_stage, with the stages chosen on the mapping page for the file's own words."""
    chosen = {word.strip().casefold(): stage for word, stage in (chosen or {}).items()}
    if not chosen:
        return parse_stage

    def read(text: str) -> str:
        return chosen.get(text.strip().casefold()) or parse_stage(text)

    return read


# --- dates and numbers, read one way per column --------------------------------------------

DATE_TARGETS = {"handed_over_at", "occurred_on"}
NUMBER_TARGETS = {"company_size", "amount"}
DATE_ORDERS = {"dmy": "day/month/year", "mdy": "month/day/year", "ymd": "year/month/day"}
DECIMAL_SIGNS = {",": "a decimal comma (1.234,5)", ".": "a decimal point (1,234.5)"}

_NUMERIC_DATE = re.compile(
    r"(\d{1,4})([/.\-])(\d{1,2})\2(\d{1,4})"
    r"(?:(?:[ T]|, ?)(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6})\d*)?)?"
    r"(?:\s*([AaPp])\.?[Mm]\.?)?)?"
    r"\s*(Z|UTC|GMT|[+\-]\d{2}:?\d{2})?"
)
_WORDY_DATES = ("%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y", "%d-%b-%Y", "%d-%b-%y")


@dataclass
class Reading:
    """How one column's dates or numbers are read, and why (shown on the dry run)."""

    column: str
    target: str
    dates: str = ""  # a key of DATE_ORDERS
    decimal: str = ""  # a key of DECIMAL_SIGNS
    because: str = ""

    def __str__(self) -> str:
        if self.dates:
            how = f"dates read as {DATE_ORDERS[self.dates]}"
        else:
            how = f"numbers read with {DECIMAL_SIGNS[self.decimal]}"
        return f"“{self.column}”: {how}" + (f" ({self.because})" if self.because else "")


def _column_cells(table: Table, column: str):
    """(line, text) of the column's first cell of each distinct non-blank text."""
    index = table.header.index(column)
    seen = set()
    for line, cells in table.rows:
        text = cells[index] if index < len(cells) else None
        if text is None or text in seen:
            continue
        seen.add(text)
        if text.strip():
            yield line, text.strip()


def _date_evidence(table: Table, column: str):
    """For each order, the first value that can only be read that way; and the first
    value that reads both ways."""
    only = {}
    both = None
    for line, text in _column_cells(table, column):
        match = _NUMERIC_DATE.match(text)
        if not match or len(match.group(1)) == 4:
            continue  # ISO and other year-first dates read one way whatever the order
        if match.group(2) == ".":
            only.setdefault("dots", (line, text))
            continue
        first, second = int(match.group(1)), int(match.group(3))
        if first > 12 >= second:
            only.setdefault("dmy", (line, text))
        elif second > 12 >= first:
            only.setdefault("mdy", (line, text))
        elif first != second and both is None:
            both = (line, text)
    return only, both


def _number_token(text: str) -> str:
    """The digits and separators of a number cell, without currency, spaces or a range."""
    cleaned = re.sub(r"[\s\u00a0\u202f'’]", "", text)
    match = re.search(r"\d[\d.,]*", cleaned)
    return match.group(0).rstrip(".,") if match else ""


def _decimal_of(token: str) -> str | None:
    """The decimal sign a number must have been written with, or None if it reads either
    way ("1,200" or "50.000") or has no separator."""
    commas, points = token.count(","), token.count(".")
    if commas and points:
        return "," if token.rfind(",") > token.rfind(".") else "."
    if commas + points == 0:
        return None
    sign = "," if commas else "."
    if commas + points > 1:
        return "." if sign == "," else ","  # repeated: thousands
    whole, decimals = token.split(sign)
    if len(decimals) != 3 or whole in ("", "0"):
        return sign
    return None


def readings_decide(
    table: Table, mapping: dict[str, str], *, crm: str = "", chosen: dict | None = None
) -> tuple[dict[str, Reading], list[tuple[int | None, str, str]]]:
    """How each mapped date and number column is read: as chosen on the mapping page, else
    from values that read only one way, else from the CRM's format (dates) or the file's
    delimiter (numbers). A column that stays ambiguous is a problem naming it, or, for
    numbers, its ambiguous cells are; each problem is (line, column, message)."""
    chosen = chosen or {}
    readings, problems = {}, []
    crm_format = CRM_BY_KEY.get(crm)
    for column, target in mapping.items():
        if column not in table.header:
            continue
        if target in DATE_TARGETS:
            reading = Reading(column, target)
            only, both = _date_evidence(table, column)
            if chosen.get("dates"):
                reading.dates, reading.because = chosen["dates"], "as chosen"
            elif "dmy" in only and "mdy" in only:
                (l1, t1), (l2, t2) = only["dmy"], only["mdy"]
                problems.append(
                    (
                        None,
                        column,
                        f"Dates are written two ways: “{t1}” ({table.place(l1)}) is day first "
                        f"and “{t2}” ({table.place(l2)}) month first. Correct the file, or "
                        "choose how its dates are written below.",
                    )
                )
                continue
            elif "dmy" in only or "mdy" in only:
                reading.dates = "dmy" if "dmy" in only else "mdy"
                line, text = only[reading.dates]
                first = "day" if reading.dates == "dmy" else "month"
                reading.because = f"“{text}” on {table.place(line)} can only be {first} first"
            elif "dots" in only:
                reading.dates = "dmy"
                reading.because = f"written with dots, as “{only['dots'][1]}”"
            elif both and crm_format and crm_format.date_order:
                reading.dates = crm_format.date_order
                reading.because = f"as a {crm_format.name} writes them"
            elif both:
                line, text = both
                problems.append(
                    (
                        None,
                        column,
                        f"Dates such as “{text}” ({table.place(line)}) read as day/month/year "
                        "or as month/day/year, and no date in the column settles which. "
                        "Choose how the dates are written below.",
                    )
                )
                continue
            else:
                reading.dates = "ymd"
                reading.because = "written year first"
            readings[column] = reading
        elif target in NUMBER_TARGETS:
            reading = Reading(column, target)
            votes: dict[str, tuple[int, str]] = {}
            undecided = []
            for line, text in _column_cells(table, column):
                token = _number_token(text)
                sign = _decimal_of(token)
                if sign:
                    votes.setdefault(sign, (line, text))
                elif token and ("," in token or "." in token):
                    undecided.append((line, text))
            hint = {";": ",", ",": "."}.get(table.delimiter) if table.unit == "line" else "."
            if chosen.get("decimal"):
                reading.decimal, reading.because = chosen["decimal"], "as chosen"
            elif len(votes) == 2:
                (l1, t1), (l2, t2) = votes[","], votes["."]
                problems.append(
                    (
                        None,
                        column,
                        f"Numbers are written two ways: “{t1}” ({table.place(l1)}) has a "
                        f"decimal comma and “{t2}” ({table.place(l2)}) a decimal point. "
                        "Correct the file, or choose how its numbers are written below.",
                    )
                )
                continue
            elif votes:
                reading.decimal = next(iter(votes))
                line, text = votes[reading.decimal]
                reading.because = f"“{text}” on {table.place(line)} reads only so"
            elif hint:
                reading.decimal = hint
                reading.because = (
                    "the file is separated by semicolons, as where the comma is the decimal sign"
                    if hint == ","
                    else "the file is separated by commas"
                )
            else:
                for line, text in undecided:
                    problems.append(
                        (
                            line,
                            column,
                            f"“{text}” reads as a whole number or as a decimal: choose how "
                            "numbers are written below.",
                        )
                    )
                continue
            readings[column] = reading
    return readings, problems


def _two_digit_year(year: int, written: str) -> int:
    if len(written) > 2:
        return year
    return year + (2000 if year < 70 else 1900)


def datetime_reader(order: str = "ymd") -> Callable[[str], datetime | None]:
    """A parser of date-times (or dates, at 09:00) written with the column's order."""

    def read(text: str) -> datetime | None:
        raw = text.strip()
        if not raw:
            return None
        try:
            moment = datetime.fromisoformat(raw)
        except ValueError:
            moment = _numeric_moment(raw, order)
        if not EARLIEST <= moment.date() <= LATEST:  # as the forms' dates (config.fields)
            raise CellError(f"“{raw}” is not a date between 2000 and 2100.")
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment

    return read


def date_reader(order: str = "ymd") -> Callable[[str], date | None]:
    read_moment = datetime_reader(order)

    def read(text: str) -> date | None:
        moment = read_moment(text)
        return None if moment is None else timezone.localtime(moment).date()

    return read


def _numeric_moment(raw: str, order: str) -> datetime:
    words = f"“{raw}” is not a date written {DATE_ORDERS.get(order, 'year-month-day')}"
    match = _NUMERIC_DATE.fullmatch(raw)
    if not match:
        for fmt in _WORDY_DATES:
            try:
                return datetime.strptime(raw, fmt).replace(hour=9)
            except ValueError:
                continue
        raise CellError(f"{words}.")
    a, sep, b, c, hour, minute, second, fraction, half, zone = match.groups()
    if len(a) == 4:
        year, month, day = int(a), int(b), int(c)
    elif sep == "." or order == "dmy":
        day, month, year = int(a), int(b), _two_digit_year(int(c), c)
    elif order == "mdy":
        month, day, year = int(a), int(b), _two_digit_year(int(c), c)
    else:
        raise CellError(f"{words}.")
    if hour is None:
        clock = (9, 0, 0, 0)
    else:
        h = int(hour)
        if half:
            if not 1 <= h <= 12:
                raise CellError(f"{words}: {hour} is not an hour on a 12-hour clock.")
            h = h % 12 + (12 if half in "Pp" else 0)
        clock = (h, int(minute), int(second or 0), int((fraction or "0").ljust(6, "0")))
    tzinfo = None
    if zone:
        if zone in ("Z", "UTC", "GMT"):
            tzinfo = UTC
        else:
            minutes = int(zone[1:3]) * 60 + int(zone[-2:])
            tzinfo = dt_timezone(timedelta(minutes=minutes if zone[0] == "+" else -minutes))
    try:
        return datetime(year, month, day, *clock, tzinfo=tzinfo)
    except ValueError:
        raise CellError(f"{words} (read as {DATE_ORDERS[order]}).") from None


def _number_read(text: str, decimal: str, what: str) -> Decimal | None:
    if not text.strip():
        return None
    token = _number_token(text)
    thousands = "." if decimal == "," else ","
    grouped = rf"\d{{1,3}}(?:{re.escape(thousands)}\d{{3}})+"
    pattern = rf"(?:{grouped}|\d+)(?:{re.escape(decimal)}\d+)?"
    if not token or not re.fullmatch(pattern, token):
        raise CellError(f"“{text}” is not {what} written with {DECIMAL_SIGNS[decimal]}.")
    return Decimal(token.replace(thousands, "").replace(decimal, "."))


def size_reader(decimal: str = ".") -> Callable[[str], int | None]:
    """Employees: "250", "1.200" or "1,200" (as the column writes thousands), "12,0",
    "51-200" (the lower bound), "10000+"."""

    def read(text: str) -> int | None:
        raw = re.sub(r"[\s\u00a0\u202f'’]", "", text)
        if not raw:
            return None
        if not re.fullmatch(r"\d[\d.,]*(?:[-–]\d[\d.,]*|\+)?", raw):
            raise CellError(f"“{text}” is not a number of employees.")
        number = _number_read(raw, decimal, "a number of employees")
        if number != number.to_integral_value():
            raise CellError(f"“{text}” is not a whole number of employees.")
        return int(number)

    return read


def amount_reader(decimal: str = ".") -> Callable[[str], Decimal | None]:
    """Amounts with or without a currency: "1.234,50 €", "$1,234.50", "12,5"."""

    def read(text: str) -> Decimal | None:
        if not text.strip():
            return None
        if "-" in text or "−" in text:
            raise CellError("An amount cannot be negative.")
        if not re.search(r"\d", text):
            raise CellError(f"“{text}” is not an amount.")
        amount = _number_read(text, decimal, "an amount")
        return amount.quantize(Decimal("0.01"))

    return read


def salesforce_id18(text: str) -> str:
    """A Salesforce Id in its 18-character form: a 15-character Id gets its checksum (one
    letter per five characters, from which of them are upper case)."""
    if len(text) != 15 or not text.isascii() or not text.isalnum():
        return text
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
    suffix = ""
    for start in (0, 5, 10):
        bits = sum(1 << i for i, char in enumerate(text[start : start + 5]) if char.isupper())
        suffix += alphabet[bits]
    return text + suffix


def parse_line(text: str) -> str:
    """A one-line value: a line break inside its quoted cell becomes a space."""
    text = text.strip()
    if "\n" in text or "\r" in text:
        return re.sub(r"\s*[\r\n]+\s*", " ", text)
    return text


# Fields whose cells may keep their line breaks.
MULTILINE = {"need_note", "budget_note", "authority_note"}


@cache
def _email_user_pattern() -> re.Pattern:
    return re.compile(validate_email.user_regex.pattern, validate_email.user_regex.flags)


@lru_cache(maxsize=4096)
def _email_domain_ok(domain: str) -> bool:
    return domain in validate_email.domain_allowlist or validate_email.validate_domain_part(domain)


def parse_email(text: str) -> str:
    raw = text.strip()
    if not raw:
        return ""
    # Django's validate_email, with the domain check remembered: an import's addresses
    # share a few domains, and the domain pattern is most of the cost.
    user, at, domain = raw.rpartition("@")
    if not (at and len(raw) <= 320 and _email_user_pattern().match(user)) or not (
        _email_domain_ok(domain)
    ):
        raise CellError(f"“{text}” is not an e-mail address.")
    return raw.lower()


class _Remembered(dict):
    """Parsed values by cell text; a missing one is parsed (and kept) on first use."""

    def __init__(self, read: Callable[[str], object]):
        super().__init__()
        self.read = read

    def __missing__(self, text: str):
        value = self[text] = self.read(text)
        return value


def cell_reader(parse: Callable[[str], object], *, limit: int | None = None, memoise=False):
    """One column's parser with its length limit. For columns whose cells repeat (titles,
    industries, stages) the values are remembered, so most cells of a large file cost one
    dictionary look-up. Raises CellError."""

    def read(text: str):
        if "\x00" in text:
            raise CellError("Contains a NUL character (byte 0), which cannot be stored.")
        if text[:1] == "'":
            text = cell_unneutralise(text)  # an Accord export's neutralised formula
        value = parse(text)
        if limit and isinstance(value, str) and len(value) > limit:
            raise CellError(f"Longer than {limit} characters.")
        return value

    return _Remembered(read).__getitem__ if memoise else read


OUTCOME_WORDS = {
    "opportunity": "opportunity",
    "opportunity created": "opportunity",
    "bought": "bought",
    "won": "bought",
    "closed won": "bought",
    "customer": "bought",
    "lost": "lost",
    "closed lost": "lost",
    "no decision": "no_decision",
    "no_decision": "no_decision",
    "open": "open",
    "still open": "open",
}


def parse_outcome(text: str) -> str:
    word = text.strip().casefold()
    if word in OUTCOME_WORDS:
        return OUTCOME_WORDS[word]
    if not word:
        raise CellError("The outcome is missing.")
    raise CellError(
        f"“{text}” is not an outcome (opportunity created, bought, lost, no decision, still open)."
    )
