"""Typed text has limits a person would expect, and text that shows nothing is blank."""

import pytest
from django.urls import reverse

from definitions.forms import ProposalMetaForm, VoteForm
from definitions.models import Proposal, Vote
from meetings.forms import SummaryForm

pytestmark = pytest.mark.django_db

INVISIBLE_ONLY = ["\u200b\u200b", "\u200d\ufeff\u2060", "\x01\x02\x1f", " \u200b \x07 "]


@pytest.mark.parametrize("text", INVISIBLE_ONLY)
def test_zero_width_or_control_only_text_is_blank(text):
    form = ProposalMetaForm({"rationale": text})
    assert not form.is_valid()
    assert form.errors["rationale"] == ["This field is required."]
    summary = SummaryForm({"text": text})
    assert not summary.is_valid() and "text" in summary.errors


def test_visible_text_keeps_its_invisible_characters_inside():
    form = ProposalMetaForm({"rationale": "Budget\u200bcheck"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["rationale"] == "Budget\u200bcheck"


def test_a_five_megabyte_vote_comment_is_refused_with_a_message(client_as, marketer):
    from definitions import services
    from tests.definitions.factories import DefinitionFactory, version_published

    definition = DefinitionFactory()
    version_published(definition)
    proposal = services.proposal_create(
        definition=definition,
        by=marketer,
        kind=Proposal.Kind.ADD_STAGE,
        payload={"name": "Recycled", "level": "inquiry"},
        rationale="Returned leads need a home.",
    )
    response = client_as(marketer).post(
        reverse("definitions:vote", args=[definition.pk, proposal.pk]),
        {"position": "agree", "comment": "x" * 5_000_000},
    )
    assert response.status_code == 422
    assert "at most 5000 characters" in response.content.decode()
    assert not Vote.objects.exists()
    assert not VoteForm({"position": "agree", "comment": "x" * 5001}).is_valid()
    assert VoteForm({"position": "agree", "comment": "x" * 5000}).is_valid()


def test_the_lead_forms_long_notes_and_a_suggestion_have_the_text_limit():
    from feedback.forms import LeadForm, SuggestionForm

    for form_class, name in [
        (LeadForm, "need_note"),
        (LeadForm, "budget_note"),
        (SuggestionForm, "text"),
    ]:
        field = form_class.base_fields[name]
        assert field.max_length == 5000, (form_class.__name__, name)
        assert field.to_python("\u200b\u200b") == ""  # shows nothing: blank
