"""The facilitator's pending work on definitions, for the home page ("What needs me").

Flat reads: a fixed number of queries whatever the number of drafts, proposals or votes.
"""

from datetime import timedelta

from django.db.models import Exists, OuterRef, Prefetch, Q
from django.urls import reverse
from django.utils import timezone

from definitions.models import Proposal, Submission, Vote
from definitions.permissions import FACILITATE

# An open vote closing within this is "closing soon".
CLOSING_SOON = timedelta(hours=48)
LIMIT = 20


def facilitator_sections(user, now=None) -> list[dict]:
    """Drafts sent back, proposals that pass and wait to be closed, proposals that need votes."""
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
        url = reverse("definitions:proposal", args=[proposal.definition_id, proposal.pk])
        closes = (
            f"closes {timezone.localtime(proposal.closes_at):%a %-d %b %H:%M}"
            if proposal.closes_at
            else "no closing date"
        )
        if verdict.passes:
            to_close.append(
                {
                    "url": url + "#manage",
                    "label": proposal.title,
                    "detail": f"{proposal.definition.name} · passes now · {closes}",
                }
            )
        elif not votes or (proposal.closes_at and proposal.closes_at - now <= CLOSING_SOON):
            voted = sum(t.voted for t in verdict.tallies)
            eligible = sum(t.eligible for t in verdict.tallies)
            detail = "no votes yet" if not votes else f"{voted} of {eligible} voted"
            need_votes.append(
                {
                    "url": url + "#tally",
                    "label": proposal.title,
                    "detail": f"{proposal.definition.name} · {detail} · {closes}",
                }
            )
    return [
        _sent_back_section(user),
        {
            "id": "proposals-to-close",
            "title": "Proposals that pass, waiting for me to close the vote",
            "items": to_close[:LIMIT],
            "empty": "No open proposal passes yet.",
        },
        {
            "id": "proposals-need-votes",
            "title": "Proposals with no votes or closing soon",
            "items": need_votes[:LIMIT],
            "empty": "Every open proposal has votes and time left.",
        },
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
    return {
        "id": "drafts-sent-back",
        "title": "Drafts sent back to me",
        "items": [
            {
                "url": reverse("definitions:draft", args=[s.definition_id]),
                "label": f"{s.definition.name}: sent back by {s.reviewed_by}",
                "detail": f"“{s.review_comment}”",
            }
            for s in sent_back
        ],
        "empty": "No draft has been sent back to you.",
    }
