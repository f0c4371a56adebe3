"""Reads for the definitions pages: the draft, version contents, tallies, history."""

from django.db.models import Count, Prefetch
from django.utils import timezone

from accounts.models import User
from definitions.consensus import Verdict, consensus_evaluate, verdict_thawed
from definitions.content import content_apply, content_diff, content_empty, diff_is_empty
from definitions.facilitation import facilitator_sections
from definitions.models import (
    Definition,
    Proposal,
    Submission,
    Version,
    VersionCriterion,
    VersionStage,
    Vote,
)
from definitions.permissions import VOTING_DEPARTMENTS, may_vote


def voters_eligible():
    """People who vote: everyone active in marketing and sales, executives included.

    An executive votes in their own department like everyone else; an executive outside
    marketing and sales does not vote (the admin refuses to make one), so that every vote
    taken counts in a department's quorum and threshold.
    """
    return User.objects.active().filter(department__in=VOTING_DEPARTMENTS)


def eligible_counts() -> dict[str, int]:
    rows = voters_eligible().values("department").annotate(n=Count("pk", distinct=True))
    return {row["department"]: row["n"] for row in rows}


def electorate() -> dict[int, str]:
    """Everyone eligible to vote now, by id, with their department (one query)."""
    return dict(voters_eligible().values_list("pk", "department").distinct())


def proposal_verdict(proposal: Proposal, votes=None, voters=None) -> Verdict:
    """The verdict a closed vote stored when it closed, or, while it is open, the verdict
    under the proposal's rule counting the votes of people eligible now, in their department
    now: someone who left, or moved out of marketing and sales, no longer counts (so "4 of 3
    voted" cannot happen)."""
    if proposal.tally:
        return verdict_thawed(proposal.tally)
    votes = proposal.votes.all() if votes is None else votes
    voters = electorate() if voters is None else voters
    eligible: dict[str, int] = {}
    for department in voters.values():
        eligible[department] = eligible.get(department, 0) + 1
    return consensus_evaluate(
        quorum_percent=proposal.quorum_percent,
        threshold_percent=proposal.threshold_percent,
        eligible=eligible,
        positions=[
            (voters[vote.voter_id], vote.position) for vote in votes if vote.voter_id in voters
        ],
    )


def proposal_with_votes(definition: Definition, pk: int) -> Proposal:
    return (
        Proposal.objects.select_related(
            "definition", "proposed_by", "supersedes", "superseded_by", "published_in"
        )
        .prefetch_related(Prefetch("votes", queryset=Vote.objects.select_related("voter")))
        .get(definition=definition, pk=pk)
    )


def voters_now() -> list[User]:
    """Everyone eligible to vote now, by department and name (one query): what a proposal's
    page counts its verdict over (`electorate_of`) and lists as not voted yet."""
    return list(voters_eligible().order_by("department", "full_name"))


def electorate_of(people: list[User]) -> dict[int, str]:
    """`electorate()` from the people `voters_now` read."""
    return {person.pk: person.department for person in people}


def not_yet_voted(people: list[User], votes) -> list[User]:
    voted = {vote.voter_id for vote in votes}
    return [person for person in people if person.pk not in voted]


def version_latest(definition: Definition) -> Version | None:
    """The definition's latest version, with its approver (the pages name them)."""
    return (
        Version.objects.for_definition(definition)
        .select_related("approved_by")
        .latest_first()
        .first()
    )


def version_content(version: Version | None) -> dict:
    """A version's stages and criteria as plain content (two queries)."""
    if version is None:
        return content_empty()
    stages = VersionStage.objects.filter(version=version).prefetch_related(
        Prefetch("criteria", queryset=VersionCriterion.objects.order_by("position"))
    )
    return {
        "stages": [
            {
                "key": stage.key,
                "level": stage.level,
                "name": stage.name,
                "meaning": stage.meaning,
                "owner": stage.owner,
                "routing": stage.routing,
                "follow_up": stage.follow_up,
                "criteria": [
                    {
                        "key": c.key,
                        "statement": c.statement,
                        "guidance": c.guidance,
                        "evidence": c.evidence,
                        "rule": c.rule,
                        "weight": c.weight,
                    }
                    for c in stage.criteria.all()
                ],
            }
            for stage in stages
        ]
    }


