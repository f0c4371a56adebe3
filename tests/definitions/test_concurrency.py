"""Concurrency on PostgreSQL, with threads and real transactions: nothing lost, nothing doubled."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from definitions import selectors, services
from definitions.models import Proposal, Submission, Version, VersionStage, Vote
from tests.definitions.conftest import stage_payload

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks and concurrent transactions are tested on PostgreSQL",
    ),
    pytest.mark.django_db(transaction=True),
]

THREADS = 8


def at_once(calls):
    """Run every call in its own thread, all released at the same moment.

    Returns each call's result or the exception it raised, in the order given."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=30)
            outcomes[index] = call()
        except Exception as error:
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck"
    return outcomes


def approved_draft(definition, propose, pass_proposal, name):
    pass_proposal(propose(payload=stage_payload(name)))
    submission = services.draft_submit(
        definition=definition, by=definition.facilitator, change_summary=f"Adds {name}"
    )
    return services.submission_approve(submission=submission, by=definition.executive_sponsor)


def publish_race(definition, submission, threads=THREADS):
    executive = definition.executive_sponsor
    return at_once(
        [
            lambda: services.version_publish(submission=submission, by=executive)
            for _ in range(threads)
        ]
    )


# --- publication -------------------------------------------------------------------------


def test_publishing_one_approved_draft_at_the_same_moment_gives_exactly_one_version(
    definition, propose, pass_proposal
):
    submission = approved_draft(definition, propose, pass_proposal, "MQL")

    outcomes = publish_race(definition, submission)

    published = [o for o in outcomes if isinstance(o, Version)]
    refused = [o for o in outcomes if not isinstance(o, Version)]
    assert [v.number for v in published] == [1]
    assert len(refused) == THREADS - 1
    for error in refused:
        assert isinstance(error, ValidationError), repr(error)
        assert error.messages == ["Only a draft that an executive approved can be published."]
    assert list(Version.objects.values_list("number", flat=True)) == [1]
    assert VersionStage.objects.count() == 1
    assert Proposal.objects.get().published_in == published[0]


def test_versions_published_in_turn_amid_concurrent_attempts_are_numbered_without_gaps(
    definition, propose, pass_proposal
):
    rounds = 5
    for round_number in range(1, rounds + 1):
        submission = approved_draft(definition, propose, pass_proposal, f"Stage {round_number}")

        outcomes = publish_race(definition, submission, threads=4)

        assert [o.number for o in outcomes if isinstance(o, Version)] == [round_number]
        assert all(isinstance(o, (Version, ValidationError)) for o in outcomes), outcomes

    numbers = list(Version.objects.for_definition(definition).values_list("number", flat=True))
    assert numbers == list(range(1, rounds + 1))
    latest = selectors.version_latest(definition)
    assert [s["name"] for s in selectors.version_content(latest)["stages"]] == [
        f"Stage {n}" for n in range(1, rounds + 1)
    ]


