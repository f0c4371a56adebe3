"""Forms parse and validate input; the services in meetings.services enforce the rules."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Count, Q

from accounts.models import Department, User
from config.fields import DateField, DateTimeField, TextField
from definitions.models import Definition, EvidenceStandard, Proposal, Vote
from meetings.models import Confirmation, Meeting
from meetings.selectors import composition_warnings


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class OnMeetingPage:
    """Several forms share the meeting page: each gets its own id prefix, so labels and the
    error summary's links point at the right field."""

    id_prefix = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class PersonAttributes:
    """Options that carry each person's department, so the schedule page can warn, as
    people are chosen, when marketing, sales or an executive is missing."""

    executives: set[int] = frozenset()

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        person = getattr(value, "instance", None)
        if person is not None:
            option["attrs"]["data-department"] = person.department
            if person.pk in self.executives:
                option["attrs"]["data-executive"] = "yes"
        return option


class PeopleCheckboxes(PersonAttributes, forms.CheckboxSelectMultiple):
    pass


class PersonSelect(PersonAttributes, forms.Select):
    pass


class PersonChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, person):
        return f"{person.full_name} ({person.get_department_display()}, {person.title})"


def people():
    return User.objects.active().order_by("department", "full_name")


class DepartmentsChoice:
    """A "whole department" checkbox beside the people list ("Marketing (5)", "Sales (7)"):
    ticking one adds everyone in it who can be chosen, with or without JavaScript."""

    people_field = ""

    def departments_offer(self) -> None:
        chosen = self.fields[self.people_field].queryset
        counts = dict(
            chosen.order_by()
            .values_list("department")
            .annotate(n=Count("pk"))
            .values_list("department", "n")
        )
        self.fields["departments"].choices = [
            (value, f"{label} ({counts[value]})")
            for value, label in Department.choices
            if counts.get(value)
        ]

    def departments_add(self, cleaned: dict) -> dict:
        departments = cleaned.pop("departments", None) or []
        if departments:
            picked = list(cleaned.get(self.people_field) or [])
            extra = self.fields[self.people_field].queryset.filter(department__in=departments)
            cleaned[self.people_field] = list(dict.fromkeys([*picked, *extra]))
        return cleaned


def departments_field() -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        choices=[],
        required=False,
        label="Whole departments",
        widget=forms.CheckboxSelectMultiple,
        help_text="Everyone in the department, added to the people ticked below.",
    )


class MeetingForm(DepartmentsChoice, forms.Form):
    people_field = "invitees"

    definition = forms.ModelChoiceField(
        queryset=Definition.objects.all(), label="Definition", empty_label=None
    )
    kind = forms.ChoiceField(
        choices=Meeting.Kind.choices,
        label="Kind of meeting",
        help_text="A confirmation meeting puts every proposal open for a vote on its agenda.",
    )
    title = TextField(max_length=200, label="Title")
    starts_at = DateTimeField(
        label="Starts at",
        widget=DateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text="Local time.",
    )
    duration_minutes = forms.IntegerField(
        label="Length (minutes)", min_value=5, max_value=480, initial=60
    )
    place = TextField(max_length=200, required=False, label="Place")
    call_link = forms.URLField(
        required=False, label="Call link", assume_scheme="https", help_text="https://…"
    )
    sponsor = forms.ModelChoiceField(
        queryset=User.objects.none(),
        required=False,
        label="Executive sponsor",
        widget=PersonSelect,
        help_text=(
            "An executive who can settle a disagreement (the Universal Lead Definition asks "
            "for one). Invited automatically."
        ),
    )
    departments = departments_field()
    invitees = PersonChoiceField(
        queryset=User.objects.none(),
        required=False,
        label="Invite",
        widget=PeopleCheckboxes,
        help_text="Everyone in customer acquisition: marketing and sales.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sponsor"].queryset = (
            User.objects.active().with_permission("definitions.approve_version").order_by("pk")
        )
        self.fields["invitees"].queryset = people()
        executives = set(self.fields["sponsor"].queryset.values_list("pk", flat=True))
        for name in ("invitees", "sponsor"):
            self.fields[name].widget.executives = executives
        self.departments_offer()

    def clean(self):
        return self.departments_add(super().clean())

    def composition_warnings(self) -> list[str]:
        """The warnings for the people ticked so far (all three on an empty form)."""
        data = self.cleaned_data if self.is_bound and hasattr(self, "cleaned_data") else {}
        chosen = [data.get("sponsor"), *(data.get("invitees") or [])]
        return composition_warnings([person for person in chosen if person])

    def clean_call_link(self):
        link = self.cleaned_data["call_link"]
        if link and not link.lower().startswith(("https://", "http://")):
            raise ValidationError("Give a web address starting with https://.")
        return link


