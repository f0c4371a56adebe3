"""Who may act on a definition's objects: one function per rule, asked by services, views
and templates alike."""

from django.core.exceptions import PermissionDenied

from accounts.models import Department

FACILITATE = "definitions.facilitate"

VOTING_DEPARTMENTS = (Department.MARKETING, Department.SALES)

VOTER_REFUSAL = (
    "Only people in marketing or sales vote on the definition, executives included: a vote "
    "counts in its voter's department. Ask an admin to set yours if you belong to one."
)

PROPOSER_REFUSAL = (
    "To propose a change, you need to be in marketing or sales, an executive, "
    "or have the Facilitator role."
)


def may_vote(user) -> bool:
    """Marketing and sales vote, executives included: a vote counts in its voter's department."""
    return user.is_active and user.department in VOTING_DEPARTMENTS


def may_propose(user) -> bool:
    """Facilitators, executives and everyone who votes may propose a change."""
    return (
        user.has_perm(FACILITATE) or user.has_perm("definitions.approve_version") or may_vote(user)
    )


def vote_require(user) -> None:
    if not may_vote(user):
        raise PermissionDenied(VOTER_REFUSAL)


def propose_require(user) -> None:
    if not may_propose(user):
        raise PermissionDenied(PROPOSER_REFUSAL)


def may_manage_proposal(user, proposal) -> bool:
    """The person who proposed it, or a facilitator, may edit, supersede or withdraw it."""
    return user.pk == proposal.proposed_by_id or user.has_perm(FACILITATE)


def manage_proposal_require(user, proposal, action: str) -> None:
    if not may_manage_proposal(user, proposal):
        raise PermissionDenied(f"Only the person who proposed it or a facilitator can {action}.")
