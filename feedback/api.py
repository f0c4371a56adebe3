"""API: check a lead against the definition, submit leads, record feedback and outcomes.

The check uses the same computation as the lead page (`checks.ladder_check`); submitted
leads go through the CSV import's own parser and rules (`services.leads_import`): all or
nothing, upsert by CRM reference, every bad item named with its field.
"""

from datetime import date
from decimal import Decimal
from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import register_converter
from ninja import Router, Schema
from ninja.responses import Status
from pydantic import Field, field_validator
from pydantic import ValidationError as PydanticValidationError

from config.api_errors import Conflict, PayloadTooLarge, with_errors
from config.api_fields import ApiDate, api_text
from definitions.models import Definition, Version
from definitions.rules import EVIDENCE_LEVELS, LEAD_FIELDS, SENIORITY_LEVELS
from feedback import csv_io, selectors, services
from feedback.checks import ladder_check, ladders_for
from feedback.models import CheckResult, Lead, LeadFeedback, Outcome, RejectionReason, ReviewCycle


class CrmReferenceConverter:
    """A CRM reference in a URL, whatever it holds (slashes, line breaks): an unknown one is
    the API's own 404, never the site's page for a URL it does not know."""

    regex = r"[\s\S]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(CrmReferenceConverter, "crm_reference")

router = Router(tags=["leads"])

MAX_LEADS_PER_REQUEST = 5000

Evidence = Literal[tuple(EVIDENCE_LEVELS)]  # type: ignore[valid-type]
Seniority = Literal[tuple(SENIORITY_LEVELS)]  # type: ignore[valid-type]


def _lead_text(name: str, **kwargs):
    """A lead's short text as its model field holds it (its max_length)."""
    return api_text(Lead._meta.get_field(name).max_length, **kwargs)


# Words the import reads into a choice ("Trade show", "MQL"), and a rep's e-mail or name.
Word = api_text(40)
Person = api_text(254)


class LeadFields(Schema):
    """A lead's fields, as the definition's rules read them; all optional."""

    email: _lead_text("email") | None = None
    phone: _lead_text("phone") | None = None
    title: _lead_text("title") | None = None
    seniority: Seniority | None = None
    industry: _lead_text("industry") | None = None
    company_size: int | None = Field(None, ge=0, le=10_000_000)
    region: _lead_text("region") | None = None
    source: Word | None = None
    permission_to_follow_up: bool | None = None
    asked_for_information: bool | None = None
    need_evidence: Evidence | None = None
    budget_evidence: Evidence | None = None
    authority_evidence: Evidence | None = None


class StageRef(Schema):
    key: str
    name: str
    level: str


class CriterionCheck(Schema):
    key: str
    stage: str
    statement: str
    result: Literal[tuple(CheckResult.values)]  # type: ignore[valid-type]
    evidence_seen: str
    value_seen: str


class CheckOut(Schema):
    definition: int
    version: int
    stage_reached: StageRef | None
    criteria: list[CriterionCheck]


def _definition(request, definition_id: int) -> Definition:
    return get_object_or_404(Definition.objects.visible_to(request.user), pk=definition_id)


def lead_check_document(version: Version, values: dict) -> dict:
    """The check of one lead's values under `version`, as the API returns it."""
    ladder = ladders_for([version.pk], [version]).get(version.pk, [])
    reached, outcomes = ladder_check(ladder, values)
    stage_of = {c.pk: stage for stage, criteria in ladder for c in criteria}
    return {
        "definition": version.definition_id,
        "version": version.number,
        "stage_reached": (
            {"key": reached.key, "name": reached.name, "level": reached.level} if reached else None
        ),
        "criteria": [
            {
                "key": o.criterion.key,
                "stage": stage_of[o.criterion.pk].name,
                "statement": o.criterion.statement,
                "result": o.result,
                "evidence_seen": o.evidence_seen,
                "value_seen": o.value_seen,
            }
            for o in outcomes
        ],
    }


@router.post(
    "/{definition_id}/check",
    response=with_errors({200: CheckOut}, 404),
    summary="Check a lead against the version in force (or a numbered one)",
)
def lead_check(request, definition_id: int, lead: LeadFields, version: int | None = None):
    definition = _definition(request, definition_id)
    versions = Version.objects.for_definition(definition)
    found = (
        versions.latest_first().first()
        if version is None
        else versions.filter(number=version).first()
    )
    if found is None:
        raise Http404
    values = {name: getattr(lead, name) for name in LEAD_FIELDS}
    return lead_check_document(found, values)


