"""The question round: answering, answers side by side, turning them into a proposal;
confirming the summary, and voting from the meeting's page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Case, Value, When
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import permission_required
from config.fields import id_params
from config.forms import errors_onto_form
from definitions.models import Proposal
from meetings import forms, permissions, selectors, services
from meetings.models import Answer, Confirmation, Question
from meetings.views._page import (
    meeting_get,
    post_form,
    run_meeting,
    vote_auto_id,
)


@require_GET
@login_required
def answers_compare(request, pk: int):
    meeting = meeting_get(request, pk)
    return render(
        request,
        "meetings/answers.html",
        {
            "meeting": meeting,
            "rows": selectors.answers_side_by_side(meeting),
            "is_facilitator": permissions.is_facilitator(request.user, meeting),
            "can_propose": permissions.may_propose_from(request.user, meeting),
            "closed_for_proposals": services.CLOSED_FOR_PROPOSALS,
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def answer_edit(request, pk: int):
    meeting = meeting_get(request, pk)
    permissions.invited_require(meeting, request.user, "answer its questions")
    questions = list(Question.objects.filter(meeting=meeting))
    mine = dict(
        Answer.objects.for_meeting(meeting).by(request.user).values_list("question_id", "text")
    )
    form = forms.AnswerForm(request.POST or None, questions=questions, answers=mine)
    if meeting.is_closed:
        for field in form.fields.values():
            field.disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.answers_save(meeting=meeting, person=request.user, texts=form.texts())
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(
                request,
                f"Saved {len(saved)} answer{pluralize(len(saved))}. "
                "You can change them until the meeting closes.",
            )
            return redirect(meeting)
    return render(
        request,
        "meetings/answer.html",
        {"meeting": meeting, "form": form},
        status=400 if form.errors else 200,
    )


def _proposal_form(request, meeting) -> forms.ProposalFromAnswersForm:
    """The criterion form: as posted, or prefilled from the answers ticked on the answers
    page (`?answers=…`), which come first in its list of answers."""
    draft_stages = selectors.draft_stages(meeting)
    stages = [(stage["key"], stage["name"]) for stage in draft_stages]
    answers = Answer.objects.for_meeting(meeting).select_related("person", "question")
    if request.method == "POST":
        return forms.ProposalFromAnswersForm(request.POST, answers=answers, stages=stages)
    ticked = id_params(request.GET, "answers")
    answers = answers.alias(
        unticked=Case(When(pk__in=ticked, then=Value(0)), default=Value(1))
    ).order_by("unticked", *Answer._meta.ordering)
    chosen = [a for a in answers if a.pk in ticked]
    return forms.ProposalFromAnswersForm(
        answers=answers,
        stages=stages,
        initial=selectors.proposal_prefill(meeting, chosen, draft_stages),
    )


@require_http_methods(["GET", "POST"])
@permission_required(permissions.FACILITATE, action="turn answers into a proposal")
def proposal_from_answers(request, pk: int):
    meeting = run_meeting(request, pk, "turn its answers into a proposal")
    form = _proposal_form(request, meeting)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            proposal = services.proposal_from_answers(
                meeting=meeting,
                by=request.user,
                answers=data["answers"],
                stage_key=data["stage_key"],
                statement=data["statement"],
                guidance=data["guidance"],
                evidence=data["evidence"],
                weight=data["weight"],
                rationale=data["rationale"],
                origin_url=reverse("meetings:answers", args=[meeting.pk]),
            )
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            count = len(data["answers"])
            messages.success(
                request,
                f"Proposed “{proposal.title}” from {count} answer{'s' * (count != 1)}; "
                "its vote is open.",
            )
            return redirect(proposal)
    return render(
        request,
        "meetings/propose.html",
        {
            "meeting": meeting,
            "form": form,
            "has_stages": bool(form.fields["stage_key"].choices),
            "closed": services.CLOSED_FOR_PROPOSALS if meeting.is_closed else "",
        },
        status=400 if form.errors else 200,
    )


@require_POST
@login_required
def confirm(request, pk: int):
    meeting = meeting_get(request, pk)

    def act(data):
        confirmation = services.confirmation_give(
            meeting=meeting,
            person=request.user,
            position=data["position"],
            comment=data["comment"],
        )
        return (
            "Thank you: you confirmed the summary."
            if confirmation.position == Confirmation.Position.CONFIRM
            else "Your concern is recorded; the facilitator will see it."
        )

    return post_form(
        request, meeting, forms.ConfirmationForm(request.POST), "confirmation_form", act
    ) or redirect(meeting.get_absolute_url() + "#summary")


@require_POST
@login_required
def vote(request, pk: int, proposal_pk: int):
    meeting = meeting_get(request, pk)
    proposal = get_object_or_404(Proposal, pk=proposal_pk, meeting_agenda_items__meeting=meeting)

    def act(data):
        services.vote_from_meeting(
            meeting=meeting,
            proposal=proposal,
            voter=request.user,
            position=data["position"],
            comment=data["comment"],
        )
        return (
            f"Your vote on “{proposal.title}” is recorded; it counts in "
            f"{request.user.get_department_display()}."
        )

    return post_form(
        request,
        meeting,
        forms.VoteForm(request.POST, auto_id=vote_auto_id(proposal)),
        "vote_form",
        act,
    ) or redirect(meeting.get_absolute_url() + "#agenda")
