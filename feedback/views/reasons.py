"""The rejection reason catalogue."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from accounts.decorators import permission_required
from config.confirm import confirmation
from config.fields import id_param
from definitions.models import VersionCriterion
from feedback import forms, services
from feedback.loop import catalogue_states
from feedback.models import RejectionReason
from feedback.views.common import FACILITATE, errors_of


def _criteria_choices() -> list[tuple[str, str]]:
    rows = VersionCriterion.objects.order_by("key", "-stage__version__published_at").values_list(
        "key", "statement"
    )
    seen = {}
    for key, statement in rows:
        seen.setdefault(key, statement)
    return [(key, f"{statement} ({key})") for key, statement in seen.items()]


@require_http_methods(["GET", "POST"])
@permission_required(FACILITATE, action="keep the reason catalogue")
def reasons(request):
    criteria = _criteria_choices()
    form = forms.ReasonForm(request.POST or None, criteria=criteria)
    if request.method == "POST":
        if "toggle" in request.POST:  # brings a retired reason back; retiring asks first
            toggle = id_param(request.POST, "toggle")
            if toggle is None:
                raise Http404
            reason = get_object_or_404(RejectionReason, pk=toggle)
            services.reason_save(
                by=request.user,
                label=reason.label,
                criterion_key=reason.criterion_key,
                active=True,
                reason=reason,
            )
            return redirect("feedback:reasons")
        if form.is_valid():
            try:
                services.reason_save(by=request.user, **form.cleaned_data)
            except ValidationError as error:
                for message in errors_of(error):
                    form.add_error("label", message)
            else:
                messages.success(request, "Reason added to the catalogue.")
                return redirect("feedback:reasons")
    catalogue = list(RejectionReason.objects.all())
    states = catalogue_states(catalogue)
    rows = [(r, states[r.pk], any(s.written for _, s in states[r.pk])) for r in catalogue]
    return render(request, "feedback/reasons.html", {"form": form, "catalogue": rows})


@require_http_methods(["GET", "POST"])
@permission_required(FACILITATE, action="keep the reason catalogue")
def reason_retire(request, pk: int):
    """Retire a reason (GET asks first): reps can no longer give it; feedback keeps it."""
    reason = get_object_or_404(RejectionReason, pk=pk, active=True)
    if request.method == "GET":
        cited = reason.feedback.count()
        return confirmation(
            request,
            title=f"Retire the reason “{reason.label}”?",
            consequences=[
                "Reps can no longer give it when they reject a lead.",
                f"The {cited} {'piece' if cited == 1 else 'pieces'} of feedback that cite it "
                "keep it, and the numbers still count them.",
            ],
            button="Retire the reason",
            back_url=reverse("feedback:reasons"),
        )
    services.reason_save(
        by=request.user,
        label=reason.label,
        criterion_key=reason.criterion_key,
        active=False,
        reason=reason,
    )
    messages.success(request, f"“{reason.label}” is retired.")
    return redirect("feedback:reasons")