class LeadIn(LeadFields):
    crm_reference: _lead_text("crm_reference", min_length=1)
    company: _lead_text("company", min_length=1)
    owner: Person | None = Field(None, description="The sales rep's e-mail address or full name.")
    contact_name: _lead_text("contact_name") | None = None
    need_note: api_text() | None = None
    budget_note: api_text() | None = None
    authority_note: api_text() | None = None
    stage_handed_over: Word | None = None
    handed_over_at: api_text(40) | None = Field(None, description="ISO 8601 date-time.")


class CheckedLeads(list):
    """The batch's items, and the problems their schema found (by "leads.N.field"): kept
    so that one response names those and the import's together."""

    problems: dict[str, list[str]]


class LeadsIn(Schema):
    cycle: int | None = Field(None, description="The review cycle; the open one by default.")
    fallback_owner: Person | None = Field(
        None, description="The rep for leads whose owner is not a known rep."
    )
    dry_run: bool = False
    leads: list[LeadIn] = Field(
        ...,
        description="A field left out keeps the lead's stored value; null (or an empty "
        "string) clears it, whatever the other items carry.",
    )

    @field_validator("leads", mode="wrap")
    @classmethod
    def _every_item(cls, value, handler):
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            return handler(value)
        checked = CheckedLeads()
        checked.problems = {}
        for number, raw in enumerate(value):
            try:
                checked.append(LeadIn.model_validate(raw))
            except PydanticValidationError as error:
                for problem in error.errors():
                    where = ".".join(str(part) for part in ("leads", number, *problem["loc"]))
                    checked.problems.setdefault(where, []).append(problem["msg"])
                given = {name: raw[name] for name in LeadIn.model_fields if name in raw}
                checked.append(LeadIn.model_construct(**given))
        return checked


class ImportOut(Schema):
    dry_run: bool
    received: int
    created: int
    changed: int
    unchanged: int


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


@router.post(
    "/{definition_id}/leads",
    response=with_errors({200: ImportOut}, 403, 404, 409, 413),
    summary="Submit leads (created or updated by CRM reference, all or nothing)",
)
def leads_submit(request, definition_id: int, payload: LeadsIn):
    definition = _definition(request, definition_id)
    if not request.user.has_perm("feedback.facilitate"):
        raise PermissionDenied("Submitting leads needs the Facilitator role.")
    if len(payload.leads) > MAX_LEADS_PER_REQUEST:
        raise PayloadTooLarge(
            f"{len(payload.leads)} leads in one request; send at most {MAX_LEADS_PER_REQUEST}."
        )
    cycle = _submission_cycle(definition, payload.cycle)
    errors: dict[str, list[str]] = dict(getattr(payload.leads, "problems", {}))
    fallback = None
    if payload.fallback_owner:
        fallback = selectors.sales_reps_by_key().get(payload.fallback_owner.casefold())
        if fallback is None:
            errors["fallback_owner"] = [f"No active sales rep is “{payload.fallback_owner}”."]
    table = _items_table(payload.leads)
    try:
        report = services.leads_import(
            table=table,
            mapping={name: name for name in table.header},
            cycle=cycle,
            by=request.user,
            fallback_rep=fallback,
            dry_run=payload.dry_run or bool(errors),
            source_name="the API",
        )
    except services.ImportFailed as failed:
        report = failed.report
    _report_errors_onto(errors, report)
    if errors:
        raise ValidationError(errors)
    return {
        "dry_run": payload.dry_run,
        "received": len(payload.leads),
        "created": report.created,
        "changed": report.changed,
        "unchanged": report.unchanged,
    }


def _submission_cycle(definition, cycle_id: int | None) -> ReviewCycle:
    """The cycle named, else the definition's latest open one."""
    cycles = ReviewCycle.objects.for_definition(definition)
    cycle = (
        cycles.filter(pk=cycle_id).first()
        if cycle_id
        else cycles.open().order_by("-starts_at").first()
    )
    if cycle is None:
        raise Conflict("There is no open review cycle for these leads: open one first.")
    return cycle


