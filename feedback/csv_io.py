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
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache

from django.core.validators import validate_email
from django.utils import timezone

from definitions.rules import EVIDENCE_LEVELS, SENIORITY_LEVELS

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 100_000
DELIMITERS = (",", ";", "\t")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class CsvRejected(ValueError):
    """The whole file is refused; the message says why in words a person can act on."""


@dataclass
class Table:
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (line number where the record starts, cells)
    delimiter: str = ","
    encoding: str = "utf-8"


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


def csv_read(data: bytes, *, max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS) -> Table:
    """Parse an upload into a header and numbered rows, or raise CsvRejected."""
    if len(data) > max_bytes:
        raise CsvRejected(
            f"The file is {len(data) / 1024 / 1024:.1f} MB; the limit is "
            f"{max_bytes // 1024 // 1024} MB. Split it, or use the import_leads command."
        )
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
    blank = [str(i) for i, name in enumerate(header, start=1) if not name]
    if blank:
        raise CsvRejected(f"Column {', '.join(blank)} of the header has no name.")
    seen = set()
    for name in header:
        if name.casefold() in seen:
            raise CsvRejected(f"The header names the column “{name}” twice.")
        seen.add(name.casefold())
    return Table(header=header, rows=rows, delimiter=delimiter, encoding=encoding)


# --- rows to bytes (export) ----------------------------------------------------------------


def cell_neutralise(value) -> str:
    """A cell a spreadsheet will show as text: formula starts get a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


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
    columns: dict[str, str] = field(default_factory=dict)

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
            "Job Title": "title",
            "Industry": "industry",
            "Number of Employees": "company_size",
            "Lifecycle Stage": "stage_handed_over",
            "Contact owner": "owner",
            "Original Source": "source",
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
            "Title": "title",
            "Industry": "industry",
            "Lead Source": "source",
            "No. of Employees": "company_size",
            "Lead Owner": "owner",
        },
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
        },
    ),
]


def format_recognise(header: list[str]) -> tuple[CrmFormat | None, dict[str, str]]:
    """The CRM format whose usual headers this file has, and its column mapping."""
    for crm in CRM_FORMATS:
        if crm.matches(header):
            mapping, used = {}, set()
            for column in header:
                target = crm.columns.get(column)
                if target and target not in used:
                    mapping[column] = target
                    used.add(target)
            return crm, mapping
    return None, {}


def mapping_guess(header: list[str], targets: dict[str, str]) -> dict[str, str]:
    """A first guess for an unknown file: columns whose name reads like a target."""

    def squash(text: str) -> str:
        return re.sub(r"[^a-z]", "", text.casefold())

    by_name = {squash(key): key for key in targets}
    by_name.update({squash(label.split("(")[0]): key for key, label in targets.items()})
    mapping, used = {}, set()
    for column in header:
        target = by_name.get(squash(column))
        if target and target not in used:
            mapping[column] = target
            used.add(target)
    return mapping


def mapping_problems(mapping: dict[str, str], targets: dict[str, str], required) -> list[str]:
    problems, seen = [], {}
    for column, target in mapping.items():
        if not target:
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


@lru_cache(maxsize=4096)
def parse_size(text: str) -> int | None:
    """Employees: "250", "1,200", "51-200" (the lower bound), "10000+"."""
    raw = text.strip().replace(",", "").replace(" ", "").replace("\u00a0", "")
    if not raw:
        return None
    match = re.fullmatch(r"(\d+)(?:\.0+)?(?:[-–]\d+|\+)?", raw)
    if not match:
        raise CellError(f"“{text}” is not a number of employees.")
    return int(match.group(1))


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
}


@lru_cache(maxsize=4096)
def parse_stage(text: str) -> str:
    word = text.strip().casefold()
    if not word:
        return "lead"
    if word in STAGE_WORDS:
        return STAGE_WORDS[word]
    raise CellError(f"“{text}” is not a stage (inquiry, lead, accepted, opportunity, customer).")


DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y")
DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M")


def parse_date(text: str) -> date | None:
    raw = text.strip()
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw).date()
    except ValueError:
        pass
    for fmt in DATE_FORMATS + DATETIME_FORMATS:
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise CellError(f"“{text}” is not a date (use YYYY-MM-DD).")


def parse_datetime(text: str) -> datetime | None:
    raw = text.strip()
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        moment = None
        for fmt in DATETIME_FORMATS:
            try:
                moment = datetime.strptime(raw, fmt)
                break
            except ValueError:
                continue
        if moment is None:
            day = parse_date(raw)
            moment = datetime.combine(day, time(9, 0))
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def parse_amount(text: str) -> Decimal | None:
    raw = re.sub(r"[^\d.,-]", "", text.strip())
    if not raw:
        if text.strip():
            raise CellError(f"“{text}” is not an amount.")
        return None
    if "," in raw and "." not in raw and len(raw.rsplit(",", 1)[1]) == 2:
        raw = raw.replace(",", ".")  # 1234,50
    raw = raw.replace(",", "")
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        raise CellError(f"“{text}” is not an amount.") from None
    if amount < 0:
        raise CellError("An amount cannot be negative.")
    return amount.quantize(Decimal("0.01"))


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
