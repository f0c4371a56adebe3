"""What every app's forms share."""

from django import forms
from django.core.exceptions import ValidationError


def errors_onto_form(form: forms.Form, error: ValidationError, *, field: str | None = None) -> None:
    """Show a service's ValidationError on the form: on the field it names where the form has
    that field, else on ``field`` (when given) or above the form."""
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            form.add_error(name if name in form.fields else field, messages)
    else:
        form.add_error(field, error.messages)