def _items_table(items) -> csv_io.Table:
    """The items as the import's table. Every field is a column; a field an item leaves out
    is a cell it does not give (None), so the lead keeps its value, and null is an empty cell,
    as in a file."""
    header = list(LeadIn.model_fields)
    rows = [
        (
            number,
            [
                _cell(getattr(item, name, None)) if name in item.model_fields_set else None
                for name in header
            ],
        )
        for number, item in enumerate(items)
    ]
    return csv_io.Table(header=header, rows=rows, unit="item", sparse=True)


def _report_errors_onto(errors: dict[str, list[str]], report) -> None:
    """The import's problems keyed by where they are in the request (leads.<n>.<field>),
    leaving out the fields the schema already named."""
    from_schema = set(errors)
    for error in report.errors:
        where = "leads"
        if error["line"] is not None:
            where = f"leads.{error['line']}" + (f".{error['field']}" if error["field"] else "")
        elif error["field"]:
            where = error["field"]
        if where in from_schema:
            continue  # the schema's words for this field already say it
        errors.setdefault(where, []).append(error["message"])


class FeedbackIn(Schema):
    agrees_with_stage: bool
    decision: Literal[tuple(LeadFeedback.Decision.values)]  # type: ignore[valid-type]
    reasons: list[api_text(RejectionReason._meta.get_field("label").max_length)] = Field(
        default_factory=list, max_length=100, description="Reason labels from the catalogue."
    )
    wanted_to_know: api_text() = ""
    comment: api_text() = ""


class FeedbackOut(Schema):
    lead: str
    decision: str
    version: int
    reasons: list[str]


def _lead(request, definition_id: int, crm_reference: str) -> Lead:
    """The lead, if the caller may read it: another rep's lead answers exactly like an
    unknown reference, so references cannot be probed."""
    definition = _definition(request, definition_id)
    if "\x00" in crm_reference:
        raise Http404  # no reference holds one (and PostgreSQL cannot compare it)
    return get_object_or_404(
        Lead.objects.visible_to(request.user).select_related("version"),
        definition=definition,
        crm_reference=crm_reference,
    )


@router.post(
    "/{definition_id}/leads/{crm_reference:crm_reference}/feedback",
    response=with_errors({200: FeedbackOut}, 403, 404),
    summary="Record the rep's feedback on a lead",
)
def feedback_submit(request, definition_id: int, crm_reference: str, payload: FeedbackIn):
    lead = _lead(request, definition_id, crm_reference)
    reasons = list(RejectionReason.objects.filter(label__in=payload.reasons))
    unknown = set(payload.reasons) - {reason.label for reason in reasons}
    if unknown:
        raise ValidationError({"reasons": f"Not in the catalogue: {', '.join(sorted(unknown))}."})
    feedback = services.feedback_record(
        lead=lead,
        rep=request.user,
        agrees_with_stage=payload.agrees_with_stage,
        decision=payload.decision,
        reasons=reasons,
        wanted_to_know=payload.wanted_to_know,
        comment=payload.comment,
    )
    return {
        "lead": lead.crm_reference,
        "decision": feedback.decision,
        "version": feedback.version.number,
        "reasons": [reason.label for reason in feedback.reasons.all()],
    }


class OutcomeIn(Schema):
    result: Literal[tuple(Outcome.Result.values)]  # type: ignore[valid-type]
    occurred_on: ApiDate
    amount: float | None = Field(
        None, ge=0, le=999_999_999_999, description="In the deal currency."
    )


class OutcomeOut(Schema):
    lead: str
    result: str
    occurred_on: date


@router.post(
    "/{definition_id}/leads/{crm_reference:crm_reference}/outcome",
    response=with_errors({201: OutcomeOut}, 403, 404),
    summary="Record what later became of a lead",
)
def outcome_submit(request, definition_id: int, crm_reference: str, payload: OutcomeIn):
    lead = _lead(request, definition_id, crm_reference)
    outcome = services.outcome_record(
        lead=lead,
        result=payload.result,
        occurred_on=payload.occurred_on,
        amount=None if payload.amount is None else Decimal(f"{payload.amount:.2f}"),
        by=request.user,
    )
    return Status(
        201,
        {"lead": lead.crm_reference, "result": outcome.result, "occurred_on": outcome.occurred_on},
    )
