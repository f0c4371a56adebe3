"""One cell to one value: yes/no, sources, seniority, evidence, stages, e-mail, outcomes."""

import re
from collections.abc import Callable
from functools import cache, lru_cache

from django.core.validators import validate_email

from definitions.rules import EVIDENCE_LEVELS, SENIORITY_LEVELS
from feedback.csv_io.reading import Table
from feedback.csv_io.writing import cell_unneutralise


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


def column_samples(table: Table, count: int = 3, scan: int = 200) -> list[list[str]]:
    """Up to `count` distinct non-blank values of each column, from the first `scan` rows, so
    the mapping step shows what a column holds (a wide file costs `scan` rows, not all)."""
    samples: list[list[str]] = [[] for _ in table.header]
    for _, cells in table.rows[:scan]:
        for index, cell in enumerate(cells[: len(samples)]):
            value = " ".join(cell.split())
            if value and len(samples[index]) < count and value not in samples[index]:
                samples[index].append(value)
    return samples


def stage_reader(chosen: dict[str, str] | None = None) -> Callable[[str], str]:
    """parse_stage, with the stages chosen on the mapping page for the file's own words."""
    chosen = {word.strip().casefold(): stage for word, stage in (chosen or {}).items()}
    if not chosen:
        return parse_stage

    def read(text: str) -> str:
        return chosen.get(text.strip().casefold()) or parse_stage(text)

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
