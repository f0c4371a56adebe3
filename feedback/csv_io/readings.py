"""Dates and numbers, read one way per column: deciding the date order and decimal sign."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import timezone as dt_timezone
from decimal import Decimal

from django.utils import timezone

from config.fields import EARLIEST, LATEST
from feedback.csv_io.cells import CellError
from feedback.csv_io.columns import CRM_BY_KEY
from feedback.csv_io.reading import Table

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
