"""Every write that matters in definitions: proposals, votes, consensus, approval, publication.

Services are keyword-only and atomic; they check the rules (raising ValidationError for a
state that forbids the action, PermissionDenied for a person who may not take it) and write
nothing when a rule says no.
"""

from definitions.services.proposals import (
    VoteClosedError,
    proposal_close,
    proposal_create,
    proposal_edit,
    proposal_withdraw,
    proposals_close_due,
    vote_cast,
)
from definitions.services.publishing import (
    draft_submit,
    submission_approve,
    submission_send_back,
    version_publish,
)
from definitions.services.starting import definition_create, definition_rule_change

__all__ = [
    "VoteClosedError",
    "definition_create",
    "definition_rule_change",
    "draft_submit",
    "proposal_close",
    "proposal_create",
    "proposal_edit",
    "proposal_withdraw",
    "proposals_close_due",
    "submission_approve",
    "submission_send_back",
    "version_publish",
    "vote_cast",
]
