"""The review queue: a rep's verdicts, one lead or several at once, and suggestions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from config.htmx import render_htmx
from config.kept_pages import kept_page
from feedback import forms, queue_rows, selectors, services
from feedback.models import Lead, ReviewCycle
from feedback.views.common import errors_of

# A bulk action takes at most this many leads (a few pages of the queue).
BULK_MAX = 500
# What a row shows of a save or an undo just made; every row has them, so the template
# never looks up a missing attribute (Django's failed lookup costs a dir() of the lead).
ROW_MARKS = {
    "just_saved": False,
    "undo_to": None,
    "undo_problems": (),
    "undone": False,
    "selected": False,
    "row_html": None,  # the row as drawn (or kept) by queue_rows.rows_drawn
}


def _progress(cycle, rep) -> dict:
    reviewed, total = selectors.queue_progress(cycle, rep)
    return {"reviewed": reviewed, "total": total, "remaining": total - reviewed}


def _queue_context(request, cycle, *, bound: dict | None = None, bulk_form=None):
    show, after = forms.QueueForm(request.GET).query()
    page = selectors.review_queue(cycle, request.user, show=show, after=after)
    reasons = selectors.reasons_for_review()
    leads = list(page.leads)
    # A refused bulk action keeps its leads selected, so the rep only mends what was wrong.
    selected = set(bulk_form.selected()) if bulk_form is not None else set()
    # A lead sent back with errors, or selected for a refused bulk action, is shown even when
    # it is not on this page (another page, another filter): first, as it was sent.
    elsewhere = ((bound or {}).keys() | selected) - {lead.pk for lead in leads}
    if elsewhere:
        leads[:0] = selectors.review_queue_leads(cycle, request.user, elsewhere)
    for lead in leads:
        vars(lead).update(ROW_MARKS, selected=lead.pk in selected)
        if bound and lead.pk in bound:
            lead.form = bound[lead.pk]
    queue_rows.rows_drawn(
        leads,
        cycle=cycle,
        reasons=reasons,
        token=get_token(request),
        form_for=lambda lead: forms.FeedbackForm.for_feedback(
            lead.cycle_feedback, prefix=f"lead-{lead.pk}", reasons=reasons
        ),
        summarise=lambda leads: selectors.leads_summarised(leads, [cycle.version]),
    )
    offer = forms.UndoOfferForm(request.GET).offer()
    return {
        "cycle": cycle,
        "page": page,
        "leads": leads,
        "shows": selectors.QUEUE_SHOWS,
        "appended": after is not None,
        **_progress(cycle, request.user),
        "undo_offer": offer and selectors.undo_offer(cycle, request.user, *offer),
        "bulk_form": bulk_form or forms.BulkForm(lead_ids=[]),
        # The bulk reason's options, from the list the rows use (not the field's own query).
        "reasons": reasons,
        "suggestion_form": forms.SuggestionForm(),
        "is_open": cycle.is_open(),
        "cycle_status": cycle.status(),
    }


@require_GET
@kept_page
@login_required
def review(request, pk: int):
    cycle = get_object_or_404(ReviewCycle.objects.select_related("definition", "version"), pk=pk)
    context = _queue_context(request, cycle)
    return render_htmx(
        request, "feedback/review.html", context, partials=["review-queue", "queue-more"]
    )


def _row_response(request, cycle, lead, form, **marks):
    """The lead's row, with the progress and the all-reviewed state swapped beside it."""
    context = {"cycle": cycle, "lead": lead, **_progress(cycle, request.user)}
    lead.form = form
    vars(lead).update({**ROW_MARKS, **marks})
    return render(request, "feedback/review.html#lead-saved", context)


def _saved_row(request, cycle, lead_pk: int, reasons, **marks):
    """The row of a lead just written, its form showing what is now recorded."""
    lead = selectors.review_queue_leads(cycle, request.user, [lead_pk])[0]
    form = forms.FeedbackForm.for_feedback(
        lead.cycle_feedback, prefix=f"lead-{lead.pk}", reasons=reasons
    )
    return _row_response(request, cycle, lead, form, **marks)


