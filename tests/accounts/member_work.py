"""A member's and an executive's pending work, built through the services: `member_work(n,
marketer, executive)` gives each of n definitions an open proposal waiting for the
marketer's vote, a draft waiting for the executive, and a meeting the marketer is invited
to and has not answered, with a summary for her to confirm and an overdue action item."""

from datetime import timedelta

from django.utils import timezone

from definitions import services as definition_services
from definitions.models import Proposal, Submission
from meetings import services as meeting_services
from tests.definitions.factories import DefinitionFactory, version_published
from tests.meetings.factories import meeting_scheduled


def member_work(n: int, marketer, executive) -> None:
    """n definitions, each with an open proposal waiting for the marketer's vote and a draft
    waiting for the executive, and a meeting the marketer has not answered, with a summary
    to confirm and an overdue action item of hers."""
    for i in range(n):
        definition = DefinitionFactory(executive_sponsor=executive)
        version_published(definition)
        definition_services.proposal_create(
            definition=definition,
            by=definition.facilitator,
            kind=Proposal.Kind.ADD_CRITERION,
            stage_key="mql",
            payload={"statement": f"Has a budget owner {i}", "evidence": "verified"},
            closes_at=timezone.now() + timedelta(days=5),
        )
        Submission.objects.create(
            definition=definition,
            content={"stages": []},
            change_summary=f"Adds a budget criterion {i}",
            submitted_by=definition.facilitator,
        )
        meeting = meeting_scheduled(
            facilitator=definition.facilitator, definition=definition, invitees=[marketer]
        )
        meeting_services.summary_publish(
            meeting=meeting, by=definition.facilitator, text=f"We agreed {i}"
        )
        meeting_services.action_item_add(
            meeting=meeting,
            by=definition.facilitator,
            text=f"Write the ICP {i}",
            owner=marketer,
            due=timezone.localdate() - timedelta(days=1),
        )
