"""Text and dates in API requests, held to the forms' rules (config.fields): text at most
TEXT_MAX_LENGTH characters unless a field says otherwise and blank when it shows nothing,
dates between 2000 and 2100."""

import datetime
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, StringConstraints, WithJsonSchema

from config.fields import EARLIEST, LATEST, OUT_OF_RANGE, SHOWS_NOTHING, TEXT_MAX_LENGTH


def _blank_if_invisible(value):
    if isinstance(value, str) and value and not value.strip(SHOWS_NOTHING):
        return ""
    return value


def api_text(max_length: int = TEXT_MAX_LENGTH, *, min_length: int | None = None):
    """A string type for a schema field: `note: api_text() | None = None`. The limits are
    checked after invisible-only text became blank, so a required field refuses it."""
    return Annotated[
        str,
        StringConstraints(max_length=max_length, min_length=min_length),
        BeforeValidator(_blank_if_invisible),
    ]


def _date_in_range(value: datetime.date) -> datetime.date:
    if not EARLIEST <= value <= LATEST:
        raise ValueError(OUT_OF_RANGE)
    return value


# The range in the schema too (JSON Schema has no bounds for dates): YYYY-MM-DD from 2000
# to 2100, every day of every month but 29 February, which the API accepts all the same.
DATE_PATTERN = (
    r"^(20[0-9]{2}|2100)-(((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01]))"
    r"|((0[469]|11)-(0[1-9]|[12][0-9]|30))|(02-(0[1-9]|1[0-9]|2[0-8])))$"
)

# A date a person gives: the forms' range, so the same typo is refused the same way.
ApiDate = Annotated[
    datetime.date,
    AfterValidator(_date_in_range),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date",
            "pattern": DATE_PATTERN,
            "description": "A date between 2000-01-01 and 2100-12-31 (YYYY-MM-DD).",
        }
    ),
]
