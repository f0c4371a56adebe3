"""The facilitator's pending work, built through the services: `facilitator_work(n)` gives
each of n definitions a draft sent back with a comment, an open proposal every voter agrees
with (it passes and waits to be closed), an open proposal nobody voted on, a meeting in two
days that one invitee has not answered, and a review cycle ending in two days whose rep has
reviewed one lead of two."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from definitions import selectors as definition_selectors
from definitions import services as definition_services
from definitions.models import Proposal, Submission
from feedback import services as feedback_services
from tests.accounts.factories import UserFactory
from tests.definitions.factories import DefinitionFactory, version_published
from tests.feedback.factories import cycle_make, lead_make
from tests.meetings.factories import meeting_scheduled


@dataclass
class Work:
    facilitator: object
    sent_back: list = field(default_factory=list)
    passing: list = field(default_factory=list)
    unvoted: list = field(default_factory=list)
    meetings: list = field(default_factory=list)
    cycles: list = field(default_factory=list)
    reps: list = field(default_factory=list)


def facilitator_work(n: int = 1, facilitator=None) -> Work:
    facilitator = facilitator or UserFactory(
        department="other", roles=["Facilitator"], full_name="Fran Facilitator"
    )
    executive = UserFactory(department="other", roles=["Executive"], full_name="Cora Officer")
    work = Work(facilitator=facilitator)
    for i in range(n):
        definition = DefinitionFactory(facilitator=facilitator, executive_sponsor=executive)
        version = version_published(definition)
        work.sent_back.append(
            Submission.objects.create(
                definition=definition,
                content={"stages": []},
                change_summary="Adds a budget criterion",
                submitted_by=facilitator,
                status=Submission.Status.SENT_BACK,
                reviewed_by=executive,
                reviewed_at=timezone.now(),
                review_comment=f"Say what counts as a budget ({i})",
            )
        )
        assert version.pk
        for bucket, statement in (
            (work.passing, "Works in a served industry"),
            (work.unvoted, "Has a budget owner"),
        ):
            bucket.append(
                definition_services.proposal_create(
                    definition=definition,
                    by=facilitator,
                    kind=Proposal.Kind.ADD_CRITERION,
                    stage_key="mql",
                    payload={"statement": f"{statement} {i}", "evidence": "verified"},
                    closes_at=timezone.now() + timedelta(days=5),
                )
            )
        invitee = UserFactory(department="marketing", full_name=f"Quiet Marketer {i}")
        work.meetings.append(
            meeting_scheduled(
                facilitator=facilitator,
                definition=definition,
                invitees=[invitee],
                title=f"Kickoff {i}",
            )
        )
        cycle = cycle_make(definition, days=2)
        rep = UserFactory(department="sales", full_name=f"Rita Behind {i}")
        done = lead_make(cycle, rep=rep)
        lead_make(cycle, rep=rep)
        feedback_services.feedback_record(
            lead=done, rep=rep, agrees_with_stage=True, decision="accepted"
        )
        work.cycles.append(cycle)
        work.reps.append(rep)
    # Everyone who votes agrees with the passing proposals, once all the people exist.
    for voter in definition_selectors.voters_eligible():
        for proposal in work.passing:
            definition_services.vote_cast(proposal=proposal, voter=voter, position="agree")
    return work