def proposals_effective(proposals, now=None) -> list:
    """The proposals as they stand at `now`, writing nothing: an open one whose window has
    ended reads as closed, with the verdict it will close with, until the scheduled task
    (`tasks.proposals_close_due`) closes it for good."""
    now = now or timezone.now()
    proposals, voters = list(proposals), None
    for proposal in proposals:
        if proposal.status == Proposal.Status.OPEN and not proposal.is_open_at(now):
            voters = electorate() if voters is None else voters
            verdict = proposal_verdict(proposal, voters=voters)
            proposal.status = Proposal.Status.PASSED if verdict.passes else Proposal.Status.FAILED
            proposal.closed_at = proposal.closes_at
            proposal.outcome = verdict.sentence
    return proposals


def draft_build(definition: Definition, latest: Version | None = None) -> tuple[dict, list, list]:
    """The draft: the latest version plus every passed, unpublished proposal, in the order
    they passed. Returns (content, proposals applied, [(proposal, why it could not apply)])."""
    from definitions.rendering import version_content_kept

    latest = version_latest(definition) if latest is None else latest
    content = version_content_kept(latest)  # content_apply copies it before changing it
    applied = []
    pending = list(
        Proposal.objects.for_definition(definition).passed_unpublished().order_by("closed_at", "pk")
    )
    # Votes whose window has ended count as they will close, before the task closes them.
    due = Proposal.objects.for_definition(definition).due().order_by("closes_at", "pk")
    pending += [p for p in proposals_effective(due) if p.status == Proposal.Status.PASSED]
    # A criterion whose stage passed after it applies once the stage is in: keep going round
    # the ones that could not apply while any round applies something.
    while pending:
        still, problems = [], {}
        for proposal in pending:
            content, problem = content_apply(content, proposal)
            if problem:
                still.append(proposal)
                problems[proposal.pk] = problem
            else:
                applied.append(proposal)
        if len(still) == len(pending):
            return content, applied, [(p, problems[p.pk]) for p in still]
        pending = still
    return content, applied, []


def draft_preview(definition: Definition, proposal: Proposal) -> dict:
    """The draft as it would be if `proposal` passed next."""
    return content_apply(draft_build(definition)[0], proposal)[0]


def proposal_produces(definition: Definition, proposal: Proposal) -> dict:
    """What the proposal would produce: the diff against the draft, or why it cannot apply."""
    draft = draft_build(definition)[0]
    after, problem = content_apply(draft, proposal)
    return {"diff": content_diff(draft, after), "problem": problem}


def draft_page(definition: Definition) -> dict:
    """The draft page: the draft against the live version, what it carries, its health."""
    from definitions.rendering import version_content_kept

    latest = version_latest(definition)
    content, applied, skipped = draft_build(definition, latest=latest)
    diff = content_diff(version_content_kept(latest), content)
    return {
        "latest": latest,
        "content": content,
        "applied": applied,
        "skipped": skipped,
        "diff": diff,
        "unchanged": diff_is_empty(diff),
        "health": definition_health_for(definition, content),
        "in_review": submission_in_review(definition),
        "last_sent_back": Submission.objects.filter(
            definition=definition, status=Submission.Status.SENT_BACK
        )
        .select_related("reviewed_by")
        .first(),
    }


