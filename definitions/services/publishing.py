"""The draft's way to a version: submitting, sending back, approving, publishing."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.decorators import permission_require
from accounts.mailing import mailing_send
from accounts.models import User
from config.db import insert_or_retry
from definitions import selectors, tasks
from definitions.content import (
    STAGE_FIELDS,
    criterion_fields,
)
from definitions.models import (
    Definition,
    Proposal,
    Submission,
    Version,
    VersionCriterion,
    VersionStage,
)
from definitions.services.proposals import proposals_close_due

Kind = Proposal.Kind


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

    def already_awaiting():
        raise ValidationError("A draft of this definition is already awaiting approval.") from None

    insert_or_retry(submission.save, already_awaiting)
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
