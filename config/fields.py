"""Form fields shared by every app: dates in a range people mean, ids parsed from queries.

A date a person types is between 2000 and 2100: further out is a typo (9999-12-31), and
arithmetic on it (a cycle's end, the next review in two weeks) would overflow.
"""

import datetime

from django import forms
from django.core.exceptions import ValidationError

EARLIEST = datetime.date(2000, 1, 1)
LATEST = datetime.date(2100, 12, 31)
OUT_OF_RANGE = "Pick a date between 2000 and 2100."


def date_in_range(value: datetime.date | datetime.datetime) -> None:
    day = value.date() if isinstance(value, datetime.datetime) else value
    if not EARLIEST <= day <= LATEST:
        raise ValidationError(OUT_OF_RANGE, code="date_range")


class DateField(forms.DateField):
    default_validators = [date_in_range]

    def widget_attrs(self, widget):
        return {
            **super().widget_attrs(widget),
            "min": EARLIEST.isoformat(),
            "max": LATEST.isoformat(),
        }


class DateTimeField(forms.DateTimeField):
    default_validators = [date_in_range]

    def to_python(self, value):
        try:
            return super().to_python(value)
        except OverflowError:  # making a far date aware can overflow
            raise ValidationError(OUT_OF_RANGE, code="date_range") from None


class SplitDateTimeField(forms.SplitDateTimeField):
    """The admin's date and time boxes, in the same range."""

    default_validators = [date_in_range]

    def compress(self, data_list):
        try:
            return super().compress(data_list)
        except OverflowError:
            raise ValidationError(OUT_OF_RANGE, code="date_range") from None


def date_field_for(db_field, **kwargs):
    """For ModelForms: model date fields become the ranged fields above, and typed text the
    TextField below (blank when it shows nothing; a long text at most TEXT_MAX_LENGTH)."""
    from django.db import models

    if isinstance(db_field, models.DateTimeField):
        return db_field.formfield(form_class=DateTimeField, **kwargs)
    if isinstance(db_field, models.DateField):
        return db_field.formfield(form_class=DateField, **kwargs)
    if isinstance(db_field, models.TextField | models.CharField) and not db_field.choices:
        return db_field.formfield(form_class=TextField, **kwargs)
    return db_field.formfield(**kwargs)


class _IdForm(forms.Form):
    id = forms.IntegerField(min_value=1, max_value=2**63 - 1, required=False)


def id_param(data, name: str) -> int | None:
    """A positive id from a query or form value; None when absent or not an id."""
    form = _IdForm({"id": data.get(name, "")})
    return form.cleaned_data["id"] if form.is_valid() else None


def id_params(data, name: str) -> list[int]:
    """The positive ids among a query's repeated values (`?answers=3&answers=7`); a value that
    is not an id ("²", a number past the database's integers) is left out."""
    found = (id_param({name: value}, name) for value in data.getlist(name))
    return [pk for pk in found if pk is not None]


# Characters that show nothing: zero-width spaces and joiners, the byte-order mark, and
# control characters other than line breaks and tabs.
INVISIBLE = "".join(
    [chr(c) for c in range(32) if chr(c) not in "\n\r\t"]
    + ["\x7f", "\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u2060", "\ufeff", "\u00ad"]
)
# What text that shows nothing is made of: the invisible characters and spaces of any kind.
SHOWS_NOTHING = INVISIBLE + " \n\r\t\u00a0\u3000"
TEXT_MAX_LENGTH = 5000


class TextField(forms.CharField):
    """Typed text: blank when it shows nothing, and at most TEXT_MAX_LENGTH characters
    unless the field says otherwise (a 5 MB comment would be every reader's 5 MB)."""

    def __init__(self, *, max_length=None, **kwargs):
        # A model's TextField says no max_length: typed text still has the limit.
        super().__init__(max_length=max_length or TEXT_MAX_LENGTH, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value and not value.strip(SHOWS_NOTHING):
            return self.empty_value
        return value
