"""The numbers page's query parameters: the filters and the leads-needed plan."""

from django import forms

from config.fields import DateField
from numbers_app.filters import Filters


class NumbersForm(forms.Form):
    """The filters and the leads-needed plan; every field may stay empty."""

    date_from = DateField(
        label="Handed over from", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = DateField(
        label="Handed over to", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    version = forms.TypedChoiceField(label="Version", required=False, coerce=int, empty_value=None)
    source = forms.ChoiceField(label="Source", required=False)
    rep = forms.TypedChoiceField(label="Rep", required=False, coerce=int, empty_value=None)
    revenue_target = forms.DecimalField(
        label="Revenue target", required=False, min_value=0, max_digits=16, decimal_places=2
    )
    average_deal = forms.DecimalField(
        label="Average deal size",
        required=False,
        min_value=0.01,
        max_digits=14,
        decimal_places=2,
        help_text="Empty: the measured average of the deals bought.",
    )

    def __init__(self, data, *, choices: dict):
        super().__init__(data)
        self.fields["version"].choices = [("", "Any version")] + [
            (v.pk, f"Version {v.number}") for v in choices["versions"]
        ]
        self.fields["source"].choices = [("", "Any source"), *choices["sources"]]
        self.fields["rep"].choices = [("", "Any rep")] + [
            (r.pk, r.full_name or r.email) for r in choices["reps"]
        ]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The end of the period comes before its start.")
        return cleaned

    def valid_data(self) -> dict:
        """What validated: an invalid field is left out (and shows its error), the others
        still apply."""
        self.is_valid()
        return getattr(self, "cleaned_data", {})

    def error_text(self) -> str:
        """Every error, each naming its field, for a CSV export that cannot answer."""
        return " ".join(
            f"{self.fields[name].label if name in self.fields else 'Filters'}: {error}"
            for name, errors in self.errors.items()
            for error in errors
        )

    def filters(self) -> Filters:
        data = self.valid_data()
        return Filters(
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            version_id=data.get("version"),
            source=data.get("source") or "",
            rep_id=data.get("rep"),
        )
