"""A lead's page, marking its criteria, recording its outcome, entering a lead by hand."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import permission_required
from config.forms import errors_onto_form
from config.kept_pages import kept_page
from definitions.models import VersionCriterion
from feedback import forms, permissions, selectors, services
from feedback.models import Lead
from feedback.views.common import FACILITATE, errors_of


def _visible_lead(request, pk: int) -> Lead:
    return get_object_or_404(
        Lead.objects.visible_to(request.user).select_related(
            "cycle__definition", "rep", "version", "qualification__stage_reached"
        ),
        pk=pk,
    )


@require_GET
@kept_page
@login_required
def lead_detail(request, pk: int):
    return _lead_page(request, _visible_lead(request, pk))


def _lead_page(request, lead: Lead, *, outcome_form=None, status=200):
    outcome = getattr(lead, "outcome", None)
    return render(
        request,
        "feedback/lead.html",
        {
            "lead": lead,
            "checklist": selectors.lead_checklist(lead),
            "feedback": selectors.lead_feedback(lead),
            "outcome": outcome,
            "can_mark": permissions.criterion_markable_by(request.user, lead),
            "can_record_outcome": permissions.outcome_recordable_by(request.user, lead),
            "reads_all": permissions.reads_all_feedback(request.user),
            "mark_form": forms.CriterionMarkForm(),
            "outcome_form": outcome_form or forms.OutcomeForm(instance=outcome),
        },
        status=status,
    )


@require_POST
@login_required
def criterion_mark(request, pk: int, criterion_pk: int):
    lead = _visible_lead(request, pk)
    criterion = get_object_or_404(VersionCriterion.objects.select_related("stage"), pk=criterion_pk)
    form = forms.CriterionMarkForm(request.POST)
    if form.is_valid():
        try:
            services.criterion_mark(
                lead=lead, criterion=criterion, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            messages.error(request, " ".join(errors_of(error)))
        else:
            messages.success(request, f"“{criterion.statement}” checked.")
    else:
        messages.error(request, "Choose a result and the evidence seen.")
    return redirect(lead)


@require_POST
@login_required
def outcome_save(request, pk: int):
    lead = _visible_lead(request, pk)
    form = forms.OutcomeForm(request.POST)
    if form.is_valid():
        services.outcome_record(lead=lead, by=request.user, **form.cleaned_data)
        messages.success(request, "Outcome recorded.")
        return redirect(lead)
    return _lead_page(request, lead, outcome_form=form, status=400)


@require_http_methods(["GET", "POST"])
@permission_required(FACILITATE, action="enter leads")
def lead_new(request):
    form = forms.LeadForm(request.POST or None, initial={"cycle": request.GET.get("cycle")})
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("cycle", "rep")}
        try:
            lead = services.lead_create(
                cycle=form.cleaned_data["cycle"],
                rep=form.cleaned_data["rep"],
                by=request.user,
                **data,
            )
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(request, f"{lead.company} was handed to {lead.rep} and checked.")
            return redirect(lead)
    return render(request, "feedback/lead_new.html", {"form": form})
