"""Test helpers for step 6 (close the loop): a reason a published version writes down, and a
proposal open about another."""

import copy

from django.utils import timezone

from definitions import services as definition_services
from definitions.models import Proposal
from feedback.models import RejectionReason
from tests.definitions.factories import version_published
from tests.numbers.test_reference import LADDER_V2

VP_KEY = "crit-vp-or-above"
VP_STATEMENT = "The contact is VP level or above"


def reason(label: str) -> RejectionReason:
    return RejectionReason.objects.get(label=label)


def reason_written_down(definition, label: str = "Title below VP"):
    """Publish a version with the criterion a passed proposal from the reason's finding added."""
    content = {"stages": copy.deepcopy(LADDER_V2)}
    stage = next(s for s in content["stages"] if s["level"] == "lead")
    stage["criteria"].append(
        {
            "key": VP_KEY,
            "statement": VP_STATEMENT,
            "guidance": "",
            "evidence": "verified",
            "rule": {"field": "seniority", "operator": "at_least", "value": "vp"},
        }
    )
    version = version_published(definition, content)
    now = timezone.now()
    Proposal.objects.create(
        definition=definition,
        kind=Proposal.Kind.ADD_CRITERION,
        target_key=VP_KEY,
        stage_key=stage["key"],
        payload=stage["criteria"][-1],
        title=f"Add criterion: {VP_STATEMENT}",
        origin=Proposal.Origin.FEEDBACK,
        origin_label=f"Numbers: “{label}”",
        origin_url=f"/numbers/{definition.pk}/#reason-{reason(label).pk}",
        proposed_by=definition.facilitator,
        status=Proposal.Status.PASSED,
        quorum_percent=50,
        threshold_percent=50,
        closed_at=now,
        tally={},
        published_in=version,
    )
    return version


def proposal_opened(definition, label: str = "Competitor already engaged") -> Proposal:
    """Open a proposal from the reason's finding, through the service."""
    return definition_services.proposal_create(
        definition=definition,
        by=definition.facilitator,
        kind=Proposal.Kind.ADD_CRITERION,
        stage_key="mql",
        payload={"statement": "No competitor is already engaged", "evidence": "stated"},
        origin=Proposal.Origin.FEEDBACK,
        origin_label=f"Numbers: “{label}”",
        origin_url=f"/numbers/{definition.pk}/#reason-{reason(label).pk}",
    )
