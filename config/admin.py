"""What every app's admin pages share."""

from django.db import models

from config import fields


class RangedDatesAdmin:
    """Dates typed in the admin get the range of the app's forms (2000–2100): a year 9999
    typed here would break the pages that do arithmetic on it, as it would there."""

    formfield_overrides = {
        models.DateTimeField: {"form_class": fields.SplitDateTimeField},
        models.DateField: {"form_class": fields.DateField},
    }
