"""Meeting pages: thin views that parse a form, look the meeting up, call a service, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import permission_required
from config.fields import id_param
from config.forms import errors_onto_form
from config.htmx import render_htmx
from definitions.models import Definition, Proposal
from meetings import forms, selectors, services
from meetings.ics import meeting_ics
from meetings.models import ActionItem, AgendaItem, Answer, Meeting, Question

FACILITATE = "meetings.facilitate"


def _meeting(request, pk: int) -> Meeting:
    """The meeting, looked up through what this person may see: anything else is a 404."""
    try:
        return selectors.meeting_get(request.user, pk)
    except Meeting.DoesNotExist:
        raise Http404("No such meeting, or you are not invited to it.") from None


def _run_meeting(request, pk: int, action: str) -> Meeting:
    """The meeting, if `request.user` is its facilitator; any other facilitator gets a 403."""
    meeting = _meeting(request, pk)
    services.facilitator_require(meeting, request.user, action)
    return meeting


def _message_for(error: ValidationError) -> str:
    return " ".join(error.messages)


def _vote_auto_id(proposal: Proposal) -> str:
    return f"id_vote{proposal.pk}_%s"


def _render_meeting(request, meeting: Meeting, *, status: int = 200, **bound_forms):
    page = selectors.meeting_page(meeting, request.user)
    context = {"meeting": meeting, **page}
    if page["is_facilitator"] and not meeting.is_closed:
        context["attendance_form"] = forms.AttendanceForm(
            meeting=meeting,
            initial={"present": [a.person for a in page["attendances"] if a.present]},
        )
        context["invite_form"] = forms.InviteForm(meeting=meeting)
        context["agenda_form"] = forms.AgendaItemForm(meeting=meeting)
        context["question_form"] = forms.QuestionForm()
        context["action_form"] = forms.ActionItemForm(meeting=meeting)
    if page["summary"] and page["is_invited"]:
        mine = page["my_confirmation"]
        context["confirmation_form"] = forms.ConfirmationForm(
            initial={"position": mine.position, "comment": mine.comment} if mine else None
        )
    bound_vote = bound_forms.pop("vote_form", None)
    for entry in page["agenda"]:
        proposal = entry.item.proposal
        if proposal is None:
            continue
        auto_id = _vote_auto_id(proposal)
        if bound_vote is not None and bound_vote.auto_id == auto_id:
            entry.form = bound_vote
        else:
            mine = entry.my_vote
            entry.form = forms.VoteForm(
                auto_id=auto_id,
                initial={"position": mine.position, "comment": mine.comment} if mine else None,
            )
        entry.form.fields["position"].label = f"Your vote on “{proposal.title}”"
    context.update(bound_forms)
    return render_htmx(
        request, "meetings/detail.html", context, partials=["participation"], status=status
    )


@require_GET
@login_required
def meeting_list(request):
    meetings = selectors.meetings_for_list(request.user)
    definition = (
        Definition.objects.visible_to(request.user)
        .filter(pk=id_param(request.GET, "definition"))
        .first()
    )
    if definition is not None:
        meetings = meetings.for_definition(definition)
    return render(
        request,
        "meetings/list.html",
        {
            "definition": definition,
            "upcoming": meetings.not_closed().order_by("starts_at", "pk"),
            "closed": meetings.closed(),
            "can_schedule": request.user.has_perm(FACILITATE),
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(FACILITATE, action="schedule a meeting")
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
@permission_required(FACILITATE, action="change a meeting")
def meeting_edit(request, pk: int):
    meeting = _run_meeting(request, pk, "change the meeting")
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
@login_required
def meeting_detail(request, pk: int):
    meeting = _meeting(request, pk)
    if request.htmx and request.htmx.target == "participation":
        # The board's refresh (polled while the meeting is open) reads only the board.
        context = {"meeting": meeting, **selectors.participation(meeting)}
        return render_htmx(request, "meetings/detail.html", context, partials=["participation"])
    return _render_meeting(request, meeting)


@require_GET
@login_required
def meeting_calendar(request, pk: int):
    meeting = _meeting(request, pk)
    attendees = [a.person for a in meeting.attendances.select_related("person")]
    body = meeting_ics(
        meeting, url=request.build_absolute_uri(meeting.get_absolute_url()), attendees=attendees
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}.ics"'
    return response


@require_GET
@login_required
def answers_compare(request, pk: int):
    meeting = _meeting(request, pk)
    return render(
        request,
        "meetings/answers.html",
        {
            "meeting": meeting,
            "rows": selectors.answers_side_by_side(meeting),
            "is_facilitator": request.user.pk == meeting.facilitator_id,
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def answer_edit(request, pk: int):
    meeting = _meeting(request, pk)
    if not meeting.attendances.filter(person=request.user).exists():
        raise PermissionDenied("Only people invited to this meeting answer its questions.")
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
                f"Saved {len(saved)} answer{selectors.pluralize(len(saved))}. "
                "You can change them until the meeting closes.",
            )
            return redirect(meeting)
    return render(
        request,
        "meetings/answer.html",
        {"meeting": meeting, "form": form},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@permission_required(FACILITATE, action="turn answers into a proposal")
def proposal_from_answers(request, pk: int):
    meeting = _run_meeting(request, pk, "turn its answers into a proposal")
    answers = Answer.objects.for_meeting(meeting).select_related("person", "question")
    draft_stages = selectors.draft_stages(meeting)
    stages = [(stage["key"], stage["name"]) for stage in draft_stages]
    if request.method == "POST":
        form = forms.ProposalFromAnswersForm(request.POST, answers=answers, stages=stages)
    else:
        chosen = [a for a in answers if str(a.pk) in request.GET.getlist("answers")]
        form = forms.ProposalFromAnswersForm(
            answers=answers,
            stages=stages,
            initial=selectors.proposal_prefill(meeting, chosen, draft_stages),
        )
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
            messages.success(request, f"Proposed “{proposal.title}”; its vote is open.")
            return redirect(reverse("meetings:answers", args=[meeting.pk]))
    return render(
        request,
        "meetings/propose.html",
        {"meeting": meeting, "form": form, "has_stages": bool(stages)},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@permission_required(FACILITATE, action="edit meeting minutes")
def minutes_edit(request, pk: int):
    meeting = _run_meeting(request, pk, "edit the minutes")
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
@permission_required(FACILITATE, action="publish a meeting summary")
def summary_edit(request, pk: int):
    meeting = _run_meeting(request, pk, "publish the summary")
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


def _post_form(request, meeting, form, context_name, action):
    """Validate a form posted from the meeting page and run `action(data)`; on bad input the
    page comes back with the form and its errors."""
    if form.is_valid():
        try:
            result = action(form.cleaned_data)
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            if result:
                messages.success(request, result)
            return None
    return _render_meeting(request, meeting, status=400, **{context_name: form})


@require_POST
@permission_required(FACILITATE, action="invite people to a meeting")
def invite(request, pk: int):
    meeting = _run_meeting(request, pk, "invite people")

    def act(data):
        added = services.invitations_add(meeting=meeting, by=request.user, people=data["people"])
        return f"Invited {len(added)} {'person' if len(added) == 1 else 'people'}."

    return _post_form(
        request, meeting, forms.InviteForm(request.POST, meeting=meeting), "invite_form", act
    ) or redirect(meeting.get_absolute_url() + "#people")


@require_POST
@permission_required(FACILITATE, action="invite people to a meeting")
def uninvite(request, pk: int, person_pk: int):
    meeting = _run_meeting(request, pk, "change the invitations")
    attendance = get_object_or_404(
        meeting.attendances.select_related("person"), person_id=person_pk
    )
    try:
        services.invitation_remove(meeting=meeting, by=request.user, person=attendance.person)
        messages.success(request, f"{attendance.person} is no longer invited.")
    except ValidationError as error:
        messages.error(request, _message_for(error))
    return redirect(meeting.get_absolute_url() + "#people")


@require_POST
@permission_required(FACILITATE, action="take attendance")
def attendance(request, pk: int):
    meeting = _run_meeting(request, pk, "take attendance")

    def act(data):
        services.attendance_record(meeting=meeting, by=request.user, present=data["present"])
        return "Attendance is recorded."

    return _post_form(
        request,
        meeting,
        forms.AttendanceForm(request.POST, meeting=meeting),
        "attendance_form",
        act,
    ) or redirect(meeting.get_absolute_url() + "#people")


@require_POST
@permission_required(FACILITATE, action="change a meeting's agenda")
def agenda_add(request, pk: int):
    meeting = _run_meeting(request, pk, "change the agenda")

    def act(data):
        item = services.agenda_item_add(
            meeting=meeting, by=request.user, title=data["title"], proposal=data["proposal"]
        )
        return f"Added “{item.title}” to the agenda."

    return _post_form(
        request, meeting, forms.AgendaItemForm(request.POST, meeting=meeting), "agenda_form", act
    ) or redirect(meeting.get_absolute_url() + "#agenda")


@require_POST
@permission_required(FACILITATE, action="change a meeting's agenda")
def agenda_remove(request, pk: int, item_pk: int):
    meeting = _run_meeting(request, pk, "change the agenda")
    item = get_object_or_404(AgendaItem, meeting=meeting, pk=item_pk)
    try:
        services.agenda_item_remove(item=item, by=request.user)
        messages.success(request, f"Removed “{item.title}” from the agenda.")
    except ValidationError as error:
        messages.error(request, _message_for(error))
    return redirect(meeting.get_absolute_url() + "#agenda")


@require_POST
@permission_required(FACILITATE, action="change a meeting's agenda")
def agenda_move(request, pk: int, item_pk: int):
    meeting = _run_meeting(request, pk, "change the agenda")
    item = get_object_or_404(AgendaItem, meeting=meeting, pk=item_pk)
    try:
        services.agenda_item_move(item=item, by=request.user, up=request.POST.get("up") == "1")
    except ValidationError as error:
        messages.error(request, _message_for(error))
    return redirect(meeting.get_absolute_url() + "#agenda")


@require_POST
@permission_required(FACILITATE, action="change a meeting's questions")
def question_add(request, pk: int):
    meeting = _run_meeting(request, pk, "change the questions")

    def act(data):
        services.question_add(meeting=meeting, by=request.user, text=data["text"])
        return "The question is added."

    return _post_form(
        request, meeting, forms.QuestionForm(request.POST), "question_form", act
    ) or redirect(meeting.get_absolute_url() + "#questions")


@require_POST
@permission_required(FACILITATE, action="change a meeting's questions")
def question_reword(request, pk: int, question_pk: int):
    meeting = _run_meeting(request, pk, "change the questions")
    question = get_object_or_404(Question, meeting=meeting, pk=question_pk)
    form = forms.QuestionForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(
                [f"Question {question.position}: {e}" for e in form.errors.get("text", [])]
            )
        services.question_reword(question=question, by=request.user, text=form.cleaned_data["text"])
        messages.success(request, "The question is reworded.")
    except ValidationError as error:
        messages.error(request, _message_for(error))
    return redirect(meeting.get_absolute_url() + "#questions")


@require_POST
@permission_required(FACILITATE, action="change a meeting's questions")
def question_remove(request, pk: int, question_pk: int):
    meeting = _run_meeting(request, pk, "change the questions")
    question = get_object_or_404(Question, meeting=meeting, pk=question_pk)
    try:
        services.question_remove(question=question, by=request.user)
        messages.success(request, "The question is removed.")
    except ValidationError as error:
        messages.error(request, _message_for(error))
    return redirect(meeting.get_absolute_url() + "#questions")


@require_POST
@permission_required(FACILITATE, action="add action items")
def action_add(request, pk: int):
    meeting = _run_meeting(request, pk, "add action items")

    def act(data):
        services.action_item_add(meeting=meeting, by=request.user, **data)
        return "The action item is added."

    return _post_form(
        request, meeting, forms.ActionItemForm(request.POST, meeting=meeting), "action_form", act
    ) or redirect(meeting.get_absolute_url() + "#actions")


@require_POST
@login_required
def action_mark(request, pk: int, item_pk: int):
    meeting = _meeting(request, pk)
    item = get_object_or_404(ActionItem, meeting=meeting, pk=item_pk)
    done = request.POST.get("done") != "0"
    services.action_item_mark(item=item, by=request.user, done=done)
    messages.success(request, f"“{item.text}” is {'done' if done else 'open again'}.")
    return redirect(meeting.get_absolute_url() + "#actions")


@require_POST
@login_required
def confirm(request, pk: int):
    meeting = _meeting(request, pk)

    def act(data):
        confirmation = services.confirmation_give(
            meeting=meeting,
            person=request.user,
            position=data["position"],
            comment=data["comment"],
        )
        return (
            "Thank you: you confirmed the summary."
            if confirmation.position == "confirm"
            else "Your concern is recorded; the facilitator will see it."
        )

    return _post_form(
        request, meeting, forms.ConfirmationForm(request.POST), "confirmation_form", act
    ) or redirect(meeting.get_absolute_url() + "#summary")


@require_POST
@login_required
def vote(request, pk: int, proposal_pk: int):
    meeting = _meeting(request, pk)
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

    return _post_form(
        request,
        meeting,
        forms.VoteForm(request.POST, auto_id=_vote_auto_id(proposal)),
        "vote_form",
        act,
    ) or redirect(meeting.get_absolute_url() + "#agenda")


STATUS_ACTIONS = {
    "start": (services.meeting_start, "The meeting has started."),
    "close": (services.meeting_close, "The meeting is closed: answers and minutes are frozen."),
    "reopen": (services.meeting_reopen, "The meeting is open again; the history records it."),
}


@require_POST
@permission_required(FACILITATE, action="start, close or reopen a meeting")
def status_change(request, pk: int):
    meeting = _run_meeting(request, pk, "start, close or reopen the meeting")
    action = STATUS_ACTIONS.get(request.POST.get("action", ""))
    if action is None:
        messages.error(request, "Choose start, close or reopen.")
        return redirect(meeting)
    service, done = action
    try:
        service(meeting=meeting, by=request.user)
        messages.success(request, done)
    except ValidationError as error:
        messages.error(request, _message_for(error))
    return redirect(meeting)


@require_POST
@permission_required(FACILITATE, action="schedule a meeting")
def next_review(request, pk: int):
    meeting = _meeting(request, pk)
    try:
        review = services.review_schedule_next(meeting=meeting, by=request.user)
    except ValidationError as error:
        messages.error(request, _message_for(error))
        return redirect(meeting)
    local = timezone.localtime(review.starts_at)
    messages.success(
        request, f"The next review is scheduled for {local:%A %-d %B at %H:%M}, same people."
    )
    return redirect(review)


@require_POST
@permission_required(FACILITATE, action="send reminders")
def remind(request, pk: int):
    meeting = _run_meeting(request, pk, "send reminders")
    try:
        reminded = services.reminders_send(
            meeting=meeting,
            by=request.user,
            meeting_url=request.build_absolute_uri(reverse("meetings:answer", args=[pk])),
        )
    except ValidationError as error:
        messages.error(request, _message_for(error))
    else:
        if reminded:
            names = ", ".join(person.full_name for person in reminded)
            messages.success(request, f"Reminder on its way to {names}.")
        else:
            messages.info(request, "Everybody has answered every question: nobody to remind.")
    return redirect(meeting.get_absolute_url() + "#participation")
