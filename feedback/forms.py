"""Forms parse input; the services enforce the rules."""

from datetime import timedelta
from functools import lru_cache

from django import forms
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from accounts.models import Department, User
from config.fields import DateTimeField, TextField, date_field_for
from definitions.models import Definition
from feedback import csv_io
from feedback.models import (
    EVIDENCE_CHOICES,
    NEEDS_REASON,
    CheckResult,
    Lead,
    LeadFeedback,
    LeadImport,
    Outcome,
    RejectionReason,
    ReviewCycle,
    Suggestion,
)
from feedback.selectors import QUEUE_SHOWS, QueueCursor, review_meetings
from feedback.services import LEAD_FORM_FIELDS


def sales_reps():
    return User.objects.active().in_department(Department.SALES).order_by("full_name")


CHECKED = " checked"


@lru_cache(maxsize=64)
def _options_escaped(choices: tuple) -> tuple[tuple[str, str, str], ...]:
    """Each option as (value, value escaped, label escaped): the same for every form with
    these choices, so worked out once."""
    return tuple((str(value), escape(value), escape(label)) for value, label in choices)


class FeedbackForm(forms.Form):
    """One lead's feedback in the review queue; the reasons come from one shared list so a
    page of forty leads costs no more queries than a page of four."""

    agrees_with_stage = forms.TypedChoiceField(
        label="Is it a lead at the stage it was handed over?",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    decision = forms.ChoiceField(
        label="Did it enter the sales process?",
        choices=LeadFeedback.Decision.choices,
        widget=forms.RadioSelect,
    )
    reasons = forms.MultipleChoiceField(
        label="Reasons",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="At least one when you reject or recycle the lead.",
    )
    wanted_to_know = TextField(
        label="What else would you have liked to know?",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    comment = TextField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, reasons: list[RejectionReason], **kwargs):
        super().__init__(*args, **kwargs)
        self._reasons = {str(reason.pk): reason for reason in reasons}
        self.fields["reasons"].choices = [
            (str(reason.pk), f"{reason.label}{' (unwritten)' if reason.is_unwritten else ''}")
            for reason in reasons
        ]

    @classmethod
    def for_feedback(cls, feedback: LeadFeedback | None, *, prefix: str, reasons):
        initial = {}
        if feedback is not None:
            # A feedback a save just returned knows its reasons; one read has them prefetched.
            given = getattr(feedback, "reasons_saved", None)
            initial = {
                "agrees_with_stage": "yes" if feedback.agrees_with_stage else "no",
                "decision": feedback.decision,
                "reasons": [
                    str(reason.pk)
                    for reason in (feedback.reasons.all() if given is None else given)
                ],
                "wanted_to_know": feedback.wanted_to_know,
                "comment": feedback.comment,
            }
        return cls(initial=initial, prefix=prefix, reasons=reasons)

    CHOICE_FIELDS = ("agrees_with_stage", "decision", "reasons")

    @cached_property
    def inputs(self) -> dict[str, dict]:
        """What the queue's row draws of each field, as plain values: a page of leads renders
        its radios and boxes from these instead of a widget template per input, which cost
        more than everything else the page does."""
        fields = {}
        for name in (*self.CHOICE_FIELDS, "wanted_to_know", "comment"):
            bound = self[name]
            value = bound.value()
            fields[name] = {
                "name": bound.html_name,
                "id": bound.auto_id,
                "invalid": bool(bound.errors),
                "value": "" if value is None else value,
                "chosen": {str(v) for v in value}
                if isinstance(value, list | tuple)
                else {str(value)},
            }
        return fields

    @cached_property
    def choices_html(self) -> dict[str, SafeString]:
        """The radios and boxes of each choice field, as Django's widgets would draw them.
        The options' values and labels are escaped once for every form with the same
        choices (a page of leads shares one catalogue of reasons); a row adds its ids."""
        drawn = {}
        for name in self.CHOICE_FIELDS:
            field = self.inputs[name]
            kind = "checkbox" if name == "reasons" else "radio"
            flags = (" required" if self.fields[name].required else "") + (
                ' aria-invalid="true"' if field["invalid"] else ""
            )
            id_, html_name, chosen = escape(field["id"]), escape(field["name"]), field["chosen"]
            drawn[name] = mark_safe(
                "".join(
                    f'<label class="choice" for="{id_}_{index}"><input type="{kind}" '
                    f'name="{html_name}" value="{value}" id="{id_}_{index}"{flags}'
                    f"{CHECKED if raw in chosen else ''}> {label}</label>"
                    for index, (raw, value, label) in enumerate(
                        _options_escaped(tuple(self.fields[name].choices))
                    )
                )
            )
        return drawn

    def clean(self):
        cleaned = super().clean()
        cleaned["reasons"] = [self._reasons[pk] for pk in cleaned.get("reasons", [])]
        if cleaned.get("decision") in NEEDS_REASON and not cleaned["reasons"]:
            self.add_error("reasons", "Give at least one reason when you reject or recycle a lead.")
        return cleaned


class BulkForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[
            (LeadFeedback.Decision.ACCEPTED, "Accept"),
            (LeadFeedback.Decision.REJECTED, "Reject"),
            (LeadFeedback.Decision.RECYCLED, "Recycle"),
        ]
    )
    leads = forms.TypedMultipleChoiceField(coerce=int, required=True)
    reason = forms.ModelChoiceField(
        queryset=RejectionReason.objects.active(),
        required=False,
        label="Reason (for a bulk reject or recycle)",
    )

    def __init__(self, *args, lead_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leads"].choices = [(pk, pk) for pk in lead_ids]
        self.fields["leads"].error_messages["required"] = "Select at least one lead."

    def selected(self) -> list[int]:
        """The leads the rep selected (of those offered), as sent: a refused action shows
        them selected again."""
        offered = {pk for pk, _ in self.fields["leads"].choices}
        sent = self.data.getlist("leads") if hasattr(self.data, "getlist") else []
        return [int(v) for v in sent if v.isdigit() and int(v) in offered]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") in NEEDS_REASON and not cleaned.get("reason"):
            self.add_error("reason", "A bulk reject or recycle still needs a reason.")
        return cleaned


class QueueForm(forms.Form):
    """The review queue's query: which leads to show, and where the previous page ended."""

    show = forms.ChoiceField(choices=list(QUEUE_SHOWS.items()), required=False)
    # "w123": the previous page ended on lead 123, shown waiting; "r123": shown reviewed.
    after = forms.RegexField(regex=r"^[wr][1-9][0-9]{0,17}$", required=False)

    def query(self) -> tuple[str, QueueCursor | None]:
        """The valid part of the query; anything malformed falls back to the first page."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        show = data.get("show") or "all"
        after = data.get("after")
        cursor = QueueCursor(int(after[1:]), after[0] == "r") if after else None
        return show, cursor


class SuggestionForm(forms.ModelForm):
    class Meta:
        model = Suggestion
        formfield_callback = date_field_for
        fields = ["kind", "text"]
        labels = {"kind": "Stop, start or continue?", "text": "Your suggestion"}
        widgets = {"text": forms.Textarea(attrs={"rows": 2})}


class CycleForm(forms.Form):
    definition = forms.ModelChoiceField(queryset=Definition.objects.filter(versions__isnull=False))
    starts_at = DateTimeField(
        label="Starts",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        initial=lambda: timezone.localtime().replace(second=0, microsecond=0),
    )
    days = forms.IntegerField(
        label="Length in days",
        min_value=1,
        max_value=92,
        required=False,
        help_text="Leave empty for the definition's cadence (two weeks unless set).",
    )

    meeting = forms.TypedChoiceField(
        label="Review meeting",
        coerce=int,
        required=False,
        empty_value=None,
        help_text="Optional: the meeting where this cycle's feedback is discussed.",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["definition"].queryset = Definition.objects.filter(
            versions__isnull=False
        ).distinct()
        if not self.is_bound:
            self.defaults_set()
        self.fields["meeting"].choices = [("", "(none)")] + [
            (m.pk, f"{m.title} · {m.definition} · {timezone.localtime(m.starts_at):%d %b %Y}")
            for m in review_meetings(user).order_by("-starts_at")
        ]

    def defaults_set(self) -> None:
        """Valid defaults: the only definition preselected, and the start after the cycle of
        that definition still running (or planned), so the form opens without a conflict."""
        only = list(self.fields["definition"].queryset[:2])
        if len(only) != 1:
            return
        start = ReviewCycle.objects.for_definition(only[0]).next_free_start()
        self.initial.setdefault("definition", only[0].pk)
        # The field shows minutes: round up, or the start would fall inside the open cycle.
        start = timezone.localtime(start)
        if start.second or start.microsecond:
            start = start.replace(second=0, microsecond=0) + timedelta(minutes=1)
        self.initial.setdefault("starts_at", start)

    def clean_starts_at(self):
        """The field has minute precision: the current minute (or the one before, when the
        clock turned while the form was filled in) means now, so a cycle opened right after a
        publication starts under the version just published."""
        starts_at = self.cleaned_data["starts_at"]
        now = timezone.now()
        if starts_at <= now < starts_at + timedelta(minutes=2):
            return now
        return starts_at


class UploadForm(forms.Form):
    kind = forms.ChoiceField(choices=LeadImport.Kind.choices, label="What the file holds")
    cycle = forms.ModelChoiceField(
        queryset=ReviewCycle.objects.select_related("definition"),
        help_text="Leads go into this review cycle; outcomes are matched within its definition.",
    )
    fallback_rep = forms.ModelChoiceField(
        queryset=User.objects.none(),
        required=False,
        label="Rep for leads without a known owner",
        help_text="Optional. Otherwise a row whose owner is not a sales rep here is an error.",
    )
    file = forms.FileField(
        label="CSV file",
        help_text="HubSpot or Salesforce exports are recognised; other files are mapped "
        f"column by column. Up to {csv_io.MAX_BYTES // 1024 // 1024} MB, "
        f"{csv_io.MAX_ROWS:,} rows and {csv_io.MAX_COLUMNS:,} columns.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fallback_rep"].queryset = sales_reps()


def mapping_form_for(lead_import: LeadImport, table: csv_io.Table, data=None) -> "MappingForm":
    """The mapping form of an upload: its columns, the targets of its kind, what is kept, and
    the words of the column mapped to the stage handed over."""
    stage_column = next(
        (c for c, t in lead_import.mapping.items() if t == "stage_handed_over"), None
    )
    targets = (
        csv_io.LEAD_TARGETS if lead_import.kind == LeadImport.Kind.LEADS else csv_io.OUTCOME_TARGETS
    )
    return MappingForm(
        data,
        header=table.header,
        targets=targets,
        mapping=lead_import.mapping,
        reading=lead_import.reading,
        stage_words=csv_io.column_words(table, stage_column) if stage_column else [],
        samples=csv_io.column_samples(table),
    )


class MappingForm(forms.Form):
    """One select per column of the file (which field it fills, if any; labelled with the
    column's name, shown beside a few of its values), then how to read what the file leaves
    ambiguous: the order of its dates, its decimal sign, and the stage each word of its
    stage column means."""

    def __init__(
        self,
        *args,
        header: list[str],
        targets: dict[str, str],
        mapping,
        reading: dict | None = None,
        stage_words: list[tuple[str, int]] = (),
        samples: list[list[str]] = (),
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        reading = reading or {}
        self.header, self.samples = header, list(samples)
        choices = [("", "(ignore this column)"), *targets.items()]
        twice = {name.casefold() for name in csv_io.header_duplicates(header)}
        self.columns = []
        for index, column in enumerate(header):
            name = f"col_{index}"
            label = f"Field for the column “{column}”"
            if column.casefold() in twice:
                self.fields[name] = forms.ChoiceField(
                    label=label,
                    choices=[("", "(named twice in the header: left out)")],
                    required=False,
                    disabled=True,
                )
                continue
            self.fields[name] = forms.ChoiceField(
                label=label, choices=choices, required=False, initial=mapping.get(column, "")
            )
            self.columns.append((name, column))
        self.fields["dates"] = forms.ChoiceField(
            label="Dates are written",
            choices=[("", "As the file's dates show (detected)"), *csv_io.DATE_ORDERS.items()],
            required=False,
            initial=reading.get("dates", ""),
        )
        self.fields["decimal"] = forms.ChoiceField(
            label="Numbers are written with",
            choices=[("", "As the file's numbers show (detected)"), *csv_io.DECIMAL_SIGNS.items()],
            required=False,
            initial=reading.get("decimal", ""),
        )
        chosen = reading.get("stages", {})
        self.stage_words = []
        for index, (word, count) in enumerate(stage_words):
            try:
                detected = csv_io.parse_stage(word)
            except csv_io.CellError:
                detected = ""
            name = f"stage_{index}"
            self.fields[name] = forms.ChoiceField(
                label=f"Stage meant by “{word}”",
                choices=[("", "(not a stage we know)"), *csv_io.STAGES.items()],
                required=False,
                initial=chosen.get(word, detected),
            )
            self.stage_words.append((name, word, detected, count))

    def column_rows(self) -> list[tuple[str, list[str], forms.BoundField]]:
        """One row per column of the file, in its order: the header, sample values, the
        select of the field it fills (the automatic guess preselected)."""
        return [
            (column, self.samples[index] if index < len(self.samples) else [], self[f"col_{index}"])
            for index, column in enumerate(self.header)
        ]

    def reading_fields(self):
        return [self["dates"], self["decimal"]]

    def stage_rows(self) -> list[tuple[str, int, forms.BoundField]]:
        """One row per word of the stage column: the word, its rows, the stage it means."""
        return [(word, count, self[name]) for name, word, _, count in self.stage_words]

    def mapping(self) -> dict[str, str]:
        return {
            column: self.cleaned_data[name]
            for name, column in self.columns
            if self.cleaned_data.get(name)
        }

    def reading(self) -> dict:
        """The choices made; a stage is kept only where it differs from the detected one."""
        stages = {
            word: self.cleaned_data[name]
            for name, word, detected, _ in self.stage_words
            if self.cleaned_data.get(name) and self.cleaned_data[name] != detected
        }
        return {
            "dates": self.cleaned_data.get("dates", ""),
            "decimal": self.cleaned_data.get("decimal", ""),
            "stages": stages,
        }


class CriterionMarkForm(forms.Form):
    result = forms.ChoiceField(choices=CheckResult.choices)
    evidence = forms.ChoiceField(choices=EVIDENCE_CHOICES, label="Evidence seen")


class OutcomeForm(forms.ModelForm):
    class Meta:
        model = Outcome
        formfield_callback = date_field_for
        fields = ["result", "occurred_on", "amount"]
        labels = {"occurred_on": "Date", "amount": "Amount (if known)"}
        widgets = {"occurred_on": forms.DateInput(attrs={"type": "date"})}


class LeadForm(forms.ModelForm):
    rep = forms.ModelChoiceField(queryset=User.objects.none(), label="Sales rep")
    cycle = forms.ModelChoiceField(queryset=ReviewCycle.objects.select_related("definition"))

    class Meta:
        model = Lead
        formfield_callback = date_field_for
        # Every field a facilitator may enter by hand but the hand-over time (now).
        fields = ["cycle", "rep", *(f for f in LEAD_FORM_FIELDS if f != "handed_over_at")]
        widgets = {
            "need_note": forms.Textarea(attrs={"rows": 2}),
            "budget_note": forms.Textarea(attrs={"rows": 2}),
            "authority_note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rep"].queryset = sales_reps()

    def validate_unique(self):
        # The service checks the CRM reference within the cycle's definition.
        pass


class ReasonForm(forms.Form):
    label = TextField(max_length=120)
    criterion_key = forms.ChoiceField(
        label="Backed by the criterion", required=False, help_text="Empty: an unwritten reason."
    )

    def __init__(self, *args, criteria: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["criterion_key"].choices = [("", "(none: unwritten)"), *criteria]


class UndoForm(forms.Form):
    """Which earlier verdict of a lead to put back: the history record a change replaced."""

    history_id = forms.IntegerField(min_value=1)


class UndoOfferForm(forms.Form):
    """The queue's `?undo=<lead>-<record>` after a change saved without JavaScript."""

    undo = forms.RegexField(regex=r"^[1-9][0-9]{0,17}-[1-9][0-9]{0,17}$", required=False)

    def offer(self) -> tuple[int, int] | None:
        """(lead id, history record id), or None when absent or malformed."""
        if not self.is_valid() or not self.cleaned_data["undo"]:
            return None
        lead_id, history_id = self.cleaned_data["undo"].split("-")
        return int(lead_id), int(history_id)
