"""Proposals and votes: proposing, editing, withdrawing, closing, voting."""

import uuid
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.decorators import permission_require
from accounts.models import User
from config.background import enqueue_at
from config.db import insert_or_retry
from definitions import permissions, selectors, tasks
from definitions.content import (
    STAGE_FIELDS,
    find_criterion,
    find_stage,
)
from definitions.models import (
    Definition,
    EvidenceStandard,
    Proposal,
    StageLevel,
    Vote,
)
from definitions.rules import RuleError, rule_validate

Kind = Proposal.Kind


def _new_key(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


# --- proposals --------------------------------------------------------------------------


def _clean_payload(kind: str, payload: dict) -> dict:
    """Validate the text and rule a proposal would produce; errors name the field."""
    if kind in (Kind.REMOVE_STAGE, Kind.REMOVE_CRITERION):
        return {}
    errors = {}
    if kind in (Kind.ADD_STAGE, Kind.CHANGE_STAGE):
        clean = {f: str(payload.get(f) or "").strip() for f in STAGE_FIELDS}
        if payload.get("after_key"):
            clean["after_key"] = payload["after_key"]
        if not clean["name"]:
            errors["name"] = "Give the stage a name."
        if clean["level"] not in StageLevel.values:
            errors["level"] = "Choose what the stage means in the funnel."
    else:
        clean = {
            "statement": str(payload.get("statement") or "").strip(),
            "guidance": str(payload.get("guidance") or "").strip(),
            "evidence": payload.get("evidence") or "",
            # Blank means the default; a 0 is bad input, not a default.
            "weight": 1 if payload.get("weight") in (None, "") else payload["weight"],
        }
        if not clean["statement"]:
            errors["statement"] = "Say what must be true of the lead."
        if clean["evidence"] not in EvidenceStandard.values:
            errors["evidence"] = "Choose the evidence standard."
        try:
            clean["weight"] = int(clean["weight"])
            if not 1 <= clean["weight"] <= 10:
                raise ValueError
        except (TypeError, ValueError):
            errors["weight"] = "The weight is a whole number from 1 to 10."
        try:
            clean["rule"] = rule_validate(payload.get("rule"))
        except RuleError as error:
            errors["rule"] = str(error)
    if errors:
        raise ValidationError(errors)
    return clean


def _proposal_title(kind: str, payload: dict, content: dict, target_key: str) -> str:
    if kind in (Kind.ADD_STAGE, Kind.CHANGE_STAGE):
        verb = "Add stage" if kind == Kind.ADD_STAGE else "Change stage"
        return f"{verb}: {payload['name']}"
    if kind in (Kind.ADD_CRITERION, Kind.CHANGE_CRITERION):
        verb = "Add criterion" if kind == Kind.ADD_CRITERION else "Change criterion"
        return f"{verb}: {payload['statement']}"
    if kind == Kind.REMOVE_STAGE:
        stage = find_stage(content, target_key)
        return f"Remove stage: {stage['name'] if stage else target_key}"
    criterion = find_criterion(content, target_key)[1]
    return f"Remove criterion: {criterion['statement'] if criterion else target_key}"


@transaction.atomic
def proposal_create(
    *,
    definition: Definition,
    by: User,
    kind: str,
    payload: dict | None = None,
    target_key: str = "",
    stage_key: str = "",
    rationale: str = "",
    origin: str = Proposal.Origin.TYPED,
    origin_label: str = "",
    origin_url: str = "",
    closes_at: datetime | None = None,
    supersedes: Proposal | None = None,
    check_draft: bool = True,
) -> Proposal:
    """Propose a change; its vote opens at once under the definition's rule in force now."""
    permissions.propose_require(by)
    if kind not in Kind.values:
        raise ValidationError({"kind": "Choose what the proposal does."})
    payload = _clean_payload(kind, payload or {})
    now = timezone.now()
    if closes_at is not None and closes_at <= now:
        raise ValidationError({"closes_at": "The vote must close in the future."})

    content = selectors.draft_build(definition)[0] if check_draft else {"stages": []}
    if kind in (Kind.ADD_STAGE, Kind.ADD_CRITERION):
        target_key = target_key or _new_key("stage" if kind == Kind.ADD_STAGE else "criterion")
    elif check_draft:
        exists = (
            find_stage(content, target_key)
            if kind.endswith("_stage")
            else find_criterion(content, target_key)[1]
        )
        if not exists:
            raise ValidationError({"target_key": "That is not in the current draft."})
        if kind.endswith("_criterion") and not stage_key:
            stage_key = find_criterion(content, target_key)[0]["key"]
    if kind == Kind.ADD_CRITERION and check_draft and not find_stage(content, stage_key):
        raise ValidationError({"stage_key": "Choose a stage of the current draft."})

    # The rule in force is the one stored now, not the caller's copy of the definition (it
    # may predate a rule change); the lock queues us behind a rule change in progress.
    rule = (
        Definition.objects.select_for_update()
        .values("quorum_percent", "threshold_percent")
        .get(pk=definition.pk)
    )

    if supersedes is not None:
        supersedes = Proposal.objects.select_for_update().get(pk=supersedes.pk)
        if supersedes.definition_id != definition.pk or supersedes.status != Proposal.Status.OPEN:
            raise ValidationError("Only an open proposal of this definition can be superseded.")
        # Superseding closes the old vote: the same people as withdrawing it.
        permissions.manage_proposal_require(by, supersedes, "supersede it")

    proposal = Proposal(
        definition=definition,
        kind=kind,
        target_key=target_key,
        stage_key=stage_key,
        payload=payload,
        title=_proposal_title(kind, payload, content, target_key)[:200],
        rationale=rationale,
        origin=origin,
        origin_label=origin_label,
        origin_url=origin_url,
        proposed_by=by,
        quorum_percent=rule["quorum_percent"],
        threshold_percent=rule["threshold_percent"],
        opened_at=now,
        closes_at=closes_at,
    )
    proposal.full_clean()
    proposal._change_reason = "Proposed"
    proposal.save()
    if closes_at is not None:
        # Close the vote when its window ends, whether or not anyone opens its page.
        transaction.on_commit(lambda: enqueue_at(tasks.proposals_close_due, closes_at))

    if supersedes is not None:
        supersedes.status = Proposal.Status.SUPERSEDED
        supersedes.closed_at = now
        supersedes.outcome = f"Superseded by “{proposal.title}”."
        supersedes.tally = selectors.proposal_verdict(supersedes).frozen()
        supersedes._change_reason = "Superseded"
        supersedes.save()
        proposal.supersedes = supersedes
        proposal.save(update_fields=["supersedes"])
    return proposal


@transaction.atomic
def proposal_edit(
    *, proposal: Proposal, by: User, payload: dict, rationale: str | None = None
) -> Proposal:
    """Reword a proposal before anyone has voted; after the first vote its wording is frozen."""
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    permissions.manage_proposal_require(by, proposal, "edit it")
    if proposal.status != Proposal.Status.OPEN:
        raise ValidationError("This proposal is closed; it can no longer be edited.")
    if proposal.votes.exists():
        raise ValidationError(
            "Votes have been cast, so its wording is frozen. Propose a new version that "
            "supersedes it instead."
        )
    proposal.payload = _clean_payload(proposal.kind, payload)
    if proposal.kind in (
        Kind.ADD_STAGE,
        Kind.CHANGE_STAGE,
        Kind.ADD_CRITERION,
        Kind.CHANGE_CRITERION,
    ):
        proposal.title = _proposal_title(proposal.kind, proposal.payload, {}, "")[:200]
    if rationale is not None:
        proposal.rationale = rationale
    proposal.full_clean()
    proposal._change_reason = "Edited before any vote"
    proposal.save()
    return proposal


@transaction.atomic
def proposal_withdraw(*, proposal: Proposal, by: User) -> Proposal:
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    permissions.manage_proposal_require(by, proposal, "withdraw it")
    if proposal.status != Proposal.Status.OPEN:
        raise ValidationError("Only an open proposal can be withdrawn.")
    proposal.status = Proposal.Status.WITHDRAWN
    proposal.closed_at = timezone.now()
    proposal.outcome = f"Withdrawn by {by}."
    proposal.tally = selectors.proposal_verdict(proposal).frozen()
    proposal._change_reason = "Withdrawn"
    proposal.save()
    return proposal


@transaction.atomic
def proposal_close(*, proposal: Proposal, by: User | None = None, now=None) -> Proposal:
    """Close the vote and record whether it passed, with the sentence that says why.

    `by` is the facilitator closing early; None when its voting window has ended.
    """
    now = now or timezone.now()
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if by is not None:
        permission_require(by, "definitions.facilitate", action="close a vote")
    elif proposal.closes_at is None or proposal.closes_at > now:
        raise ValidationError("This vote is still open.")
    if proposal.status != Proposal.Status.OPEN:
        raise ValidationError("This vote is already closed.")
    verdict = selectors.proposal_verdict(proposal)
    proposal.status = Proposal.Status.PASSED if verdict.passes else Proposal.Status.FAILED
    proposal.closed_at = now
    proposal.outcome = verdict.sentence
    # A closed vote keeps the tally it closed with: moving people later rewrites nothing.
    proposal.tally = verdict.frozen()
    proposal._change_reason = "Vote closed" + (f" by {by}" if by else " at its deadline")
    proposal.save()
    return proposal


def proposals_close_due(*, definition: Definition | None = None, now=None) -> int:
    """Close every proposal whose voting window has ended (idempotent)."""
    now = now or timezone.now()
    due = Proposal.objects.due(now)
    if definition is not None:
        due = due.filter(definition=definition)
    closed = 0
    for proposal in due:
        try:
            proposal_close(proposal=proposal, now=now)
            closed += 1
        except ValidationError:
            pass  # closed meanwhile by someone else
    return closed


# --- votes ------------------------------------------------------------------------------


class VoteClosedError(ValidationError):
    def __init__(self):
        super().__init__(
            "This vote closed before your vote arrived, so it was not counted. "
            "Its tally shows how it closed."
        )


@transaction.atomic
def vote_cast(*, proposal: Proposal, voter: User, position: str, comment: str = "") -> Vote:
    """Cast or change `voter`'s one current vote; the history keeps every change."""
    permissions.vote_require(voter)
    # The row lock serialises votes on one proposal, so a vote is never lost or doubled.
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if not proposal.is_open_at(timezone.now()):
        raise VoteClosedError()
    comment = comment.strip()
    if position not in Vote.Position.values:
        raise ValidationError({"position": "Choose agree, can live with it, disagree or block."})
    if position in (Vote.Position.DISAGREE, Vote.Position.BLOCK) and not comment:
        raise ValidationError({"comment": "Say why you disagree or block: a comment is required."})

    vote = Vote.objects.filter(proposal=proposal, voter=voter).first()
    if vote is None:
        vote = Vote(proposal=proposal, voter=voter)
        reason = "Vote cast"
    else:
        reason = "Vote changed"
    vote.department = voter.department
    vote.position = position
    vote.comment = comment
    vote.cast_at = timezone.now()
    # The position and the comment were checked above and their fields check the rest; the
    # keys are the proposal locked above and the voter signed in, and the table's constraints
    # (one vote per person, the position's values, a comment with a disagreement) are the
    # database's: checking each again here would cost a query or three apiece.
    vote.full_clean(
        exclude=["proposal", "voter"], validate_unique=False, validate_constraints=False
    )
    vote._change_reason = reason

    def insert() -> Vote:
        vote.save()
        return vote

    def change_the_winner() -> Vote:
        # A concurrent first vote by the same person won the insert; change that one.
        winner = Vote.objects.get(proposal=proposal, voter=voter)
        winner.position, winner.comment, winner.cast_at = position, comment, timezone.now()
        winner._change_reason = "Vote changed"
        winner.save()
        return winner

    return insert_or_retry(insert, change_the_winner, adding=vote._state.adding)
