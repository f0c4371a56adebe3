"""The facilitator's pending work on definitions, for the home page ("What needs me").

Flat reads: a fixed number of queries whatever the number of drafts, proposals or votes.
"""

from datetime import timedelta

from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils import timezone

from definitions.models import Proposal, Submission, Vote
from definitions.permissions import FACILITATE

# An open vote closing within this is "closing soon".
CLOSING_SOON = timedelta(hours=48)
LIMIT = 20


def facilitator_sections(user, now=None) -> list[dict]:
    """Drafts sent back, proposals that pass and wait to be closed, proposals that need votes:
    the data of the home page's sections, which the templates named draw."""
    if not user.has_perm(FACILITATE):
        return []
    now = now or timezone.now()
    from definitions.selectors import electorate, proposal_verdict

    voters = electorate()
    open_proposals = list(
        Proposal.objects.open(now)
        .select_related("definition")
        .prefetch_related(
            Prefetch("votes", queryset=Vote.objects.only("voter_id", "position", "proposal_id"))
        )
        .order_by("closes_at", "opened_at")
    )
    to_close, need_votes = [], []
    for proposal in open_proposals:
        votes = list(proposal.votes.all())
        verdict = proposal_verdict(proposal, votes=votes, voters=voters)
        if verdict.passes:
            to_close.append(proposal)
        elif not votes or (proposal.closes_at and proposal.closes_at - now <= CLOSING_SOON):
            need_votes.append(
                {
                    "proposal": proposal,
                    "has_votes": bool(votes),
                    "voted": sum(t.voted for t in verdict.tallies),
                    "eligible": sum(t.eligible for t in verdict.tallies),
                }
            )
    return [
        _sent_back_section(user),
        {"template": "definitions/_home_to_close.html", "proposals": to_close[:LIMIT]},
        {"template": "definitions/_home_need_votes.html", "rows": need_votes[:LIMIT]},
    ]


def _sent_back_section(user) -> dict:
    """The latest draft of each definition, when an executive sent it back, with the comment."""
    # A later submission of the same definition means she already acted on it.
    later = Submission.objects.filter(definition=OuterRef("definition"), pk__gt=OuterRef("pk"))
    sent_back = (
        Submission.objects.filter(status=Submission.Status.SENT_BACK)
        .filter(Q(submitted_by=user) | Q(definition__facilitator=user))
        .filter(~Exists(later))
        .select_related("definition", "reviewed_by")
        .order_by("-reviewed_at")[:LIMIT]
    )
    return {"template": "definitions/_home_sent_back.html", "drafts": list(sent_back)}
