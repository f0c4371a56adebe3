"""Factories for the feedback app: a cycle on a published version, leads through the services."""

import itertools

from django.utils import timezone

from feedback import services
from feedback.models import Lead, ReviewCycle
from tests.accounts.factories import UserFactory
from tests.definitions.factories import DefinitionFactory, version_published

_references = itertools.count(1)

# A lead that meets every rule of the starting ladder up to the opportunity stage.
QUALIFIED = {
    "email": "ana@acme.example",
    "phone": "+44 20 7946 0000",
    "title": "VP Operations",
    "company_size": 400,
    "asked_for_information": True,
    "permission_to_follow_up": True,
    "need_evidence": "stated",
    "budget_evidence": "verified",
    "authority_evidence": "verified",
}


def cycle_make(definition=None, *, starts_at=None, days=None) -> ReviewCycle:
    """A definition with the starting ladder published, and a cycle open on it."""
    definition = definition or DefinitionFactory()
    if not definition.versions.exists():
        version_published(definition)
    return services.cycle_open(
        definition=definition,
        by=definition.facilitator,
        starts_at=starts_at or timezone.now(),
        days=days,
    )


def rep_make(**fields):
    return UserFactory(department="sales", **fields)


def lead_make(cycle: ReviewCycle, rep=None, **fields) -> Lead:
    fields.setdefault("crm_reference", f"CRM-{next(_references)}")
    fields.setdefault("company", f"Company {fields['crm_reference']}")
    return services.lead_create(
        cycle=cycle, rep=rep or rep_make(), by=cycle.definition.facilitator, **fields
    )
