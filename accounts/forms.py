"""Sign-in by e-mail address."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label="E-mail address",
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That e-mail address and password do not match an account. "
        "Check both and try again.",
    }


class PreferencesForm(forms.Form):
    announcements = forms.BooleanField(
        label="E-mail me when a new version of a definition is published", required=False
    )


class TokenForm(forms.Form):
    name = forms.CharField(
        label="Token name", max_length=80, help_text="What will use it, e.g. “HubSpot sync”."
    )
