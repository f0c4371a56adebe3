"""Percentages as people read them: rounded half up (12.5 % shows as 13 %), on the pages,
the charts and the CSV exports alike."""

from decimal import ROUND_HALF_UP, Decimal


def percent_points(value, places: int = 0) -> Decimal | None:
    """A ratio (0.125) as percentage points rounded half up (13), None for no data.

    The ratio goes through its shortest decimal form, so 0.145 (a float a hair below it)
    still rounds to 15, as 29 of 200 should."""
    if value is None:
        return None
    exact = Decimal(repr(float(value))) * 100
    return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP) + 0


def percent(value) -> str:
    """ "13%", or "no data" when there is nothing to divide."""
    points = percent_points(value)
    return "no data" if points is None else f"{points}%"
