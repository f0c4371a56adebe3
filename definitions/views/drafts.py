"""The draft, its submission for approval, and the three decisions on a submission:
approve, send back, publish (one URL and one view each)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import permission_require
from config.confirm import confirmation
from config.forms import errors_onto_form
from definitions import selectors, services
from definitions.forms import ReviewForm, SubmitDraftForm
from definitions.models import Submission
from definitions.selectors import publish_consequences
from definitions.views._lookup import definition_get


@require_http_methods(["GET", "POST"])
@login_required
def draft_detail(request, pk: int):
    definition = definition_get(request, pk)
    form = SubmitDraftForm(request.POST or None)
    if request.method == "POST":
        permission_require(request.user, "definitions.facilitate", action="submit a draft")
        if form.is_valid():
            try:
                submission = services.draft_submit(
                    definition=definition,
                    by=request.user,
                    change_summary=form.cleaned_data["change_summary"],
                )
            except ValidationError as error:
                errors_onto_form(form, error)
            else:
                messages.success(request, "The draft is submitted for an executive's approval.")
                return redirect(submission)
    context = {
        "definition": definition,
        "form": form,
        **selectors.draft_page(definition),
    }
    return render(request, "definitions/draft.html", context)


def _submission(request, pk: int, submission_pk: int) -> Submission:
    definition = definition_get(request, pk)
    submission = get_object_or_404(
        Submission.objects.select_related("submitted_by", "reviewed_by").prefetch_related(
            "proposals"
        ),
        definition=definition,
        pk=submission_pk,
    )
    submission.definition = definition  # the one read through what the person may see
    return submission


def _submission_page(request, submission: Submission, form: ReviewForm):
    context = {
        "definition": submission.definition,
        "submission": submission,
        "form": form,
        **selectors.submission_page(submission),
    }
    return render(request, "definitions/submission.html", context)


@require_GET
@login_required
def submission_detail(request, pk: int, submission_pk: int):
    return _submission_page(request, _submission(request, pk, submission_pk), ReviewForm())


@require_POST
@login_required
def submission_approve(request, pk: int, submission_pk: int):
    submission = _submission(request, pk, submission_pk)
    form = ReviewForm(request.POST)
    try:
        services.submission_approve(
            submission=submission, by=request.user, comment=request.POST.get("comment", "")
        )
    except ValidationError as error:
        errors_onto_form(form, error)
        return _submission_page(request, submission, form)
    messages.success(request, "Approved. It can now be published.")
    return redirect(submission)


@require_POST
@login_required
def submission_send_back(request, pk: int, submission_pk: int):
    submission = _submission(request, pk, submission_pk)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.submission_send_back(
                submission=submission, by=request.user, comment=form.cleaned_data["comment"]
            )
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(request, "Sent back to the facilitator with your comment.")
            return redirect(submission)
    return _submission_page(request, submission, form)


@require_http_methods(["GET", "POST"])
@login_required
def submission_publish(request, pk: int, submission_pk: int):
    """GET asks for confirmation (publishing e-mails everyone and cannot be undone)."""
    submission = _submission(request, pk, submission_pk)
    if request.method == "GET":
        permission_require(request.user, "definitions.publish_version", action="publish")
        return confirmation(
            request,
            title=f"Publish the next version of {submission.definition.name}?",
            consequences=publish_consequences(submission),
            button="Publish and e-mail everyone",
            back_url=submission.get_absolute_url(),
        )
    form = ReviewForm(request.POST)
    try:
        version = services.version_publish(submission=submission, by=request.user)
    except ValidationError as error:
        errors_onto_form(form, error)
        return _submission_page(request, submission, form)
    messages.success(request, f"Version {version.number} is published.")
    return redirect(version)
