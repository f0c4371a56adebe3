"""Bytes to rows: encodings, delimiters, limits, each row with its line number."""

import codecs
import csv
import io
import re
from dataclasses import dataclass, field

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
