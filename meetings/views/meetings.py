"""The meeting list, scheduling, a meeting's page and calendar file, and running it: start,
close and reopen (one URL and one view each), the next review, reminders."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import permission_required
from config.confirm import confirmation
from config.fields import id_param
from config.forms import errors_onto_form
from config.htmx import render_htmx
from config.kept_pages import kept_page
from definitions.models import Definition
from meetings import forms, permissions, selectors, services
from meetings.ics import meeting_ics
from meetings.models import Meeting
from meetings.views._page import (
    meeting_get,
    message_for,
    render_meeting,
    run_meeting,
)


@require_GET
@kept_page
@login_required
def meeting_list(request):
    meetings = selectors.meetings_for_list(request.user)
    # No query for a definition the list is not filtered by.
    pk = id_param(request.GET, "definition")
    definition = Definition.objects.visible_to(request.user).filter(pk=pk).first() if pk else None
    if definition is not None:
        meetings = meetings.for_definition(definition)
    return render(
        request,
        "meetings/list.html",
        {
            "definition": definition,
            "upcoming": meetings.not_closed().order_by("starts_at", "pk"),
            "closed": meetings.closed(),
            "can_schedule": request.user.has_perm(permissions.FACILITATE),
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(permissions.FACILITATE, action="schedule a meeting")
def meeting_schedule(request):
    initial = {"kind": Meeting.Kind.KICKOFF}
    definition = (
        Definition.objects.visible_to(request.user)
        .filter(pk=id_param(request.GET, "definition"))
        .first()
    )
    if definition is not None:
        initial.update(definition=definition, sponsor=definition.executive_sponsor)
    form = forms.MeetingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_schedule(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(request, f"“{meeting.title}” is scheduled.")
            people = [form.cleaned_data["sponsor"], *form.cleaned_data["invitees"]]
            for warning in selectors.composition_warnings([p for p in people if p]):
                messages.warning(request, warning)
            return redirect(meeting)
    context = {
        "form": form,
        "warnings": form.composition_warnings(),
        "warning_texts": selectors.WARNINGS,
    }
    return render(request, "meetings/schedule.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@permission_required(permissions.FACILITATE, action="change a meeting")
def meeting_edit(request, pk: int):
    meeting = run_meeting(request, pk, "change the meeting")
    initial = {
        "title": meeting.title,
        "starts_at": timezone.localtime(meeting.starts_at),
        "duration_minutes": meeting.duration_minutes,
        "place": meeting.place,
        "call_link": meeting.call_link,
        "sponsor": meeting.sponsor,
    }
    form = forms.MeetingEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_update(meeting=meeting, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(request, "The meeting's details are saved.")
            return redirect(meeting)
    return render(
        request,
        "meetings/edit.html",
        {"meeting": meeting, "form": form},
        status=400 if form.errors else 200,
    )


@require_GET
@kept_page
@login_required
def meeting_detail(request, pk: int):
    meeting = meeting_get(request, pk)
    if request.htmx and request.htmx.target == "participation":
        # The board's refresh (polled while the meeting is open) reads only the board.
        context = {"meeting": meeting, **selectors.participation(meeting)}
        return render_htmx(request, "meetings/detail.html", context, partials=["participation"])
    return render_meeting(request, meeting)


@require_GET
@login_required
def meeting_calendar(request, pk: int):
    meeting = meeting_get(request, pk)
    attendees = [a.person for a in meeting.attendances.select_related("person")]
    body = meeting_ics(
        meeting, url=request.build_absolute_uri(meeting.get_absolute_url()), attendees=attendees
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}.ics"'
    return response


def _run_step(request, pk: int, service, action: str, done: str):
    """Start, close or reopen: the service decides whether the meeting's state allows it."""
    meeting = run_meeting(request, pk, action)
    try:
        service(meeting=meeting, by=request.user)
    except ValidationError as error:
        messages.error(request, message_for(error))
    else:
        messages.success(request, done)
    return redirect(meeting)


@require_POST
@permission_required(permissions.FACILITATE, action="start a meeting")
def meeting_start(request, pk: int):
    return _run_step(
        request, pk, services.meeting_start, "start the meeting", "The meeting has started."
    )


@require_http_methods(["GET", "POST"])
@permission_required(permissions.FACILITATE, action="close a meeting")
def meeting_close(request, pk: int):
    """GET asks for confirmation: closing freezes what the meeting collected."""
    if request.method == "GET":
        meeting = run_meeting(request, pk, "close the meeting")
        return confirmation(
            request,
            title=f"Close “{meeting}”?",
            consequences=[
                "Answers, minutes, agenda and attendance are frozen: nobody can change them.",
                "You can reopen it later; the history records who closed and reopened it.",
            ],
            button="Close the meeting",
            back_url=meeting.get_absolute_url(),
        )
    return _run_step(
        request,
        pk,
        services.meeting_close,
        "close the meeting",
        "The meeting is closed: answers and minutes are frozen.",
    )


@require_POST
@permission_required(permissions.FACILITATE, action="reopen a meeting")
def meeting_reopen(request, pk: int):
    return _run_step(
        request,
        pk,
        services.meeting_reopen,
        "reopen the meeting",
        "The meeting is open again; the history records it.",
    )


@require_POST
@permission_required(permissions.FACILITATE, action="schedule a meeting")
def next_review(request, pk: int):
    meeting = meeting_get(request, pk)
    try:
        review = services.review_schedule_next(meeting=meeting, by=request.user)
    except ValidationError as error:
        messages.error(request, message_for(error))
        return redirect(meeting)
    local = timezone.localtime(review.starts_at)
    messages.success(
        request, f"The next review is scheduled for {local:%A %-d %B at %H:%M}, same people."
    )
    return redirect(review)


@require_POST
@permission_required(permissions.FACILITATE, action="send reminders")
def remind(request, pk: int):
    meeting = run_meeting(request, pk, "send reminders")
    try:
        reminded = services.reminders_send(
            meeting=meeting,
            by=request.user,
            meeting_url=request.build_absolute_uri(reverse("meetings:answer", args=[pk])),
        )
    except ValidationError as error:
        messages.error(request, message_for(error))
    else:
        if reminded:
            names = ", ".join(person.full_name for person in reminded)
            messages.success(request, f"Reminder on its way to {names}.")
        else:
            messages.info(request, "Everybody has answered every question: nobody to remind.")
    return redirect(meeting.get_absolute_url() + "#participation")