def test_definitions_published_at_the_same_moment_each_number_their_own_versions(definition):
    from tests.definitions.factories import DefinitionFactory, version_published

    others = [DefinitionFactory() for _ in range(THREADS // 2)]
    approved = []
    for other in others:
        version = version_published(other)
        approved.append(
            Submission.objects.create(
                definition=other,
                content=version.submission.content,
                change_summary="Again",
                submitted_by=other.facilitator,
                status=Submission.Status.APPROVED,
                reviewed_by=other.executive_sponsor,
                reviewed_at=version.published_at,
            )
        )

    outcomes = at_once(
        [
            lambda s=submission: services.version_publish(
                submission=s, by=s.definition.executive_sponsor
            )
            for submission in approved * 2
        ]
    )

    assert sorted(o.number for o in outcomes if isinstance(o, Version)) == [2] * len(others)
    for other in others:
        numbers = list(Version.objects.for_definition(other).values_list("number", flat=True))
        assert numbers == [1, 2]


# --- votes ---------------------------------------------------------------------------------

POSITIONS = [
    ("agree", ""),
    ("live_with", ""),
    ("disagree", "Too loose."),
    ("block", "We would drown in leads."),
]


def test_the_same_persons_first_votes_cast_at_once_leave_one_current_vote(propose, people):
    (marketer,) = people("marketing", 1)
    proposal = propose()
    cast = [POSITIONS[i % len(POSITIONS)] for i in range(THREADS)]

    outcomes = at_once(
        [
            lambda p=position, c=comment: services.vote_cast(
                proposal=proposal, voter=marketer, position=p, comment=c
            )
            for position, comment in cast
        ]
    )

    assert all(isinstance(o, Vote) for o in outcomes), outcomes
    vote = Vote.objects.get()
    assert vote.voter == marketer
    assert (vote.position, vote.comment) in cast
    history = list(vote.history.order_by("history_date", "history_id"))
    assert len(history) == THREADS
    assert [h.history_change_reason for h in history] == ["Vote cast"] + ["Vote changed"] * (
        THREADS - 1
    )
    assert history[-1].position == vote.position


def test_votes_of_different_people_cast_at_once_are_all_counted(propose, people):
    voters = people("marketing", THREADS // 2) + people("sales", THREADS // 2)
    proposal = propose()

    outcomes = at_once(
        [
            lambda v=voter: services.vote_cast(proposal=proposal, voter=v, position="agree")
            for voter in voters
        ]
    )

    assert all(isinstance(o, Vote) for o in outcomes), outcomes
    assert set(Vote.objects.values_list("voter", flat=True)) == {v.pk for v in voters}
    verdict = selectors.proposal_verdict(proposal)
    assert [(t.department, t.voted, t.agree) for t in verdict.tallies] == [
        ("marketing", THREADS // 2, THREADS // 2),
        ("sales", THREADS // 2, THREADS // 2),
    ]
    assert verdict.passes


def test_votes_racing_the_close_are_either_counted_in_the_outcome_or_refused(
    definition, propose, people
):
    voters = people("marketing", THREADS) + people("sales", THREADS)
    proposal = propose()
    calls = [
        lambda v=voter: services.vote_cast(proposal=proposal, voter=v, position="agree")
        for voter in voters
    ]
    calls.insert(
        THREADS, lambda: services.proposal_close(proposal=proposal, by=definition.facilitator)
    )

    outcomes = at_once(calls)

    accepted = [o for o in outcomes if isinstance(o, Vote)]
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(accepted) + len(refused) + 1 == len(calls)
    assert Vote.objects.count() == len(accepted)
    proposal.refresh_from_db()
    assert proposal.status != Proposal.Status.OPEN
    assert proposal.outcome == selectors.proposal_verdict(proposal).sentence


# --- drafts and proposals ------------------------------------------------------------------


def test_drafts_submitted_at_the_same_moment_leave_one_in_review(
    definition, propose, pass_proposal
):
    pass_proposal(propose())

    outcomes = at_once(
        [
            lambda: services.draft_submit(
                definition=definition, by=definition.facilitator, change_summary="Mine"
            )
            for _ in range(THREADS)
        ]
    )

    submitted = [o for o in outcomes if isinstance(o, Submission)]
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(submitted) == 1
    assert len(refused) == THREADS - 1, outcomes
    assert Submission.objects.count() == 1


def test_executives_reviewing_one_draft_at_the_same_moment_leave_one_decision(
    definition, propose, pass_proposal
):
    executive = definition.executive_sponsor
    pass_proposal(propose())
    submission = services.draft_submit(
        definition=definition, by=definition.facilitator, change_summary="Mine"
    )
    calls = [
        lambda: services.submission_approve(submission=submission, by=executive),
        lambda: services.submission_send_back(
            submission=submission, by=executive, comment="Not yet."
        ),
    ] * (THREADS // 2)

    outcomes = at_once(calls)

    decided = [o for o in outcomes if isinstance(o, Submission)]
    assert len(decided) == 1
    assert all(isinstance(o, (Submission, ValidationError)) for o in outcomes), outcomes
    submission.refresh_from_db()
    assert submission.status == decided[0].status
    history = submission.history.exclude(history_change_reason="Submitted for approval")
    assert history.count() == 1


def test_one_proposal_superseded_at_the_same_moment_is_superseded_once(definition, propose):
    old = propose()

    outcomes = at_once(
        [
            lambda n=n: propose(payload=stage_payload(f"Wording {n}"), supersedes=old)
            for n in range(THREADS)
        ]
    )

    created = [o for o in outcomes if isinstance(o, Proposal)]
    assert len(created) == 1
    assert all(isinstance(o, (Proposal, ValidationError)) for o in outcomes), outcomes
    old.refresh_from_db()
    assert old.status == Proposal.Status.SUPERSEDED
    assert Proposal.objects.count() == 2
    assert old.superseded_by == created[0]
