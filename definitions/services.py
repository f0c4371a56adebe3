"""Every write that matters in definitions: proposals, votes, consensus, approval, publication.

Services are keyword-only and atomic; they check the rules (raising ValidationError for a
state that forbids the action, PermissionDenied for a person who may not take it) and write
nothing when a rule says no.
"""

import uuid
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.decorators import permission_require
from accounts.mailing import mailing_send
from accounts.models import User
from config.background import enqueue_at
from definitions import permissions, selectors, tasks
from definitions.content import (
    CRITERION_FIELDS,
    STAGE_FIELDS,
    criterion_fields,
    find_criterion,
    find_stage,
)
from definitions.ladder import STARTING_LADDER
from definitions.models import (
    Definition,
    EvidenceStandard,
    Proposal,
    StageLevel,
    Submission,
    Version,
    VersionCriterion,
    VersionStage,
    Vote,
)
from definitions.rules import RuleError, rule_validate

Kind = Proposal.Kind


def _new_key(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


# --- definitions ------------------------------------------------------------------------


@transaction.atomic
def definition_create(
    *,
    by: User,
    name: str,
    facilitator: User,
    executive_sponsor: User,
    scope: str = Definition.Scope.COMPANY,
    product_line: str = "",
    description: str = "",
    ideal_customer_profile: str = "",
    quorum_percent: int = 60,
    threshold_percent: int = 75,
    start: str = "ladder",
    copy_from: Definition | None = None,
) -> Definition:
    """Start a definition. Its starting content arrives as proposals, so that version 1 is
    agreed like every later one: the seeds' ladder, a copy of another definition, or empty."""
    permission_require(by, "definitions.facilitate", action="start a definition")
    if not executive_sponsor.has_perm("definitions.approve_version"):
        raise ValidationError({"executive_sponsor": "The sponsor must be an executive."})
    definition = Definition(
        name=name,
        scope=scope,
        product_line=product_line,
        description=description,
        ideal_customer_profile=ideal_customer_profile,
        facilitator=facilitator,
        executive_sponsor=executive_sponsor,
        quorum_percent=quorum_percent,
        threshold_percent=threshold_percent,
    )
    definition.full_clean()
    definition._change_reason = "Definition started"
    definition.save()

    if start == "ladder":
        stages = STARTING_LADDER
        origin, label = Proposal.Origin.STARTING_LADDER, "The seeds' starting ladder"
    elif start == "copy":
        if copy_from is None:
            raise ValidationError({"copy_from": "Choose the definition to copy."})
        stages = selectors.draft_build(copy_from)[0]["stages"]
        origin, label = Proposal.Origin.TYPED, f"Copied from “{copy_from.name}”"
    else:
        stages = []
        origin, label = Proposal.Origin.TYPED, ""
    _propose_content(definition, stages, by=by, origin=origin, origin_label=label)
    return definition


def _propose_content(definition, stages, *, by, origin, origin_label) -> None:
    """One proposal per stage and per criterion: people may vote on several at once."""
    for stage in stages:
        stage_key = stage.get("key") or _new_key("stage")
        proposal_create(
            definition=definition,
            by=by,
            kind=Kind.ADD_STAGE,
            target_key=stage_key,
            payload={f: stage.get(f, "") for f in STAGE_FIELDS},
            rationale="Part of the starting definition.",
            origin=origin,
            origin_label=origin_label,
            check_draft=False,
        )
        for criterion in stage["criteria"]:
            proposal_create(
                definition=definition,
                by=by,
                kind=Kind.ADD_CRITERION,
                target_key=criterion.get("key") or _new_key("criterion"),
                stage_key=stage_key,
                payload={f: criterion.get(f) for f in CRITERION_FIELDS},
                rationale="Part of the starting definition.",
                origin=origin,
                origin_label=origin_label,
                check_draft=False,
            )


@transaction.atomic
def definition_rule_change(
    *, definition: Definition, by: User, quorum_percent: int, threshold_percent: int
) -> Definition:
    """Change the consensus rule for votes that open from now on; open votes keep theirs."""
    permission_require(by, "definitions.facilitate", action="change the consensus rule")
    definition = Definition.objects.select_for_update().get(pk=definition.pk)
    definition.quorum_percent = quorum_percent
    definition.threshold_percent = threshold_percent
    definition.full_clean()
    definition._change_reason = "Consensus rule changed"
    definition.save()
    return definition


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
    vote.full_clean(validate_unique=False)
    vote._change_reason = reason
    try:
        with transaction.atomic():
            vote.save()
    except IntegrityError:
        # A concurrent first vote by the same person won the insert; change that one.
        vote = Vote.objects.get(proposal=proposal, voter=voter)
        vote.position, vote.comment, vote.cast_at = position, comment, timezone.now()
        vote._change_reason = "Vote changed"
        vote.save()
    return vote


# --- approval and publication -----------------------------------------------------------


@transaction.atomic
def draft_submit(*, definition: Definition, by: User, change_summary: str) -> Submission:
    """The facilitator submits the draft, frozen as it is now, for an executive's approval."""
    permission_require(by, "definitions.facilitate", action="submit a draft for approval")
    definition = Definition.objects.select_for_update().get(pk=definition.pk)
    proposals_close_due(definition=definition)
    if not change_summary.strip():
        raise ValidationError({"change_summary": "Summarise what changes in this version."})
    if selectors.submission_in_review(definition):
        raise ValidationError("A draft of this definition is already awaiting approval.")
    content, applied, _ = selectors.draft_build(definition)
    if not applied:
        raise ValidationError("Nothing has passed since the last version: the draft is unchanged.")
    if not content["stages"]:
        raise ValidationError("The draft has no stages: a version needs at least one.")
    # The profile is part of what the executive approves: freeze it with the draft.
    content["ideal_customer_profile"] = definition.ideal_customer_profile
    submission = Submission(
        definition=definition,
        content=content,
        change_summary=change_summary.strip(),
        submitted_by=by,
    )
    submission.full_clean()
    submission._change_reason = "Submitted for approval"
    try:
        with transaction.atomic():
            submission.save()
    except IntegrityError:
        raise ValidationError("A draft of this definition is already awaiting approval.") from None
    submission.proposals.set(applied)
    return submission


def _lock_submission(submission: Submission) -> Submission:
    return Submission.objects.select_for_update().get(pk=submission.pk)


@transaction.atomic
def submission_send_back(*, submission: Submission, by: User, comment: str) -> Submission:
    permission_require(by, "definitions.approve_version", action="send a draft back")
    submission = _lock_submission(submission)
    if submission.status != Submission.Status.SUBMITTED:
        raise ValidationError("Only a draft awaiting approval can be sent back.")
    if not comment.strip():
        raise ValidationError({"comment": "Say what must change: a comment is required."})
    submission.status = Submission.Status.SENT_BACK
    submission.reviewed_by, submission.reviewed_at = by, timezone.now()
    submission.review_comment = comment.strip()
    submission._change_reason = "Sent back"
    submission.save()
    return submission


@transaction.atomic
def submission_approve(*, submission: Submission, by: User, comment: str = "") -> Submission:
    permission_require(by, "definitions.approve_version", action="approve a draft")
    submission = _lock_submission(submission)
    if submission.status != Submission.Status.SUBMITTED:
        raise ValidationError("Only a draft awaiting approval can be approved.")
    submission.status = Submission.Status.APPROVED
    submission.reviewed_by, submission.reviewed_at = by, timezone.now()
    submission.review_comment = comment.strip()
    submission._change_reason = "Approved"
    submission.save()
    return submission


@transaction.atomic
def version_publish(*, submission: Submission, by: User) -> Version:
    """Publish an approved draft as the next version number: 1, 2, 3, no gap, no duplicate."""
    permission_require(by, "definitions.publish_version", action="publish a version")
    # Lock the definition first: two publishers of one definition queue here.
    definition = Definition.objects.select_for_update().get(pk=submission.definition_id)
    submission = _lock_submission(submission)
    if submission.status != Submission.Status.APPROVED:
        raise ValidationError("Only a draft that an executive approved can be published.")
    last = Version.objects.for_definition(definition).latest_first().values("number").first()
    now = timezone.now()
    version = Version(
        definition=definition,
        number=(last["number"] if last else 0) + 1,
        change_summary=submission.change_summary,
        ideal_customer_profile=submission.content.get(
            "ideal_customer_profile", definition.ideal_customer_profile
        ),
        submitted_by=submission.submitted_by,
        approved_by=submission.reviewed_by,
        approved_at=submission.reviewed_at,
        published_by=by,
        published_at=now,
        submission=submission,
    )
    version.full_clean()
    version.save()
    for position, stage in enumerate(submission.content["stages"], start=1):
        stage_row = VersionStage(
            version=version,
            key=stage["key"],
            position=position,
            **{f: stage.get(f) or "" for f in STAGE_FIELDS},
        )
        stage_row.save()
        VersionCriterion.objects.bulk_create(
            VersionCriterion(stage=stage_row, key=c["key"], position=i, **criterion_fields(c))
            for i, c in enumerate(stage["criteria"], start=1)
        )
    for proposal in submission.proposals.select_for_update():
        proposal.published_in = version
        proposal._change_reason = f"Published in version {version.number}"
        proposal.save(update_fields=["published_in"])
    submission.status = Submission.Status.PUBLISHED
    submission._change_reason = f"Published as version {version.number}"
    submission.save()
    # Announce from a background task queued once the publication has committed: a
    # rolled-back one sends nothing, and a failing mail server cannot fail the publication.
    mailing_send(
        task=tasks.version_announce,
        args=[version.pk],
        subject=f"Announcement of {definition.name}, version {version.number}",
        link=version.get_absolute_url(),
        notify=definition.facilitator,
    )
    return version
