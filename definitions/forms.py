"""Input forms for definitions; the rules themselves are in services.py."""

from django import forms

from accounts.models import User
from definitions.models import Definition


class DefinitionForm(forms.ModelForm):
    class Meta:
        model = Definition
        fields = [
            "name",
            "scope",
            "product_line",
            "description",
            "ideal_customer_profile",
            "facilitator",
            "executive_sponsor",
            "quorum_percent",
            "threshold_percent",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "ideal_customer_profile": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {"quorum_percent": "Quorum (%)", "threshold_percent": "Threshold (%)"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        people = User.objects.active()
        self.fields["facilitator"].queryset = people.with_permission("definitions.facilitate")
        self.fields["executive_sponsor"].queryset = people.with_permission(
            "definitions.approve_version"
        )
        self.fields["executive_sponsor"].help_text = "An executive who approves the versions."

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("scope") == Definition.Scope.PRODUCT_LINE and not cleaned.get(
            "product_line"
        ):
            self.add_error("product_line", "Name the product line this definition covers.")
        return cleaned
