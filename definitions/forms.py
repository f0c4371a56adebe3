"""Input forms for definitions; the rules themselves are in services.py."""

from dataclasses import dataclass

from django import forms

from accounts.models import User
from config.fields import DateTimeField, TextField
from definitions.content import find_criterion, find_stage
from definitions.models import Definition, EvidenceStandard, Proposal, StageLevel, Vote
from definitions.rules import LEAD_FIELDS, OPERATORS


class DefinitionForm(forms.ModelForm):
    START_CHOICES = [
        ("ladder", "The standard ladder: Name/Inquiry → MQL → SAL → SQL/Opportunity → Customer"),
        ("copy", "A copy of another definition"),
        ("empty", "Empty"),
    ]
    start = forms.ChoiceField(
        label="Start from",
        choices=START_CHOICES,
        initial="ladder",
        widget=forms.RadioSelect,
        help_text="The starting content arrives as proposals: version 1 is voted like any other.",
    )
    quorum_percent = forms.IntegerField(label="Quorum (%)", min_value=1, max_value=100, initial=60)
    threshold_percent = forms.IntegerField(
        label="Threshold (%)", min_value=1, max_value=100, initial=75
    )
    copy_from = forms.ModelChoiceField(
        label="Definition to copy",
        queryset=Definition.objects.all(),
        required=False,
        help_text="Only when starting from a copy.",
    )

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
        if cleaned.get("start") == "copy" and not cleaned.get("copy_from"):
            self.add_error("copy_from", "Choose the definition to copy.")
        return cleaned


