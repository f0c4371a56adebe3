"""Where a proposal came from, as meetings knows it: the answers it was made from.

definitions asks for this through the hook in accounts/apps_registry.py
(`origins.proposal_sources`), since it must not import meetings."""

from definitions.models import Proposal
from meetings.models import Answer, Meeting


def proposal_sources(proposal: Proposal, user) -> list[dict]:
    """The answers `proposal` was made from, quoted with who gave them and to which question,
    each linked to its place on the answers page; only from meetings `user` may see (two
    queries, however many answers). Others are counted, not quoted."""
    if proposal.origin != Proposal.Origin.MEETING:
        return []
    answers = list(
        Answer.objects.filter(proposals=proposal)
        .select_related("person", "question__meeting")
        .order_by("question__meeting__starts_at", "question__position", "question_id", "pk")
    )
    if not answers:
        return []
    visible = set(
        Meeting.objects.visible_to(user)
        .filter(pk__in={answer.question.meeting_id for answer in answers})
        .values_list("pk", flat=True)
    )
    quoted = [answer for answer in answers if answer.question.meeting_id in visible]
    return [
        {
            "template": "meetings/_proposal_answers.html",
            "answers": quoted,
            "hidden": len(answers) - len(quoted),
        }
    ]
