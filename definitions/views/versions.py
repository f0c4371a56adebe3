"""Published versions: their pages, comparison, and the exports, feed and embed."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.text import slugify
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_GET

from accounts.decorators import login_or_read_key_required
from accounts.services import read_key_for
from definitions import publication, selectors
from definitions.content import content_diff, diff_is_empty
from definitions.document import version_document
from definitions.feeds import VersionFeed
from definitions.models import Version
from definitions.rendering import version_content_drawn
from definitions.views._lookup import definition_get, version_get


@require_GET
@login_required
def version_detail(request, pk: int, number):
    definition = definition_get(request, pk)
    version = version_get(definition, number)
    latest_number = (
        Version.objects.for_definition(definition)
        .latest_first()
        .values_list("number", flat=True)
        .first()
    )
    context = {
        "definition": definition,
        "version": version,
        "content_html": version_content_drawn(version)[1],
        "read_key": read_key_for(request.user),
        "is_latest": version.number == latest_number,
        "proposals": version.proposals.all(),
    }
    return render(request, "definitions/version.html", context)


@require_GET
@login_required
def version_list(request, pk: int):
    definition = definition_get(request, pk)
    versions = (
        Version.objects.for_definition(definition)
        .latest_first()
        .select_related("approved_by", "published_by")
    )
    return render(
        request, "definitions/versions.html", {"definition": definition, "versions": versions}
    )


@require_GET
@login_required
def version_compare(request, pk: int):
    definition = definition_get(request, pk)
    versions = list(Version.objects.for_definition(definition).order_by("number"))
    numbers = [v.number for v in versions]
    try:
        new = int(request.GET.get("to") or numbers[-1])
        old = int(request.GET.get("from") or (new - 1))
    except (ValueError, IndexError):
        raise Http404 from None
    if old not in numbers or new not in numbers:
        raise Http404
    by_number = {v.number: v for v in versions}
    diff = content_diff(
        selectors.version_content(by_number[old]), selectors.version_content(by_number[new])
    )
    context = {
        "definition": definition,
        "old": by_number[old],
        "new": by_number[new],
        "numbers": numbers,
        "diff": diff,
        "unchanged": diff_is_empty(diff),
    }
    return render(request, "definitions/compare.html", context)


@require_GET
@login_or_read_key_required
def version_markdown(request, pk: int, number):
    definition = definition_get(request, pk)
    version = version_get(definition, number)
    text = publication.version_markdown(version, selectors.version_content(version))
    response = HttpResponse(text, content_type="text/markdown; charset=utf-8")
    filename = f"{slugify(definition.name)}-v{version.number}.md"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@require_GET
@login_or_read_key_required
def version_json(request, pk: int, number):
    definition = definition_get(request, pk)
    version = version_get(definition, number)
    document = version_document(version, selectors.version_content(version))
    return JsonResponse(document, json_dumps_params={"indent": 2})


@require_GET
@login_or_read_key_required
def version_feed(request, pk: int):
    return VersionFeed()(request, pk=pk)


@require_GET
@xframe_options_exempt
@login_or_read_key_required
def version_embed(request, pk: int):
    """The version in force, without navigation, for framing in the company intranet."""
    definition = definition_get(request, pk)
    version = version_get(definition, "latest")
    context = {
        "definition": definition,
        "version": version,
        "content_html": version_content_drawn(version)[1],
    }
    return render(request, "definitions/embed.html", context)


version_embed = csp_override(
    {**settings.SECURE_CSP, "frame-ancestors": settings.EMBED_FRAME_ANCESTORS}
)(version_embed)
