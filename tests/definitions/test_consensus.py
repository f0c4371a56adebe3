"""The consensus rule at its edges: quorum and threshold per department, and no block."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from definitions import permissions, selectors, services
from definitions.consensus import consensus_evaluate
from definitions.models import Proposal
from tests.accounts.factories import UserFactory


def evaluate(marketing=(), sales=(), other=(), *, eligible=None, quorum=60, threshold=75):
    """Positions per department, e.g. marketing=["agree", "block"]."""
    positions = (
        [("marketing", p) for p in marketing]
        + [("sales", p) for p in sales]
        + [("other", p) for p in other]
    )
    return consensus_evaluate(
        quorum_percent=quorum,
        threshold_percent=threshold,
        eligible=eligible if eligible is not None else {"marketing": 4, "sales": 4},
        positions=positions,
    )


def tally(verdict, department):
    return next(t for t in verdict.tallies if t.department == department)


ALL_AGREE = ["agree"] * 4

# --- threshold: agree + can live with it, among the votes cast ---------------------------


def test_a_proposal_passes_exactly_at_the_threshold():
    # 75 % of 4 votes needs 3.
    verdict = evaluate(marketing=["agree", "agree", "live_with", "disagree"], sales=ALL_AGREE)

    assert tally(verdict, "marketing").support_needed == 3
    assert verdict.passes
    assert "Marketing: 3 of 4 agree or can live with it (needs 3)." in verdict.sentence


def test_a_proposal_one_vote_below_the_threshold_does_not_pass():
    verdict = evaluate(marketing=["agree", "live_with", "disagree", "disagree"], sales=ALL_AGREE)

    assert not verdict.passes
    assert "Marketing: only 2 of 4 agree or can live with it, threshold needs 3." in (
        verdict.sentence
    )


def test_the_threshold_rounds_up_rather_than_down():
    # 75 % of 5 votes is 3.75: 3 supporters are not enough, 4 are.
    eligible = {"marketing": 5, "sales": 4}
    short = evaluate(marketing=["agree"] * 3 + ["disagree"] * 2, sales=ALL_AGREE, eligible=eligible)
    enough = evaluate(marketing=["agree"] * 4 + ["disagree"], sales=ALL_AGREE, eligible=eligible)

    assert tally(short, "marketing").support_needed == 4
    assert not short.passes
    assert enough.passes


def test_can_live_with_it_counts_as_support():
    verdict = evaluate(marketing=["live_with"] * 4, sales=["live_with"] * 3)

    assert verdict.passes
    assert tally(verdict, "marketing").support == 4


def test_the_threshold_counts_votes_cast_not_people_eligible():
    # 3 of 5 voted (quorum), all three agree: 100 % of the votes cast.
    verdict = evaluate(
        marketing=["agree"] * 3, sales=["agree"] * 3, eligible={"marketing": 5, "sales": 5}
    )

    assert verdict.passes


# --- quorum: share of eligible people in each department who voted ------------------------


def test_a_proposal_passes_exactly_at_quorum():
    # 60 % of 5 eligible needs 3.
    verdict = evaluate(
        marketing=["agree"] * 3, sales=ALL_AGREE, eligible={"marketing": 5, "sales": 4}
    )

    assert tally(verdict, "marketing").quorum_needed == 3
    assert tally(verdict, "marketing").has_quorum
    assert verdict.passes


def test_a_proposal_one_vote_below_quorum_does_not_pass_even_if_everyone_agrees():
    verdict = evaluate(
        marketing=["agree"] * 2, sales=ALL_AGREE, eligible={"marketing": 5, "sales": 4}
    )

    assert not verdict.passes
    assert "Marketing: 2 of 5 voted, quorum needs 3." in verdict.sentence


def test_quorum_rounds_up_rather_than_down():
    # 60 % of 4 eligible is 2.4: two voters are not a quorum.
    verdict = evaluate(marketing=ALL_AGREE, sales=["agree"] * 2)

    assert tally(verdict, "sales").quorum_needed == 3
    assert not verdict.passes
    assert "Sales: 2 of 4 voted, quorum needs 3." in verdict.sentence


def test_a_quorum_of_100_percent_needs_everyone():
    eligible = {"marketing": 3, "sales": 3}
    two = evaluate(marketing=["agree"] * 2, sales=["agree"] * 3, eligible=eligible, quorum=100)
    three = evaluate(marketing=["agree"] * 3, sales=["agree"] * 3, eligible=eligible, quorum=100)

    assert not two.passes
    assert three.passes


def test_a_tiny_quorum_still_needs_one_voter():
    verdict = evaluate(
        sales=["agree"], eligible={"marketing": 5, "sales": 5}, quorum=1, threshold=1
    )

    assert tally(verdict, "marketing").quorum_needed == 1
    assert not verdict.passes
    assert "Marketing: 0 of 5 voted, quorum needs 1." in verdict.sentence


def test_quorum_and_threshold_are_needed_in_both_departments():
    # Marketing would carry it alone; sales did not reach its threshold.
    verdict = evaluate(marketing=ALL_AGREE, sales=["agree", "disagree", "disagree"])

    assert tally(verdict, "marketing").has_threshold
    assert not tally(verdict, "sales").has_threshold
    assert not verdict.passes


# --- departments with nobody eligible ------------------------------------------------------


def test_a_department_with_nobody_eligible_cannot_agree():
    verdict = evaluate(marketing=["agree"] * 3, eligible={"marketing": 3})

    assert not verdict.passes
    assert tally(verdict, "sales").eligible == 0
    assert not tally(verdict, "sales").has_quorum
    assert "Sales: nobody is eligible to vote, so it cannot agree." in verdict.sentence


def test_a_department_with_nobody_eligible_cannot_agree_even_with_stray_votes():
    # A vote recorded in sales by someone who has since left the eligible list.
    verdict = evaluate(marketing=["agree"] * 3, sales=["agree"], eligible={"marketing": 3})

    assert not verdict.passes


def test_nobody_eligible_anywhere_does_not_pass():
    verdict = evaluate(eligible={})

    assert not verdict.passes
    assert verdict.sentence == (
        "Does not pass. Marketing: nobody is eligible to vote, so it cannot agree. No blocks. "
        "Sales: nobody is eligible to vote, so it cannot agree."
    )


# --- blocks --------------------------------------------------------------------------------


def test_a_single_block_stops_a_proposal_everyone_else_agrees_with():
    verdict = evaluate(marketing=["agree"] * 3 + ["block"], sales=ALL_AGREE)

    assert tally(verdict, "marketing").has_quorum
    assert tally(verdict, "marketing").has_threshold
    assert verdict.blocks == 1
    assert not verdict.passes
    assert "Marketing: blocked by 1." in verdict.sentence


def test_a_block_recorded_outside_marketing_and_sales_still_stops_a_proposal():
    verdict = evaluate(marketing=ALL_AGREE, sales=ALL_AGREE, other=["block"])

    assert not verdict.passes
    assert verdict.blocks == 1
    assert "Blocked by 1 outside marketing and sales." in verdict.sentence


def test_the_sentence_names_the_department_of_a_block():
    verdict = evaluate(marketing=ALL_AGREE, sales=["agree"] * 3 + ["block"])

    assert verdict.sentence == (
        "Does not pass. Marketing: 4 of 4 agree or can live with it (needs 3). "
        "Sales: blocked by 1. Sales: 3 of 4 agree or can live with it (needs 3)."
    )


def test_the_sentence_never_says_only_0_of_them():
    verdict = evaluate(marketing=["disagree"] * 5, sales=ALL_AGREE, eligible={"marketing": 5})

    assert "only 0" not in verdict.sentence
    assert "Marketing: none of 5 agree or can live with it, threshold needs 4." in (
        verdict.sentence
    )


def test_several_blocks_are_counted_in_the_sentence():
    verdict = evaluate(
        marketing=["agree", "agree", "agree", "block"], sales=["block"] + ["agree"] * 3
    )

    assert "Marketing: blocked by 1. Sales: blocked by 1." in verdict.sentence


def test_a_disagreement_is_a_vote_but_not_a_block():
    verdict = evaluate(marketing=["agree"] * 3 + ["disagree"], sales=ALL_AGREE)

    assert verdict.blocks == 0
    assert tally(verdict, "marketing").voted == 4
    assert verdict.passes


# --- the sentence --------------------------------------------------------------------------


def test_the_sentence_of_a_passing_proposal_says_why_for_each_department():
    verdict = evaluate(
        marketing=["agree", "agree", "live_with"],
        sales=["agree", "agree", "live_with", "disagree"],
        eligible={"marketing": 3, "sales": 4},
    )

    assert verdict.sentence == (
        "Passes. Marketing: 3 of 3 agree or can live with it (needs 3). No blocks. "
        "Sales: 3 of 4 agree or can live with it (needs 3)."
    )


def test_the_sentence_of_a_failing_proposal_names_the_missing_quorum():
    verdict = evaluate(
        marketing=["agree"] * 3, sales=["agree", "agree"], eligible={"marketing": 3, "sales": 4}
    )

    assert verdict.sentence == (
        "Does not pass. Marketing: 3 of 3 agree or can live with it (needs 3). No blocks. "
        "Sales: 2 of 4 voted, quorum needs 3."
    )


def test_a_tally_says_how_many_have_not_voted():
    verdict = evaluate(marketing=["agree"], eligible={"marketing": 4, "sales": 4})

    assert tally(verdict, "marketing").not_voted == 3
    assert tally(verdict, "sales").not_voted == 4


# --- who is eligible, from the database -------------------------------------------------


def test_eligible_counts_are_active_marketers_and_sellers_executives_included(people):
    people("marketing", 3)
    people("sales", 2)
    people("sales", 1, is_active=False)
    people("other", 2)
    UserFactory(department="other", roles=["Executive"])
    UserFactory(department="sales", roles=["Executive"])
    UserFactory(department="other", roles=["Facilitator"])

    assert selectors.eligible_counts() == {"marketing": 3, "sales": 3}


@pytest.mark.parametrize(
    ("department", "roles", "active", "eligible"),
    [
        ("marketing", [], True, True),
        ("sales", [], True, True),
        ("other", [], False, False),
        ("other", [], True, False),
        ("other", ["Facilitator"], True, False),
        ("other", ["Executive"], True, False),
        ("marketing", ["Executive"], True, True),
        ("sales", [], False, False),
    ],
)
def test_may_vote_only_for_active_people_in_marketing_and_sales(
    db, department, roles, active, eligible
):
    person = UserFactory(department=department, roles=roles, is_active=active)

    assert permissions.may_vote(person) is eligible


def test_closing_a_vote_records_the_verdict_and_its_sentence(definition, people, propose):
    marketers, sellers = people("marketing", 3), people("sales", 4)
    proposal = propose()
    for person in marketers:
        services.vote_cast(proposal=proposal, voter=person, position="agree")
    for person in sellers[:2]:
        services.vote_cast(proposal=proposal, voter=person, position="agree")

    closed = services.proposal_close(proposal=proposal, by=definition.facilitator)

    assert closed.status == Proposal.Status.FAILED
    assert "Sales: 2 of 4 voted, quorum needs 3." in closed.outcome


def test_closing_a_vote_at_quorum_and_threshold_passes_it(definition, people, propose):
    marketers, sellers = people("marketing", 5), people("sales", 4)
    proposal = propose()
    for person in marketers[:3]:
        services.vote_cast(proposal=proposal, voter=person, position="agree")
    for person, position in zip(sellers, ["agree", "agree", "live_with"], strict=False):
        services.vote_cast(proposal=proposal, voter=person, position=position)

    closed = services.proposal_close(proposal=proposal, by=definition.facilitator)

    assert closed.status == Proposal.Status.PASSED
    assert closed.outcome.startswith("Passes.")


def test_a_vote_of_someone_no_longer_eligible_does_not_count(definition, people, propose):
    from definitions import selectors, services

    marketers = people("marketing", 2)
    sellers = people("sales", 2)
    proposal = propose()
    for person in [*marketers, *sellers]:
        services.vote_cast(proposal=proposal, voter=person, position="agree")
    leaver = sellers[0]
    leaver.is_active = False
    leaver.save()
    mover = marketers[0]
    mover.department = "other"
    mover.save()
    verdict = selectors.proposal_verdict(proposal)
    tallies = {t.department: t for t in verdict.tallies}
    assert (tallies["sales"].eligible, tallies["sales"].voted) == (1, 1)
    assert (tallies["marketing"].eligible, tallies["marketing"].voted) == (1, 1)


# --- who counts where, and a closed vote's tally ------------------------------------------


def test_an_executive_without_a_voting_department_is_not_an_eligible_voter(
    definition, people, propose
):
    people("marketing", 2)
    people("sales", 2)
    executive = UserFactory(department="other", roles=["Executive"])

    assert executive.pk not in selectors.electorate()
    assert not permissions.may_vote(executive)
    with pytest.raises(PermissionDenied):
        services.vote_cast(proposal=propose(), voter=executive, position="agree")


def test_a_closed_vote_keeps_its_tally_when_a_voter_moves_department(definition, people, propose):
    marketers, sellers = people("marketing", 3), people("sales", 3)
    proposal = propose()
    for person in marketers + sellers[:1]:
        services.vote_cast(proposal=proposal, voter=person, position="agree")
    closed = services.proposal_close(proposal=proposal, by=definition.facilitator)
    before = selectors.proposal_verdict(closed)
    assert closed.status == Proposal.Status.FAILED
    assert not before.passes

    # Afterwards a seller who did not vote leaves sales, and a marketer moves there:
    # recomputed today the vote would have passed (and sales' row would change).
    sellers[1].department = "other"
    sellers[1].save()
    sellers[2].is_active = False
    sellers[2].save()
    marketers[0].department = "sales"
    marketers[0].save()
    closed.refresh_from_db()

    after = selectors.proposal_verdict(closed)
    assert after == before
    assert tally(after, "sales").eligible == 3
    assert tally(after, "sales").voted == 1
    assert tally(after, "marketing").agree == 3
    assert not after.passes
    assert after.sentence == closed.outcome


def test_withdrawing_a_vote_freezes_its_tally_too(definition, people, propose):
    (seller,) = people("sales", 1)
    proposal = propose()
    services.vote_cast(proposal=proposal, voter=seller, position="agree")
    withdrawn = services.proposal_withdraw(proposal=proposal, by=definition.facilitator)
    seller.department = "marketing"
    seller.save()

    assert tally(selectors.proposal_verdict(withdrawn), "sales").agree == 1


def test_closing_due_votes_promises_no_e_mail_it_does_not_send(definition, propose, mailoutbox):
    from pathlib import Path

    from django.conf import settings
    from django.core.management import call_command, load_command_class

    due = propose(closes_at=timezone.now() + timedelta(hours=1))
    Proposal.objects.filter(pk=due.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    call_command("proposals_close_due", stdout=StringIO())

    assert Proposal.objects.get(pk=due.pk).status != Proposal.Status.OPEN
    assert mailoutbox == []
    help_text = load_command_class("definitions", "proposals_close_due").help
    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    scheduler = readme[readme.index("proposals_close_due") :].split("\n\n")[0]
    for text in (help_text, scheduler):
        assert "told" not in text
        assert "no e-mail is sent" in text.lower() or "nobody is e-mailed" in text.lower()


def test_the_database_refuses_a_closed_vote_without_its_tally(definition, propose):
    from django.db import IntegrityError, transaction

    proposal = Proposal.objects.filter(pk=propose().pk)

    with pytest.raises(IntegrityError), transaction.atomic():
        proposal.update(status=Proposal.Status.FAILED, closed_at=timezone.now())
    proposal.update(status=Proposal.Status.FAILED, closed_at=timezone.now(), tally={"x": 1})