class StageProposalForm(forms.Form):
    name = TextField(max_length=120)
    after_key = forms.ChoiceField(
        label="Place it after", required=False, help_text="Where the stage sits in the funnel."
    )
    level = forms.ChoiceField(label="Funnel level", choices=StageLevel.choices)
    meaning = TextField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    owner = TextField(max_length=120, required=False, help_text="Who owns leads here.")
    routing = TextField(
        label="Routed to",
        max_length=120,
        required=False,
        help_text="Nurture, inside sales, field sales…",
    )
    follow_up = TextField(
        label="Follow-up service level",
        max_length=120,
        required=False,
        help_text="E.g. contacted within 48 h.",
    )

    def __init__(self, *args, stages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["after_key"].choices = [("", "At the end")] + [
            (s["key"], s["name"]) for s in stages
        ]


RULE_FIELD_CHOICES = [("", "No rule: a person checks it")] + [
    (name, field.label) for name, field in LEAD_FIELDS.items()
]


class CriterionProposalForm(forms.Form):
    stage_key = forms.ChoiceField(label="Stage")
    statement = TextField(max_length=300, help_text="What must be true of the lead.")
    guidance = TextField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="How to tell, and what does not count.",
    )
    evidence = forms.ChoiceField(
        label="Evidence standard", choices=EvidenceStandard.choices, initial="stated"
    )
    weight = forms.IntegerField(min_value=1, max_value=10, initial=1)
    rule_field = forms.ChoiceField(
        label="Rule: lead field", choices=RULE_FIELD_CHOICES, required=False
    )
    rule_operator = forms.ChoiceField(
        label="Rule: operator", choices=[("", "—"), *list(OPERATORS.items())], required=False
    )
    rule_value = TextField(
        label="Rule: value",
        required=False,
        help_text="Comma-separate several values; two for “between”.",
    )

    def __init__(self, *args, stages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage_key"].choices = [(s["key"], s["name"]) for s in stages]

    def payload(self) -> dict:
        data = self.cleaned_data
        rule = None
        if data.get("rule_field"):
            rule = {
                "field": data["rule_field"],
                "operator": data.get("rule_operator") or "",
                "value": data.get("rule_value") or None,
            }
        return {
            "statement": data["statement"],
            "guidance": data.get("guidance", ""),
            "evidence": data["evidence"],
            "weight": data["weight"],
            "rule": rule,
        }


class ProposalMetaForm(forms.Form):
    rationale = TextField(
        widget=forms.Textarea(attrs={"rows": 3}), help_text="Why this change: what it fixes."
    )
    closes_at = DateTimeField(
        label="Vote closes at",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="Leave empty to close it by hand.",
    )


class TargetForm(forms.Form):
    target_key = forms.ChoiceField(label="Which one")

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target_key"].choices = list(choices)


# Fields a link from a finding elsewhere (a meeting, the numbers) may prefill.
PREFILL_FIELDS = (
    "statement",
    "guidance",
    "evidence",
    "rule_field",
    "rule_operator",
    "rule_value",
    "name",
    "level",
    "meaning",
)


def content_initial(content: dict) -> dict:
    """A stage's or criterion's content as the proposal form's initial values."""
    initial = dict(content)
    rule = content.get("rule")
    if rule:
        value = rule.get("value")
        initial.update(
            rule_field=rule["field"],
            rule_operator=rule["operator"],
            rule_value=", ".join(map(str, value)) if isinstance(value, list) else (value or ""),
        )
    return initial


def _target_choices(kind: str, draft: dict) -> list[tuple[str, str]]:
    if kind.endswith("_stage"):
        return [(s["key"], s["name"]) for s in draft["stages"]]
    return [
        (c["key"], f"{s['name']}: {c['statement']}") for s in draft["stages"] for c in s["criteria"]
    ]


def _target_initial(kind: str, draft: dict, target_key: str) -> dict:
    """The content a change starts from: the stage or criterion it changes."""
    if kind == "change_stage" and find_stage(draft, target_key):
        return dict(find_stage(draft, target_key))
    if kind == "change_criterion":
        stage, criterion = find_criterion(draft, target_key)
        if criterion:
            return content_initial({**criterion, "stage_key": stage["key"]})
    return {}


@dataclass
class ProposalForms:
    """The forms of one proposal kind: which one it targets, its content, its rationale."""

    target: TargetForm | None
    content: StageProposalForm | CriterionProposalForm | None
    meta: ProposalMetaForm

    @classmethod
    def build(cls, *, kind: str, draft: dict, data, query, supersedes=None) -> "ProposalForms":
        """The forms for `kind` over `draft`, bound to `data` (None on GET), prefilled from
        the proposal it supersedes, else from the link's `query`."""
        if supersedes is not None:
            initial = content_initial({**supersedes.payload, "stage_key": supersedes.stage_key})
        else:
            initial = {f: query[f] for f in PREFILL_FIELDS if query.get(f)}
            if query.get("stage"):
                initial["stage_key"] = query["stage"]
        target = None
        if kind.startswith(("change", "remove")):
            target_initial = {
                "target_key": query.get("target") or (supersedes.target_key if supersedes else "")
            }
            target = TargetForm(
                data,
                choices=_target_choices(kind, draft),
                initial=target_initial,
                prefix="target",
            )
            target_key = (
                target.data.get("target-target_key") if data else target_initial["target_key"]
            )
            if not initial and target_key:
                initial = _target_initial(kind, draft, target_key)
        content = None
        if kind in ("add_stage", "change_stage"):
            content = StageProposalForm(data, initial=initial, stages=draft["stages"], prefix="c")
        elif kind in ("add_criterion", "change_criterion"):
            content = CriterionProposalForm(
                data, initial=initial, stages=draft["stages"], prefix="c"
            )
        rationale = supersedes.rationale if supersedes else query.get("rationale", "")
        meta = ProposalMetaForm(data, initial={"rationale": rationale}, prefix="m")
        return cls(target=target, content=content, meta=meta)

    @property
    def all_forms(self) -> list[forms.Form]:
        return [f for f in (self.target, self.content, self.meta) if f is not None]

    @property
    def error_form(self) -> forms.Form:
        """Where a service's refusal is shown."""
        return self.content or self.meta

    def is_valid(self) -> bool:
        return all(f.is_valid() for f in self.all_forms)

    def proposal_fields(self) -> dict:
        """The cleaned input as `services.proposal_create`'s keyword arguments."""
        criterion = isinstance(self.content, CriterionProposalForm)
        if self.content is None:
            payload = {}
        elif criterion:
            payload = self.content.payload()
        else:
            payload = self.content.cleaned_data
        return {
            "payload": payload,
            "target_key": self.target.cleaned_data["target_key"] if self.target else "",
            "stage_key": self.content.cleaned_data.get("stage_key", "") if criterion else "",
            "rationale": self.meta.cleaned_data["rationale"],
            "closes_at": self.meta.cleaned_data.get("closes_at"),
        }


class VoteForm(forms.Form):
    position = forms.ChoiceField(
        label="Your position", choices=Vote.Position.choices, widget=forms.RadioSelect
    )
    comment = TextField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="Required when you disagree or block.",
    )


class SubmitDraftForm(forms.Form):
    change_summary = TextField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What changes in this version, in a sentence or two.",
    )


class ReviewForm(forms.Form):
    comment = TextField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="Required when you send the draft back.",
    )


PROPOSAL_KIND_CHOICES = Proposal.Kind.choices


class ConsensusRuleForm(forms.ModelForm):
    quorum_percent = forms.IntegerField(label="Quorum (%)", min_value=1, max_value=100)
    threshold_percent = forms.IntegerField(label="Threshold (%)", min_value=1, max_value=100)

    class Meta:
        model = Definition
        fields = ["quorum_percent", "threshold_percent"]
        labels = {"quorum_percent": "Quorum (%)", "threshold_percent": "Threshold (%)"}
