"""Looking a definition or version up through what the person may see (else a 404)."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from definitions.models import Definition, Version


def definition_get(request, pk: int) -> Definition:
    return get_object_or_404(
        Definition.objects.visible_to(request.user).select_related(
            "facilitator", "executive_sponsor"
        ),
        pk=pk,
    )


def version_get(definition: Definition, number) -> Version:
    """A numbered version of the definition, or its latest for `number == "latest"`."""
    versions = Version.objects.for_definition(definition).select_related(
        "approved_by", "published_by", "submitted_by"
    )
    if number == "latest":
        version = versions.latest_first().first()
        if version is None:
            raise Http404
        return version
    return get_object_or_404(versions, number=number)
