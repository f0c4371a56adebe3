"""What the meeting views share: looking a meeting up, the meeting page, a posted form."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect

from config.forms import errors_onto_form
from config.htmx import render_htmx
from definitions.models import Proposal
from meetings import forms, permissions, selectors
from meetings.models import Meeting


def meeting_get(request, pk: int) -> Meeting:
    """The meeting, looked up through what this person may see: anything else is a 404."""
    try:
        return selectors.meeting_get(request.user, pk)
    except Meeting.DoesNotExist:
        raise Http404("No such meeting, or you are not invited to it.") from None


def run_meeting(request, pk: int, action: str) -> Meeting:
    """The meeting, if `request.user` is its facilitator; any other facilitator gets a 403."""
    meeting = meeting_get(request, pk)
    permissions.facilitator_require(meeting, request.user, action)
    return meeting


def message_for(error: ValidationError) -> str:
    return " ".join(error.messages)


def vote_auto_id(proposal: Proposal) -> str:
    return f"id_vote{proposal.pk}_%s"


def render_meeting(request, meeting: Meeting, *, status: int = 200, **bound_forms):
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
        auto_id = vote_auto_id(proposal)
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


def act_then_return(request, meeting: Meeting, anchor: str, act) -> HttpResponse:
    """Run `act()`, a service called from a button on the meeting page, and go back to the
    page at `#anchor`, with the message `act` returns (if any) or the service's refusal."""
    try:
        result = act()
    except ValidationError as error:
        messages.error(request, message_for(error))
    else:
        if result:
            messages.success(request, result)
    return redirect(meeting.get_absolute_url() + f"#{anchor}")


def post_form(request, meeting, form, context_name, action, *, anchor: str | None = None):
    """Validate a form posted from the meeting page and run `action(data)`; on bad input the
    page comes back with the form and its errors. On success: back to the page at `#anchor`
    when one is named, else None (the caller chooses where to go)."""
    if form.is_valid():
        try:
            result = action(form.cleaned_data)
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            if result:
                messages.success(request, result)
            return redirect(meeting.get_absolute_url() + f"#{anchor}") if anchor else None
    return render_meeting(request, meeting, status=400, **{context_name: form})
