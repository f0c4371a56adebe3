"""The list of definitions, starting one, its page, its consensus rule and its history."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts.decorators import permission_required
from config.forms import errors_onto_form
from config.kept_pages import kept_page
from definitions import selectors, services
from definitions.content import content_empty
from definitions.forms import ConsensusRuleForm, DefinitionForm
from definitions.models import Definition, Proposal
from definitions.rendering import version_content_drawn
from definitions.views._lookup import definition_get


@require_GET
@login_required
def definition_list(request):
    definitions = (
        Definition.objects.visible_to(request.user)
        .select_related("facilitator", "executive_sponsor")
        .annotate(version_count=Count("versions", distinct=True))
    )
    return render(request, "definitions/list.html", {"definitions": definitions})


@require_http_methods(["GET", "POST"])
@permission_required("definitions.facilitate", action="start a definition")
def definition_create(request):
    form = DefinitionForm(request.POST or None, initial={"facilitator": request.user})
    if request.method == "POST" and form.is_valid():
        try:
            definition = services.definition_create(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(
                request,
                f"“{definition.name}” has been started. Its starting content is open for votes.",
            )
            return redirect(definition)
    return render(request, "definitions/create.html", {"form": form})


@require_GET
@kept_page
@login_required
def definition_detail(request, pk: int):
    definition = definition_get(request, pk)
    version = selectors.version_latest(definition)
    content, content_html = version_content_drawn(version) if version else (content_empty(), "")
    open_count = Proposal.objects.for_definition(definition).open().count()
    context = {
        "definition": definition,
        "version": version,
        "content_html": content_html,
        "health": (
            selectors.definition_health_for(definition, content, latest=version) if version else []
        ),
        "open_count": open_count,
        "in_review": selectors.submission_in_review(definition),
    }
    return render(request, "definitions/detail.html", context)


@require_http_methods(["GET", "POST"])
@permission_required("definitions.facilitate", action="change the consensus rule")
def consensus_rule(request, pk: int):
    definition = definition_get(request, pk)
    form = ConsensusRuleForm(request.POST or None, instance=definition)
    if request.method == "POST" and form.is_valid():
        services.definition_rule_change(
            definition=definition,
            by=request.user,
            quorum_percent=form.cleaned_data["quorum_percent"],
            threshold_percent=form.cleaned_data["threshold_percent"],
        )
        messages.success(request, "The rule applies to votes opened from now on.")
        return redirect(definition)
    return render(request, "definitions/rule.html", {"definition": definition, "form": form})


@require_GET
@login_required
def definition_history(request, pk: int):
    definition = definition_get(request, pk)
    entries = selectors.definition_history(definition)
    return render(
        request, "definitions/history.html", {"definition": definition, "entries": entries}
    )
