"""Rows to bytes for export, with cells a spreadsheet would run as formulas neutralised."""

import codecs
import csv
import io
import re
from collections.abc import Iterable

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
