"""Preparing a meeting from its page: invitations, attendance, the agenda and the questions."""

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_POST

from accounts.decorators import permission_required
from meetings import forms, permissions, services
from meetings.models import AgendaItem, Question
from meetings.views._page import act_then_return, post_form, run_meeting


@require_POST
@permission_required(permissions.FACILITATE, action="invite people to a meeting")
def invite(request, pk: int):
    meeting = run_meeting(request, pk, "invite people")

    def act(data):
        added = services.invitations_add(meeting=meeting, by=request.user, people=data["people"])
        return f"Invited {len(added)} {'person' if len(added) == 1 else 'people'}."

    return post_form(
        request,
        meeting,
        forms.InviteForm(request.POST, meeting=meeting),
        "invite_form",
        act,
        anchor="people",
    )


@require_POST
@permission_required(permissions.FACILITATE, action="invite people to a meeting")
def uninvite(request, pk: int, person_pk: int):
    meeting = run_meeting(request, pk, "change the invitations")
    attendance = get_object_or_404(
        meeting.attendances.select_related("person"), person_id=person_pk
    )

    def act():
        services.invitation_remove(meeting=meeting, by=request.user, person=attendance.person)
        return f"{attendance.person} is no longer invited."

    return act_then_return(request, meeting, "people", act)


@require_POST
@permission_required(permissions.FACILITATE, action="take attendance")
def attendance(request, pk: int):
    meeting = run_meeting(request, pk, "take attendance")

    def act(data):
        services.attendance_record(meeting=meeting, by=request.user, present=data["present"])
        return "Attendance is recorded."

    return post_form(
        request,
        meeting,
        forms.AttendanceForm(request.POST, meeting=meeting),
        "attendance_form",
        act,
        anchor="people",
    )


@require_POST
@permission_required(permissions.FACILITATE, action="change a meeting's agenda")
def agenda_add(request, pk: int):
    meeting = run_meeting(request, pk, "change the agenda")

    def act(data):
        item = services.agenda_item_add(
            meeting=meeting, by=request.user, title=data["title"], proposal=data["proposal"]
        )
        return f"Added “{item.title}” to the agenda."

    return post_form(
        request,
        meeting,
        forms.AgendaItemForm(request.POST, meeting=meeting),
        "agenda_form",
        act,
        anchor="agenda",
    )


@require_POST
@permission_required(permissions.FACILITATE, action="change a meeting's agenda")
def agenda_remove(request, pk: int, item_pk: int):
    meeting = run_meeting(request, pk, "change the agenda")
    item = get_object_or_404(AgendaItem, meeting=meeting, pk=item_pk)

    def act():
        services.agenda_item_remove(item=item, by=request.user)
        return f"Removed “{item.title}” from the agenda."

    return act_then_return(request, meeting, "agenda", act)


@require_POST
@permission_required(permissions.FACILITATE, action="change a meeting's agenda")
def agenda_move(request, pk: int, item_pk: int):
    meeting = run_meeting(request, pk, "change the agenda")
    item = get_object_or_404(AgendaItem, meeting=meeting, pk=item_pk)
    up = request.POST.get("up") == "1"
    return act_then_return(
        request,
        meeting,
        "agenda",
        lambda: services.agenda_item_move(item=item, by=request.user, up=up),
    )


@require_POST
@permission_required(permissions.FACILITATE, action="change a meeting's questions")
def question_add(request, pk: int):
    meeting = run_meeting(request, pk, "change the questions")

    def act(data):
        services.question_add(meeting=meeting, by=request.user, text=data["text"])
        return "The question is added."

    return post_form(
        request,
        meeting,
        forms.QuestionForm(request.POST),
        "question_form",
        act,
        anchor="questions",
    )


@require_POST
@permission_required(permissions.FACILITATE, action="change a meeting's questions")
def question_reword(request, pk: int, question_pk: int):
    meeting = run_meeting(request, pk, "change the questions")
    question = get_object_or_404(Question, meeting=meeting, pk=question_pk)
    form = forms.QuestionForm(request.POST)

    def act():
        if not form.is_valid():
            raise ValidationError(
                [f"Question {question.position}: {e}" for e in form.errors.get("text", [])]
            )
        services.question_reword(question=question, by=request.user, text=form.cleaned_data["text"])
        return "The question is reworded."

    return act_then_return(request, meeting, "questions", act)


@require_POST
@permission_required(permissions.FACILITATE, action="change a meeting's questions")
def question_remove(request, pk: int, question_pk: int):
    meeting = run_meeting(request, pk, "change the questions")
    question = get_object_or_404(Question, meeting=meeting, pk=question_pk)

    def act():
        services.question_remove(question=question, by=request.user)
        return "The question is removed."

    return act_then_return(request, meeting, "questions", act)
