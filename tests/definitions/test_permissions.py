"""Who may act on a definition's objects: the rules services, views and templates share."""

import pytest
from django.core.exceptions import PermissionDenied

from definitions import permissions
from definitions.models import Proposal
from tests.accounts.factories import UserFactory
from tests.definitions.factories import DefinitionFactory

pytestmark = pytest.mark.django_db


def test_marketing_sales_executives_and_facilitators_may_propose_other_people_not(
    marketer, sales_rep, executive, facilitator
):
    outsider = UserFactory(department="other")
    assert [permissions.may_propose(p) for p in (marketer, sales_rep, executive, facilitator)] == [
        True,
        True,
        True,
        True,
    ]
    assert not permissions.may_propose(outsider)
    with pytest.raises(PermissionDenied, match="To propose a change"):
        permissions.propose_require(outsider)


def test_only_active_people_in_marketing_and_sales_vote(marketer, facilitator):
    assert permissions.may_vote(marketer)
    assert not permissions.may_vote(facilitator)  # department "other"
    marketer.is_active = False
    assert not permissions.may_vote(marketer)


def test_the_proposer_or_a_facilitator_manages_a_proposal_nobody_else(
    marketer, sales_rep, facilitator
):
    proposal = Proposal(definition=DefinitionFactory(), proposed_by=marketer)
    assert permissions.may_manage_proposal(marketer, proposal)
    assert permissions.may_manage_proposal(facilitator, proposal)
    assert not permissions.may_manage_proposal(sales_rep, proposal)
    with pytest.raises(PermissionDenied, match="can withdraw it"):
        permissions.manage_proposal_require(sales_rep, proposal, "withdraw it")
