"""Meetings for tests, scheduled through the service so they look like real ones."""

from datetime import timedelta

from django.utils import timezone

from meetings import services
from meetings.models import Meeting
from tests.accounts.factories import UserFactory
from tests.definitions.factories import version_published


def meeting_scheduled(
    *,
    facilitator=None,
    definition=None,
    invitees=(),
    sponsor=None,
    kind=Meeting.Kind.KICKOFF,
    title="Kickoff: what is a lead?",
    starts_at=None,
    **kwargs,
) -> Meeting:
    facilitator = facilitator or UserFactory(department="other", roles=["Facilitator"])
    definition = definition or version_published().definition
    return services.meeting_schedule(
        by=facilitator,
        definition=definition,
        kind=kind,
        title=title,
        starts_at=starts_at or timezone.now() + timedelta(days=2),
        sponsor=sponsor,
        invitees=invitees,
        **kwargs,
    )