class MeetingEditForm(MeetingForm):
    """The details that can change after scheduling: not the definition, kind or people."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("definition", "kind", "departments", "invitees"):
            del self.fields[name]

    def clean(self):
        return forms.Form.clean(self)


class InviteForm(DepartmentsChoice, OnMeetingPage, forms.Form):
    id_prefix = "invite"
    people_field = "people"

    departments = departments_field()
    people = PersonChoiceField(
        queryset=User.objects.none(),
        required=False,
        label="People to invite",
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["people"].queryset = people().exclude(meeting_attendances__meeting=meeting)
        self.departments_offer()

    def clean(self):
        cleaned = self.departments_add(super().clean())
        if not cleaned.get("people"):
            raise ValidationError("Tick the people or a whole department to invite.")
        return cleaned


class AttendanceForm(OnMeetingPage, forms.Form):
    id_prefix = "attendance"

    present = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(),
        required=False,
        label="Present",
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["present"].queryset = User.objects.filter(
            meeting_attendances__meeting=meeting
        ).order_by("department", "full_name")


class AgendaItemForm(OnMeetingPage, forms.Form):
    id_prefix = "agenda"

    title = TextField(max_length=200, required=False, label="Agenda item")
    proposal = forms.ModelChoiceField(
        queryset=Proposal.objects.none(),
        required=False,
        label="Or a proposal to vote on",
        empty_label="(none)",
    )

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["proposal"].queryset = (
            Proposal.objects.for_definition(meeting.definition)
            .open()
            .exclude(meeting_agenda_items__meeting=meeting)
        )

    def clean(self):
        data = super().clean()
        if not data.get("title", "").strip() and not data.get("proposal"):
            self.add_error("title", "Say what the agenda item is about, or choose a proposal.")
        return data


class QuestionForm(OnMeetingPage, forms.Form):
    id_prefix = "question"

    text = TextField(max_length=300, label="New question")


class AnswerForm(forms.Form):
    """One text box per question of the meeting, filled with the person's current answers."""

    def __init__(self, *args, questions, answers: dict, **kwargs):
        super().__init__(*args, **kwargs)
        for question in questions:
            self.fields[f"question_{question.pk}"] = TextField(
                label=question.text,
                required=False,
                max_length=5000,
                initial=answers.get(question.pk, ""),
                widget=forms.Textarea(attrs={"rows": 4}),
            )
        self.questions = questions

    def texts(self) -> dict[int, str]:
        return {q.pk: self.cleaned_data.get(f"question_{q.pk}", "") for q in self.questions}


class MinutesForm(forms.Form):
    text = TextField(
        label="Minutes",
        required=False,
        max_length=50_000,
        widget=forms.Textarea(attrs={"rows": 16}),
        help_text="Markdown: # headings, **bold**, - lists, [links](https://…).",
    )


class ActionItemForm(OnMeetingPage, forms.Form):
    id_prefix = "action"

    text = TextField(max_length=300, label="Action")
    owner = forms.ModelChoiceField(queryset=User.objects.none(), label="Owner")
    due = DateField(label="Due date", widget=DateInput())

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(
            Q(pk=meeting.facilitator_id) | Q(meeting_attendances__meeting=meeting)
        ).order_by("full_name")


class SummaryForm(forms.Form):
    text = TextField(
        label="Summary",
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="What the meeting concluded. Each attendee confirms it or raises a concern.",
    )


class ConfirmationForm(OnMeetingPage, forms.Form):
    id_prefix = "confirm"

    position = forms.ChoiceField(
        choices=Confirmation.Position.choices, widget=forms.RadioSelect, label="Your answer"
    )
    comment = TextField(
        required=False,
        max_length=5000,
        label="Comment",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required when you raise a concern.",
    )

    def clean(self):
        data = super().clean()
        if (
            data.get("position") == Confirmation.Position.CONCERN
            and not (data.get("comment") or "").strip()
        ):
            self.add_error("comment", "Say what your concern is: a comment is required.")
        return data


class AnswerChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, answer):
        text = answer.text if len(answer.text) <= 120 else answer.text[:119] + "…"
        person = answer.person
        return (
            f"Q{answer.question.position} · {person.full_name} "
            f"({person.get_department_display()}): {text}"
        )


class ProposalFromAnswersForm(forms.Form):
    answers = AnswerChoiceField(
        queryset=None, label="Answers it comes from", widget=forms.CheckboxSelectMultiple
    )
    stage_key = forms.ChoiceField(label="Stage", choices=())
    statement = TextField(
        max_length=300, label="Criterion", help_text="What must be true of the lead."
    )
    guidance = TextField(required=False, label="Guidance", widget=forms.Textarea(attrs={"rows": 3}))
    evidence = forms.ChoiceField(
        choices=EvidenceStandard.choices, initial=EvidenceStandard.STATED, label="Evidence"
    )
    weight = forms.IntegerField(min_value=1, max_value=10, initial=1, label="Weight")
    rationale = TextField(
        required=False, label="Rationale", widget=forms.Textarea(attrs={"rows": 6})
    )

    def __init__(self, *args, answers, stages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["answers"].queryset = answers
        self.fields["stage_key"].choices = stages


class VoteForm(OnMeetingPage, forms.Form):
    id_prefix = "vote"

    position = forms.ChoiceField(
        choices=Vote.Position.choices, widget=forms.RadioSelect, label="Your vote"
    )
    comment = TextField(
        required=False,
        max_length=5000,
        label="Comment",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required when you disagree or block.",
    )
