"""Closing the loop (edit and republish): which rejection reasons the version in force writes
down as a criterion, and which have a proposal open, so that no page asks to write down what is
written or offers a second proposal beside an open one.

A proposal made from a finding about a reason keeps the reason in its origin link
(`…#reason-<id>`): that is how a criterion added by it is traced back to the reason.
"""

import re
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from definitions.models import Definition, Proposal, Version
from definitions.selectors import version_criteria, version_in_force

ORIGIN_REASON = re.compile(r"#reason-(\d+)$")
CRITERION_KINDS = (Proposal.Kind.ADD_CRITERION, Proposal.Kind.CHANGE_CRITERION)


@dataclass(frozen=True)
class Written:
    """The criterion of the version in force that writes a reason down."""

    key: str
    statement: str
    version: Version

    @property
    def url(self) -> str:
        return f"{self.version.get_absolute_url()}#criterion-{self.key}"


@dataclass(frozen=True)
class ReasonState:
    written: Written | None = None
    proposal: Proposal | None = None  # an open proposal about the reason


def origin_reason_id(origin_url: str) -> int | None:
    match = ORIGIN_REASON.search(origin_url or "")
    return int(match.group(1)) if match else None


def reason_states(definition: Definition, reasons, in_force=None) -> dict[int, ReasonState]:
    """For each reason (`id`, `criterion_key`; dicts or RejectionReason rows), by reason id:
    the criterion in force that writes it down, and the open proposal about it (three queries;
    one when `in_force` gives the version in force and its content, as a page read them).
    """
    rows = [_fields(r) for r in reasons]
    if in_force is not None:
        version, content = in_force
        criteria = (c for stage in content["stages"] for c in stage["criteria"])
        statements = {c["key"]: c["statement"] for c in criteria}
    else:
        version = version_in_force(definition, timezone.now())
        statements = {c.key: c.statement for c in version_criteria(version)} if version else {}
    proposals = list(
        Proposal.objects.for_definition(definition)
        .filter(kind__in=CRITERION_KINDS)
        .filter(
            Q(pk__in=Proposal.objects.open())
            | Q(origin=Proposal.Origin.FEEDBACK, published_in__isnull=False)
        )
        .order_by("opened_at", "pk")
    )
    now = timezone.now()
    open_by_reason, open_by_key, written_by_reason = {}, {}, {}
    for proposal in proposals:
        reason_id = origin_reason_id(proposal.origin_url)
        if proposal.is_open_at(now):
            open_by_key.setdefault(proposal.target_key, proposal)
            if reason_id is not None:
                open_by_reason.setdefault(reason_id, proposal)
        elif reason_id is not None and proposal.target_key in statements:
            written_by_reason[reason_id] = proposal.target_key
    states = {}
    for reason_id, criterion_key in rows:
        key = criterion_key if criterion_key in statements else written_by_reason.get(reason_id)
        written = Written(key, statements[key], version) if key else None
        proposal = open_by_reason.get(reason_id) or (open_by_key.get(key) if key else None)
        states[reason_id] = ReasonState(written=written, proposal=proposal)
    return states


def open_proposals_by_criterion(definition: Definition) -> dict[str, Proposal]:
    """The first open proposal acting on each criterion key."""
    found = {}
    for proposal in Proposal.objects.for_definition(definition).open().order_by("opened_at", "pk"):
        if proposal.kind in CRITERION_KINDS or proposal.kind == Proposal.Kind.REMOVE_CRITERION:
            found.setdefault(proposal.target_key, proposal)
    return found


def _fields(reason) -> tuple[int, str]:
    if isinstance(reason, dict):
        return reason["id"], reason.get("criterion_key") or ""
    return reason.pk, reason.criterion_key


def catalogue_states(reasons) -> dict[int, list[tuple[Definition, ReasonState]]]:
    """For the reason catalogue: per reason, each definition with a version in force that
    writes it down or a proposal open about it."""
    reasons = list(reasons)
    found: dict[int, list] = {r.pk: [] for r in reasons}
    for definition in Definition.objects.filter(versions__isnull=False).distinct().order_by("pk"):
        for reason_id, state in reason_states(definition, reasons).items():
            if state.written or state.proposal:
                found[reason_id].append((definition, state))
    return found
