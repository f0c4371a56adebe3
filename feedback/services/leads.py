"""Leads entered by hand, and a person's mark on a criterion without a rule."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.decorators import permission_require
from accounts.models import Department, User
from config.db import insert_or_retry
from definitions.models import VersionCriterion
from definitions.rules import EVIDENCE_LEVELS
from feedback import csv_io
from feedback.models import (
    CheckResult,
    CriterionResult,
    Lead,
    ReviewCycle,
)
from feedback.permissions import criterion_markable_by
from feedback.services.cycles import VersionClock
from feedback.services.figures import leads_check

LEAD_FORM_FIELDS = [
    "crm_reference",
    "company",
    "contact_name",
    "email",
    "phone",
    "title",
    "seniority",
    "industry",
    "company_size",
    "region",
    "source",
    "permission_to_follow_up",
    "asked_for_information",
    "need_evidence",
    "need_note",
    "budget_evidence",
    "budget_note",
    "authority_evidence",
    "authority_note",
    "stage_handed_over",
    "handed_over_at",
]


def rep_check(rep: User) -> None:
    if rep.department != Department.SALES or not rep.is_active:
        raise ValidationError({"rep": f"{rep} is not an active sales rep."})


@transaction.atomic
def lead_create(*, cycle: ReviewCycle, rep: User, by: User, **fields) -> Lead:
    """Enter one lead by hand; it is checked at once."""
    permission_require(by, "feedback.facilitate", action="enter leads")
    rep_check(rep)
    unknown = set(fields) - set(LEAD_FORM_FIELDS)
    if unknown:
        raise TypeError(f"Unknown lead fields: {', '.join(sorted(unknown))}")
    fields.setdefault("handed_over_at", timezone.now())
    if not fields.get("seniority") and fields.get("title"):
        fields["seniority"] = csv_io.seniority_from_title(fields["title"])
    lead = Lead(definition=cycle.definition, cycle=cycle, rep=rep, **fields)
    lead.version = VersionClock(cycle.definition, cycle.version).at(lead.handed_over_at)
    taken = {"crm_reference": f"A lead with CRM reference “{lead.crm_reference}” already exists."}
    if Lead.objects.filter(definition=cycle.definition, crm_reference=lead.crm_reference).exists():
        raise ValidationError(taken)
    lead.full_clean()
    lead._change_reason = "Entered by hand"

    def already_taken():
        raise ValidationError(taken) from None

    insert_or_retry(lead.save, already_taken)
    leads_check([lead], fresh=True)
    return lead


@transaction.atomic
def lead_update(*, lead: Lead, by: User, **fields) -> Lead:
    permission_require(by, "feedback.facilitate", action="change leads")
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    for name, value in fields.items():
        if name not in LEAD_FORM_FIELDS and name != "rep":
            raise TypeError(f"Unknown lead field: {name}")
        setattr(lead, name, value)
    if "rep" in fields:
        rep_check(lead.rep)
    lead.version = VersionClock(lead.definition, lead.cycle.version).at(lead.handed_over_at)
    lead.full_clean()
    lead._change_reason = "Changed by hand"
    lead.save()
    leads_check([lead])
    return lead


@transaction.atomic
def criterion_mark(
    *, lead: Lead, criterion: VersionCriterion, result: str, evidence: str, by: User
) -> CriterionResult:
    """A person checks a criterion that has no rule. Met needs the criterion's evidence."""
    if not criterion_markable_by(by, lead):
        raise PermissionDenied("Only the lead's rep or a facilitator can check its criteria.")
    if criterion.rule:
        raise ValidationError("This criterion has a rule; the check decides it.")
    if criterion.stage.version_id != lead.version_id:
        raise ValidationError("This criterion is not in the version the lead is checked against.")
    if result not in CheckResult.values:
        raise ValidationError({"result": "Choose met, missed or unknown."})
    if evidence not in EVIDENCE_LEVELS:
        raise ValidationError({"evidence": "Choose the evidence seen."})
    if result == CheckResult.MET and EVIDENCE_LEVELS.index(evidence) < EVIDENCE_LEVELS.index(
        criterion.evidence
    ):
        raise ValidationError(
            {
                "evidence": f"This criterion needs evidence that is at least "
                f"{criterion.get_evidence_display().lower()}; with less it is not met."
            }
        )
    row, _ = CriterionResult.objects.update_or_create(
        lead=lead,
        criterion=criterion,
        defaults={
            "result": result,
            "evidence_seen": evidence if result != CheckResult.UNKNOWN else "",
            "marked_by": by,
            "marked_at": timezone.now(),
        },
    )
    leads_check([lead])
    return row
