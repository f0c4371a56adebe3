"""Fixtures for the definitions rules: a definition whose people are all counted on purpose."""

import pytest

from definitions import selectors, services
from definitions.models import Proposal
from tests.accounts.factories import UserFactory
from tests.definitions.factories import DefinitionFactory


@pytest.fixture
def definition(db):
    """A definition whose facilitator and sponsor are in "other", so they never change a
    department's count of eligible voters: each test counts exactly the people it makes."""
    return DefinitionFactory(
        facilitator=UserFactory(department="other", roles=["Facilitator"]),
        executive_sponsor=UserFactory(department="other", roles=["Executive"]),
    )


@pytest.fixture
def people(db):
    """`people("sales", 3)` makes three active people of that department."""

    def make(department: str, count: int, **kwargs):
        return UserFactory.create_batch(count, department=department, **kwargs)

    return make


def stage_payload(name: str = "Marketing Qualified Lead", level: str = "lead", **extra) -> dict:
    return {"name": name, "level": level, "meaning": "", "owner": "Marketing", **extra}


def criterion_payload(statement: str = "Asked for more information", **extra) -> dict:
    return {"statement": statement, "evidence": "stated", **extra}


@pytest.fixture
def propose(definition):
    """`propose()` opens a vote on adding a stage; keywords go to `proposal_create`."""

    def make(**kwargs) -> Proposal:
        kwargs.setdefault("definition", definition)
        kwargs.setdefault("by", kwargs["definition"].facilitator)
        kwargs.setdefault("kind", Proposal.Kind.ADD_STAGE)
        kwargs.setdefault("payload", stage_payload())
        return services.proposal_create(**kwargs)

    return make


@pytest.fixture
def pass_proposal(people):
    """`pass_proposal(p)` has every eligible marketer and seller agree, then closes the vote.

    It makes one marketer and one seller first, so both departments have a voice."""
    people("marketing", 1)
    people("sales", 1)

    def close(proposal: Proposal) -> Proposal:
        for voter in selectors.voters_eligible().filter(department__in=["marketing", "sales"]):
            services.vote_cast(proposal=proposal, voter=voter, position="agree")
        closed = services.proposal_close(proposal=proposal, by=proposal.definition.facilitator)
        assert closed.status == Proposal.Status.PASSED, closed.outcome
        return closed

    return close
