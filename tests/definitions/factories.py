"""Factories for definitions: a definition, and a published version built through the services."""

import copy

import factory

from definitions import services
from definitions.ladder import STARTING_LADDER
from definitions.models import Definition, Submission, Version
from tests.accounts.factories import UserFactory


class DefinitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Definition

    name = factory.Sequence(lambda n: f"Lead definition {n}")
    facilitator = factory.SubFactory(UserFactory, department="other", roles=["Facilitator"])
    executive_sponsor = factory.SubFactory(UserFactory, department="sales", roles=["Executive"])


def version_published(
    definition: Definition | None = None,
    content: dict | None = None,
    change_summary: str = "Published for a test",
) -> Version:
    """Publish `content` (default: the starting ladder) as the definition's next version.

    It takes the approval path's last two steps (an approved submission, then publication)
    without the votes, which tests of the voting rules cover on their own.
    """
    definition = definition or DefinitionFactory()
    content = copy.deepcopy(content or {"stages": STARTING_LADDER})
    executive = definition.executive_sponsor
    submission = Submission.objects.create(
        definition=definition,
        content=content,
        change_summary=change_summary,
        submitted_by=definition.facilitator,
        status=Submission.Status.APPROVED,
        reviewed_by=executive,
        reviewed_at=definition.created_at,
    )
    return services.version_publish(submission=submission, by=executive)