def submission_page(submission: Submission) -> dict:
    """The approval page: the draft's impact on the last cycle's leads (stage by stage, from
    the app that measures leads), the carried proposals with the tallies they closed with,
    the diff against the version in force, and whether the draft moved after the summary."""
    from accounts.apps_registry import hooks
    from definitions.rendering import version_content_kept

    definition = submission.definition
    latest = version_latest(definition)
    impact = next(
        (
            draft_impact(definition, submission.content)
            for draft_impact in hooks("impact", "draft_impact")
        ),
        None,
    )
    carried = [
        (proposal, proposal_verdict(proposal))
        for proposal in submission.proposals.order_by("closed_at", "pk")
    ]
    return {
        "latest": latest,
        "impact": impact,
        "carried": carried,
        "diff": content_diff(version_content_kept(latest), submission.content),
        "content": submission.content,
        "health": definition_health_for(definition, submission.content),
        "passed_since": passed_since(submission),
    }


def announcement_recipients():
    """Everyone a publication is announced to: active, with an address, not opted out."""
    return User.objects.active().filter(announcements=True).exclude(email="")


def publish_consequences(submission: Submission) -> list[str]:
    """What publishing does, for its confirmation."""
    latest = version_latest(submission.definition)
    number = latest.number + 1 if latest else 1
    recipients = announcement_recipients().count()
    return [
        f"The draft becomes version {number}, in force for everyone from now on.",
        "A published version never changes: a later change needs a new version.",
        f"An e-mail announces it to {recipients} "
        f"{'person' if recipients == 1 else 'people'} (everyone who has not opted out).",
    ]


def passed_since(submission: Submission) -> list[Proposal]:
    """Proposals that passed after the change summary was written: the draft has moved on
    and the summary (and the frozen draft) no longer say all of it. Only while in review."""
    if submission.status not in (Submission.Status.SUBMITTED, Submission.Status.APPROVED):
        return []
    return list(
        Proposal.objects.for_definition(submission.definition)
        .passed_unpublished()
        .filter(closed_at__gt=submission.submitted_at)
        .exclude(pk__in=submission.proposals.values("pk"))
        .order_by("closed_at")
    )


def submission_in_review(definition: Definition) -> Submission | None:
    return (
        Submission.objects.filter(
            definition=definition,
            status__in=[Submission.Status.SUBMITTED, Submission.Status.APPROVED],
        )
        .select_related("submitted_by", "reviewed_by")
        .first()
    )


def proposals_for_page(definition: Definition):
    return (
        Proposal.objects.for_definition(definition)
        .select_related("proposed_by", "published_in")
        .annotate(vote_count=Count("votes"))
        .order_by("-opened_at", "-pk")
    )


def proposals_grouped(definition: Definition, user) -> list[tuple[str, list[Proposal]]]:
    """The proposals page's groups, each proposal with `my_position` (the person's vote)."""
    proposals = proposals_effective(proposals_for_page(definition))
    my_votes = dict(
        Vote.objects.filter(proposal__definition=definition, voter=user).values_list(
            "proposal_id", "position"
        )
    )
    for proposal in proposals:
        proposal.my_position = my_votes.get(proposal.pk)
    Status = Proposal.Status
    closed = (Status.FAILED, Status.WITHDRAWN, Status.SUPERSEDED)
    return [
        ("Open for votes", [p for p in proposals if p.status == Status.OPEN]),
        (
            "Passed, in the draft",
            [p for p in proposals if p.status == Status.PASSED and not p.published_in_id],
        ),
        ("Published", [p for p in proposals if p.published_in_id]),
        ("Closed without passing", [p for p in proposals if p.status in closed]),
    ]


def version_in_force(definition: Definition, at) -> Version | None:
    """The version that was in force at moment `at`: the last one published by then."""
    return (
        Version.objects.for_definition(definition)
        .filter(published_at__lte=at)
        .latest_first()
        .first()
    )


def version_criteria(version: Version):
    """A version's criteria with their stages, in funnel order (one query)."""
    return (
        VersionCriterion.objects.filter(stage__version=version)
        .select_related("stage")
        .order_by("stage__position", "position")
    )


