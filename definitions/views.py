"""Definition pages: thin views over services and selectors."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts.decorators import permission_required
from definitions import services
from definitions.forms import DefinitionForm
from definitions.models import Definition


@require_GET
@login_required
def definition_list(request):
    definitions = Definition.objects.visible_to(request.user).select_related(
        "facilitator", "executive_sponsor"
    )
    return render(request, "definitions/list.html", {"definitions": definitions})


@require_http_methods(["GET", "POST"])
@permission_required("definitions.facilitate", action="start a definition")
def definition_create(request):
    form = DefinitionForm(request.POST or None, initial={"facilitator": request.user})
    if request.method == "POST" and form.is_valid():
        definition = services.definition_create(by=request.user, **form.cleaned_data)
        messages.success(request, f"“{definition.name}” has been started.")
        return redirect(definition)
    return render(request, "definitions/create.html", {"form": form})


@require_GET
@login_required
def definition_detail(request, pk: int):
    definition = get_object_or_404(
        Definition.objects.visible_to(request.user).select_related(
            "facilitator", "executive_sponsor"
        ),
        pk=pk,
    )
    return render(request, "definitions/detail.html", {"definition": definition})
