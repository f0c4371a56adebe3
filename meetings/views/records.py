"""What a meeting leaves behind: minutes, the summary, action items."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.decorators import permission_required
from config.forms import errors_onto_form
from meetings import forms, permissions, selectors, services
from meetings.models import ActionItem
from meetings.views._page import (
    meeting_get,
    post_form,
    run_meeting,
)


@require_http_methods(["GET", "POST"])
@permission_required(permissions.FACILITATE, action="edit meeting minutes")
def minutes_edit(request, pk: int):
    meeting = run_meeting(request, pk, "edit the minutes")
    minutes = getattr(meeting, "minutes", None)
    form = forms.MinutesForm(
        request.POST or None, initial={"text": minutes.text if minutes else ""}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.minutes_save(meeting=meeting, by=request.user, text=form.cleaned_data["text"])
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(request, "The minutes are saved.")
            return redirect(meeting.get_absolute_url() + "#minutes")
    return render(
        request,
        "meetings/minutes.html",
        {"meeting": meeting, "form": form},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@permission_required(permissions.FACILITATE, action="publish a meeting summary")
def summary_edit(request, pk: int):
    meeting = run_meeting(request, pk, "publish the summary")
    summary = getattr(meeting, "summary", None)
    form = forms.SummaryForm(
        request.POST or None,
        initial={"text": summary.text if summary else selectors.summary_draft(meeting)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.summary_publish(
                meeting=meeting, by=request.user, text=form.cleaned_data["text"]
            )
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(request, "The summary is published; attendees are asked to confirm.")
            return redirect(meeting.get_absolute_url() + "#summary")
    return render(
        request,
        "meetings/summary.html",
        {"meeting": meeting, "form": form, "summary": summary},
        status=400 if form.errors else 200,
    )


@require_POST
@permission_required(permissions.FACILITATE, action="add action items")
def action_add(request, pk: int):
    meeting = run_meeting(request, pk, "add action items")

    def act(data):
        services.action_item_add(meeting=meeting, by=request.user, **data)
        return "The action item is added."

    return post_form(
        request,
        meeting,
        forms.ActionItemForm(request.POST, meeting=meeting),
        "action_form",
        act,
        anchor="actions",
    )


@require_POST
@login_required
def action_mark(request, pk: int, item_pk: int):
    meeting = meeting_get(request, pk)
    item = get_object_or_404(ActionItem, meeting=meeting, pk=item_pk)
    done = request.POST.get("done") != "0"
    services.action_item_mark(item=item, by=request.user, done=done)
    messages.success(request, f"“{item.text}” is {'done' if done else 'open again'}.")
    return redirect(meeting.get_absolute_url() + "#actions")