def voters_by_department(definition: Definition) -> dict[str, int]:
    """How many distinct people of each department voted on this definition's proposals."""
    rows = (
        Vote.objects.filter(proposal__definition=definition)
        .values("department")
        .annotate(n=Count("voter", distinct=True))
    )
    return {row["department"]: row["n"] for row in rows}


def definition_health_for(definition: Definition, content: dict, *, latest=None):
    """The definition's health warnings, with those other apps contribute (e.g. feedback's
    unwritten rejection reasons) through their `health.definition_warnings` hook.

    `latest` is the definition's latest version (`version_latest`), when `content` is its
    content: published by now, it is the version in force, and the hooks are given it with
    its content and read neither again. Any other version must not be passed."""
    from accounts.apps_registry import hooks
    from definitions.health import definition_health

    warnings = definition_health(
        content, eligible=eligible_counts(), voted=voters_by_department(definition)
    )
    in_force = None
    if latest is not None and latest.published_at <= timezone.now():
        in_force = (latest, content)  # the latest version, published by now: in force
    for contributed in hooks("health", "definition_warnings"):
        warnings.extend(contributed(definition, in_force=in_force))
    return warnings


def proposal_sources(proposal: Proposal, user) -> list[dict]:
    """What the later apps know a proposal came from (the meeting answers it was made from),
    each a {"template": …, …data} partial, through their `origins.proposal_sources` hook."""
    from accounts.apps_registry import hooks

    return [
        source
        for proposal_sources in hooks("origins", "proposal_sources")
        for source in proposal_sources(proposal, user)
    ]


def home_sections(user) -> list[dict]:
    """Proposals waiting for my vote; drafts waiting for my approval or publication: the data
    of the home page's sections, which the templates named draw."""
    sections = []
    if may_vote(user):
        waiting = (
            Proposal.objects.awaiting_vote_from(user)
            .select_related("definition")
            .order_by("closes_at", "opened_at")[:20]
        )
        sections.append({"template": "definitions/_home_to_vote.html", "proposals": list(waiting)})
    if user.has_perm("definitions.approve_version") or user.has_perm("definitions.publish_version"):
        drafts = Submission.objects.filter(
            status__in=[Submission.Status.SUBMITTED, Submission.Status.APPROVED]
        ).select_related("definition")
        sections.append({"template": "definitions/_home_to_approve.html", "drafts": list(drafts)})
    return sections + facilitator_sections(user)


def definition_history(definition: Definition, limit: int = 300) -> list[dict]:
    """Who changed what and when, for proposals, votes and approvals, newest first."""
    entries = []
    proposals = Proposal.history.filter(definition_id=definition.pk).select_related("history_user")
    for record in proposals.order_by("-history_date")[:limit]:
        entries.append(
            {
                "when": record.history_date,
                "who": record.history_user,
                "what": record.history_change_reason or record.get_history_type_display(),
                "subject": f"Proposal “{record.title}”",
                "detail": record.get_status_display(),
            }
        )
    votes = (
        Vote.history.filter(proposal__definition=definition)
        .select_related("history_user", "voter", "proposal")
        .order_by("-history_date")[:limit]
    )
    for record in votes:
        entries.append(
            {
                "when": record.history_date,
                "who": record.history_user or record.voter,
                "what": record.history_change_reason or record.get_history_type_display(),
                "subject": f"Vote on “{record.proposal.title}”",
                "detail": f"{record.voter}: {record.get_position_display()}"
                + (f" — {record.comment}" if record.comment else ""),
            }
        )
    submissions = Submission.history.filter(definition_id=definition.pk).select_related(
        "history_user"
    )
    for record in submissions.order_by("-history_date")[:limit]:
        entries.append(
            {
                "when": record.history_date,
                "who": record.history_user,
                "what": record.history_change_reason or record.get_history_type_display(),
                "subject": "Draft for approval",
                "detail": record.review_comment or record.change_summary[:140],
            }
        )
    entries.sort(key=lambda entry: entry["when"], reverse=True)
    return entries[:limit]