@require_POST
@login_required
def review_save(request, pk: int, lead_pk: int):
    cycle = get_object_or_404(ReviewCycle.objects.select_related("definition", "version"), pk=pk)
    # Only the rep's own leads are found: anyone else's is a 404. Its check comes along, for
    # the row drawn after the save.
    mine = Lead.objects.in_cycle(cycle).handed_to(request.user)
    lead = get_object_or_404(mine.select_related("qualification__stage_reached"), pk=lead_pk)
    lead.cycle = cycle  # the cycle just read, with its definition and version
    reasons = selectors.reasons_for_review()
    form = forms.FeedbackForm(request.POST, prefix=f"lead-{lead.pk}", reasons=reasons)
    saved = None
    if form.is_valid():
        try:
            saved = services.feedback_record(lead=lead, rep=request.user, **form.cleaned_data)
        except ValidationError as error:
            for message in errors_of(error):
                form.add_error(None, message)
    if not request.htmx:
        if saved:
            messages.success(request, f"Feedback on {lead.company} saved.")
            # A change to a finished review is offered for undo on the page that follows.
            offer = f"?undo={lead.pk}-{saved.undo_to}" if saved.undo_to else ""
            return redirect(reverse("feedback:review", args=[cycle.pk]) + offer)
        context = _queue_context(request, cycle, bound={lead.pk: form})
        return render(request, "feedback/review.html", context, status=400)
    # A save re-renders this one lead and the progress, never the queue: the lead as read
    # above with the feedback just saved (nothing else of the row changes on a save).
    if saved:
        lead.feedback_list = [saved]
        selectors.leads_summarised([lead], [cycle.version])
        form = forms.FeedbackForm.for_feedback(saved, prefix=f"lead-{lead.pk}", reasons=reasons)
        return _row_response(request, cycle, lead, form, just_saved=True, undo_to=saved.undo_to)
    lead = selectors.review_queue_leads(cycle, request.user, [lead.pk])[0]
    return _row_response(request, cycle, lead, form)


@require_POST
@login_required
def review_undo(request, pk: int, lead_pk: int):
    cycle = get_object_or_404(ReviewCycle.objects.select_related("definition", "version"), pk=pk)
    # Only the rep's own leads are found: anyone else's is a 404.
    lead = get_object_or_404(Lead.objects.in_cycle(cycle).handed_to(request.user), pk=lead_pk)
    form = forms.UndoForm(request.POST)
    problems = [f"There is no change to undo on {lead.company}."]
    if form.is_valid():
        try:
            history_id = form.cleaned_data["history_id"]
            services.feedback_undo(lead=lead, rep=request.user, history_id=history_id)
            problems = []
        except ValidationError as error:
            problems = errors_of(error)
    if not request.htmx:
        for problem in problems:
            messages.error(request, problem)
        if not problems:
            messages.success(request, f"Undone: {lead.company} has its earlier verdict back.")
        return redirect("feedback:review", pk=cycle.pk)
    reasons = selectors.reasons_for_review()
    return _saved_row(request, cycle, lead.pk, reasons, undo_problems=problems, undone=not problems)


@require_POST
@login_required
def review_bulk(request, pk: int):
    cycle = get_object_or_404(ReviewCycle.objects.select_related("definition", "version"), pk=pk)
    # The choices are the selected leads that are the rep's: reading every lead of the cycle
    # to validate a handful would make a bulk action grow with the queue.
    selected = [int(v) for v in request.POST.getlist("leads")[:BULK_MAX] if v.isdigit()]
    lead_ids = list(
        Lead.objects.in_cycle(cycle)
        .handed_to(request.user)
        .filter(pk__in=selected)
        .values_list("pk", flat=True)
    )
    form = forms.BulkForm(request.POST, lead_ids=lead_ids)
    if form.is_valid():
        reason = form.cleaned_data["reason"]
        try:
            count = services.feedback_bulk(
                cycle=cycle,
                rep=request.user,
                lead_ids=form.cleaned_data["leads"],
                decision=form.cleaned_data["decision"],
                reasons=[reason] if reason else [],
            )
        except ValidationError as error:
            for message in errors_of(error):
                form.add_error(None, message)
        else:
            if not request.htmx:
                messages.success(request, f"Feedback saved for {count} lead{'s' * (count != 1)}.")
                return redirect("feedback:review", pk=cycle.pk)
            form = None
    context = _queue_context(request, cycle, bulk_form=form)
    status = 200 if form is None or request.htmx else 400
    return render_htmx(
        request, "feedback/review.html", context, partials=["review-queue"], status=status
    )


@require_POST
@login_required
def suggestion_add(request, pk: int):
    cycle = get_object_or_404(ReviewCycle, pk=pk)
    form = forms.SuggestionForm(request.POST)
    if form.is_valid():
        services.suggestion_add(cycle=cycle, author=request.user, **form.cleaned_data)
        messages.success(request, "Thank you: your suggestion is recorded for the review.")
    else:
        messages.error(request, "Write the suggestion and say whether to stop, start or continue.")
    return redirect("feedback:review", pk=cycle.pk)
