"""API: the definitions and their published versions (read-only)."""

from django.core.exceptions import ValidationError
from django.db.models import Max
from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.responses import Status

from config.api_errors import Conflict, with_errors
from definitions import selectors, services
from definitions.document import VersionDocument as VersionOut
from definitions.document import version_document
from definitions.models import Definition, Submission, Version
from definitions.publication import absolute

router = Router(tags=["definitions"])


class DefinitionOut(Schema):
    id: int
    name: str
    scope: str
    product_line: str
    url: str
    latest_version: int | None


@router.get("", response=with_errors({200: list[DefinitionOut]}), summary="List definitions")
def definitions_list(request):
    definitions = (
        Definition.objects.visible_to(request.user)
        .annotate(latest_version=Max("versions__number"))
        .order_by("pk")
    )
    return [
        {
            "id": d.pk,
            "name": d.name,
            "scope": d.scope,
            "product_line": d.product_line,
            "url": absolute(d.get_absolute_url()),
            "latest_version": d.latest_version,
        }
        for d in definitions
    ]


def _version_or_404(request, definition_id: int, number: int | None) -> Version:
    definition = get_object_or_404(Definition.objects.visible_to(request.user), pk=definition_id)
    versions = Version.objects.for_definition(definition).select_related(
        "definition", "approved_by", "published_by"
    )
    if number is None:
        version = versions.latest_first().first()
        if version is None:
            raise Http404
        return version
    return get_object_or_404(versions, number=number)


@router.get(
    "/{definition_id}/versions/latest",
    response=with_errors({200: VersionOut}, 404),
    summary="The version in force",
)
def version_latest(request, definition_id: int):
    version = _version_or_404(request, definition_id, None)
    return version_document(version, selectors.version_content(version))


@router.get(
    "/{definition_id}/versions/{number}",
    response=with_errors({200: VersionOut}, 404),
    summary="A numbered version",
)
def version_numbered(request, definition_id: int, number: int):
    version = _version_or_404(request, definition_id, number)
    return version_document(version, selectors.version_content(version))


@router.post(
    "/{definition_id}/submissions/{submission_id}/publish",
    response=with_errors({201: VersionOut}, 403, 404, 409),
    summary="Publish an approved draft (executives)",
)
def submission_publish(request, definition_id: int, submission_id: int):
    definition = get_object_or_404(Definition.objects.visible_to(request.user), pk=definition_id)
    submission = get_object_or_404(Submission, definition=definition, pk=submission_id)
    try:
        version = services.version_publish(submission=submission, by=request.user)
    except ValidationError as error:
        raise Conflict(" ".join(error.messages)) from None
    return Status(201, version_document(version, selectors.version_content(version)))
