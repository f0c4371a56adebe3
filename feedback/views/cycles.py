"""The cycles list, opening a cycle, a cycle's page, re-running its check, its exports."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import permission_required
from feedback import forms, permissions, selectors, services
from feedback.models import ReviewCycle
from feedback.progress import recheck_latest
from feedback.views.common import FACILITATE, csv_response, feedback_reader_required


@require_GET
@login_required
def index(request):
    cycles = selectors.cycles_for(request.user)
    now = timezone.now()
    return render(
        request,
        "feedback/index.html",
        {
            "cycles": cycles,
            "now": now,
            "reads_all": permissions.reads_all_feedback(request.user),
            "facilitates": request.user.has_perm(FACILITATE),
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(FACILITATE, action="open a review cycle")
def cycle_new(request):
    form = forms.CycleForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            cycle = services.cycle_open(
                definition=form.cleaned_data["definition"],
                by=request.user,
                starts_at=form.cleaned_data["starts_at"],
                days=form.cleaned_data["days"],
                meeting_id=form.cleaned_data["meeting"],
            )
        except ValidationError as error:
            for field, messages_ in error.message_dict.items():
                form.add_error(field if field in form.fields else "starts_at", messages_)
        else:
            messages.success(request, f"The review cycle {cycle} is open.")
            return redirect(cycle)
    return render(request, "feedback/cycle_new.html", {"form": form})


@require_GET
@feedback_reader_required
def cycle_detail(request, pk: int):
    cycle = get_object_or_404(ReviewCycle.objects.select_related("definition", "version"), pk=pk)
    progress = list(selectors.cycle_progress_by_rep(cycle))
    return render(
        request,
        "feedback/cycle.html",
        {
            "cycle": cycle,
            "leads": selectors.cycle_leads(cycle),
            "lead_limit": selectors.CYCLE_PAGE_LEADS,
            "progress": progress,
            "reviewed": sum(row["reviewed"] for row in progress),
            "total": sum(row["total"] for row in progress),
            "suggestions": selectors.cycle_suggestions(cycle),
            "facilitates": request.user.has_perm(FACILITATE),
            **_recheck_context(cycle),
        },
    )


def _recheck_context(cycle: ReviewCycle) -> dict:
    recheck = recheck_latest(cycle)
    return {"recheck": recheck, "recheck_stalled": recheck and services.recheck_is_stalled(recheck)}


@require_POST
@permission_required(FACILITATE, action="re-run the qualification check")
def cycle_recheck(request, pk: int):
    cycle = get_object_or_404(ReviewCycle, pk=pk)
    recheck, queued = services.cycle_recheck(cycle=cycle, by=request.user)
    if queued:
        leads = f"{recheck.total} lead{'s' * (recheck.total != 1)}"
        messages.success(
            request, f"The check runs again for {leads}; this page shows how far it has got."
        )
    else:
        messages.info(request, "The check is already running again for this cycle.")
    return redirect(cycle)


@require_GET
@feedback_reader_required
def cycle_recheck_progress(request, pk: int):
    """The re-run's status box as it is now: htmx polls it while the re-run goes on."""
    cycle = get_object_or_404(ReviewCycle, pk=pk)
    return render(
        request,
        "feedback/cycle.html#recheck-status",
        {
            "cycle": cycle,
            "facilitates": request.user.has_perm(FACILITATE),
            "polled": True,
            **_recheck_context(cycle),
        },
    )


@require_GET
@feedback_reader_required
def export_leads(request, pk: int):
    cycle = get_object_or_404(ReviewCycle, pk=pk)
    return csv_response(
        f"leads-cycle-{cycle.pk}.csv",
        selectors.LEAD_EXPORT_HEADER,
        selectors.lead_export_rows(cycle),
    )


@require_GET
@feedback_reader_required
def export_feedback(request, pk: int):
    cycle = get_object_or_404(ReviewCycle, pk=pk)
    return csv_response(
        f"feedback-cycle-{cycle.pk}.csv",
        selectors.FEEDBACK_EXPORT_HEADER,
        selectors.feedback_export_rows(cycle),
    )
