"""The rules the services enforce: proposals, votes, the draft, approval and publication."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from definitions import selectors, services
from definitions.ladder import STARTING_LADDER
from definitions.models import Definition, Proposal, Submission, Version, Vote
from tests.accounts.factories import UserFactory
from tests.definitions.conftest import criterion_payload, stage_payload
from tests.definitions.factories import version_published

BASE = {
    "stages": [
        {
            "key": "mql",
            "level": "lead",
            "name": "MQL",
            "meaning": "",
            "owner": "Marketing",
            "routing": "",
            "follow_up": "",
            "criteria": [
                {"key": "asked", "statement": "Asked for more information", "evidence": "stated"}
            ],
        }
    ]
}


def stage_names(content):
    return [stage["name"] for stage in content["stages"]]


def written(proposal=None):
    """Everything a vote could have written: rows and history rows."""
    return Vote.objects.count(), Vote.history.count()


def submit(definition, summary="What changed"):
    return services.draft_submit(
        definition=definition, by=definition.facilitator, change_summary=summary
    )


def approve_and_publish(submission):
    executive = submission.definition.executive_sponsor
    services.submission_approve(submission=submission, by=executive)
    return services.version_publish(submission=submission, by=executive)


# --- proposals ---------------------------------------------------------------------------


def test_a_proposal_records_the_consensus_rule_in_force_when_its_vote_opens(definition, propose):
    definition.quorum_percent, definition.threshold_percent = 50, 80
    definition.save()

    proposal = propose()

    assert (proposal.quorum_percent, proposal.threshold_percent) == (50, 80)
    assert proposal.status == Proposal.Status.OPEN
    assert proposal.title == "Add stage: Marketing Qualified Lead"


def test_changing_the_rule_later_rewrites_no_open_proposal(definition, propose):
    proposal = propose()

    services.definition_rule_change(
        definition=definition, by=definition.facilitator, quorum_percent=100, threshold_percent=100
    )

    proposal.refresh_from_db()
    assert (proposal.quorum_percent, proposal.threshold_percent) == (60, 75)


def test_a_vote_is_decided_under_the_rule_recorded_on_the_proposal(definition, people, propose):
    marketers, sellers = people("marketing", 5), people("sales", 5)
    proposal = propose()
    services.definition_rule_change(
        definition=definition, by=definition.facilitator, quorum_percent=100, threshold_percent=100
    )
    for person in marketers[:3] + sellers[:3]:
        services.vote_cast(proposal=proposal, voter=person, position="agree")

    closed = services.proposal_close(proposal=proposal, by=definition.facilitator)

    assert closed.status == Proposal.Status.PASSED


def test_a_proposal_opened_after_a_rule_change_takes_the_new_rule(definition, propose):
    services.definition_rule_change(
        definition=definition, by=definition.facilitator, quorum_percent=90, threshold_percent=95
    )

    # `definition` is the caller's copy from before the change: the rule is read afresh.
    proposal = propose(definition=definition)

    assert (proposal.quorum_percent, proposal.threshold_percent) == (90, 95)


def test_a_consensus_rule_outside_1_to_100_percent_is_refused(definition):
    with pytest.raises(ValidationError):
        services.definition_rule_change(
            definition=definition, by=definition.facilitator, quorum_percent=0, threshold_percent=75
        )

    definition.refresh_from_db()
    assert definition.quorum_percent == 60


def test_only_a_facilitator_changes_the_consensus_rule(definition, marketer):
    with pytest.raises(PermissionDenied):
        services.definition_rule_change(
            definition=definition, by=marketer, quorum_percent=50, threshold_percent=50
        )


def test_marketers_and_sellers_may_propose_but_other_people_may_not(definition, people, propose):
    (marketer,) = people("marketing", 1)
    (outsider,) = people("other", 1)

    assert propose(by=marketer).proposed_by == marketer
    with pytest.raises(PermissionDenied):
        propose(by=outsider)
    assert Proposal.objects.count() == 1


@pytest.mark.parametrize(
    ("kind", "payload", "field"),
    [
        (Proposal.Kind.ADD_STAGE, {"name": " ", "level": "lead"}, "name"),
        (Proposal.Kind.ADD_STAGE, {"name": "MQL", "level": "hot"}, "level"),
        (Proposal.Kind.ADD_CRITERION, {"statement": "", "evidence": "stated"}, "statement"),
        (Proposal.Kind.ADD_CRITERION, {"statement": "x", "evidence": "gut"}, "evidence"),
        (
            Proposal.Kind.ADD_CRITERION,
            {"statement": "x", "evidence": "stated", "weight": 11},
            "weight",
        ),
        (
            Proposal.Kind.ADD_CRITERION,
            {"statement": "x", "evidence": "stated", "weight": 0},
            "weight",
        ),
        (
            Proposal.Kind.ADD_CRITERION,
            {"statement": "x", "evidence": "stated", "weight": "heavy"},
            "weight",
        ),
        (
            Proposal.Kind.ADD_CRITERION,
            {"statement": "x", "evidence": "stated", "rule": {"field": "nope", "operator": "in"}},
            "rule",
        ),
    ],
)
def test_a_proposal_with_bad_wording_is_refused_naming_the_field(
    definition, propose, kind, payload, field
):
    version_published(definition, content=BASE)

    with pytest.raises(ValidationError) as refused:
        propose(kind=kind, payload=payload, stage_key="mql")

    assert field in refused.value.message_dict
    assert not Proposal.objects.exists()


def test_a_criterion_without_a_weight_weighs_one(definition, propose):
    version_published(definition, content=BASE)

    proposal = propose(
        kind=Proposal.Kind.ADD_CRITERION, payload=criterion_payload(weight=""), stage_key="mql"
    )

    assert proposal.payload["weight"] == 1


def test_a_proposal_must_close_in_the_future(propose):
    with pytest.raises(ValidationError) as refused:
        propose(closes_at=timezone.now() - timedelta(minutes=1))

    assert "closes_at" in refused.value.message_dict


def test_a_change_must_target_something_in_the_current_draft(definition, propose):
    version_published(definition, content=BASE)

    with pytest.raises(ValidationError) as refused:
        propose(kind=Proposal.Kind.REMOVE_STAGE, target_key="ghost")
    assert "target_key" in refused.value.message_dict

    with pytest.raises(ValidationError) as refused:
        propose(kind=Proposal.Kind.ADD_CRITERION, payload=criterion_payload(), stage_key="ghost")
    assert "stage_key" in refused.value.message_dict


def test_a_criterion_change_finds_its_stage_and_a_removal_is_titled_after_its_target(
    definition, propose
):
    version_published(definition, content=BASE)

    change = propose(
        kind=Proposal.Kind.CHANGE_CRITERION,
        target_key="asked",
        payload=criterion_payload("Asked for a demo"),
    )
    removal = propose(kind=Proposal.Kind.REMOVE_CRITERION, target_key="asked")

    assert change.stage_key == "mql"
    assert removal.title == "Remove criterion: Asked for more information"


def test_wording_can_be_edited_before_the_first_vote(definition, propose):
    proposal = propose()

    edited = services.proposal_edit(
        proposal=proposal, by=definition.facilitator, payload=stage_payload("Sales Accepted Lead")
    )

    assert edited.payload["name"] == "Sales Accepted Lead"
    assert edited.title == "Add stage: Sales Accepted Lead"


def test_wording_is_frozen_after_the_first_vote(definition, people, propose):
    (marketer,) = people("marketing", 1)
    proposal = propose()
    services.vote_cast(proposal=proposal, voter=marketer, position="agree")

    with pytest.raises(ValidationError, match="frozen"):
        services.proposal_edit(
            proposal=proposal, by=definition.facilitator, payload=stage_payload("Sneaky")
        )

    proposal.refresh_from_db()
    assert proposal.payload["name"] == "Marketing Qualified Lead"


def test_only_the_proposer_or_a_facilitator_edits_or_withdraws(propose, people):
    author, other = people("marketing", 2)
    proposal = propose(by=author)

    with pytest.raises(PermissionDenied):
        services.proposal_edit(proposal=proposal, by=other, payload=stage_payload("Mine"))
    with pytest.raises(PermissionDenied):
        services.proposal_withdraw(proposal=proposal, by=other)

    assert services.proposal_withdraw(proposal=proposal, by=author).status == "withdrawn"


def test_a_withdrawn_proposal_is_closed_and_cannot_be_withdrawn_or_edited_again(
    definition, propose
):
    proposal = services.proposal_withdraw(proposal=propose(), by=definition.facilitator)

    assert proposal.status == Proposal.Status.WITHDRAWN
    assert proposal.closed_at is not None
    with pytest.raises(ValidationError):
        services.proposal_withdraw(proposal=proposal, by=definition.facilitator)
    with pytest.raises(ValidationError):
        services.proposal_edit(
            proposal=proposal, by=definition.facilitator, payload=stage_payload()
        )


def test_superseding_a_proposal_closes_the_old_one(definition, people, propose):
    (marketer,) = people("marketing", 1)
    old = propose()
    services.vote_cast(proposal=old, voter=marketer, position="agree")

    new = propose(payload=stage_payload("Marketing Qualified Lead (revised)"), supersedes=old)

    old.refresh_from_db()
    assert old.status == Proposal.Status.SUPERSEDED
    assert old.closed_at is not None
    assert "Marketing Qualified Lead (revised)" in old.outcome
    assert new.supersedes == old
    assert new.status == Proposal.Status.OPEN
    with pytest.raises(ValidationError):
        services.vote_cast(proposal=old, voter=marketer, position="live_with")


def test_only_the_proposer_or_a_facilitator_supersedes_a_proposal(definition, propose, people):
    author, colleague = people("marketing", 2)
    (seller,) = people("sales", 1)
    old = propose(by=author)

    for outsider in (colleague, seller):
        with pytest.raises(PermissionDenied):
            propose(by=outsider, supersedes=old)
    old.refresh_from_db()
    assert old.status == Proposal.Status.OPEN
    assert Proposal.objects.count() == 1

    assert propose(by=author, supersedes=old).supersedes == old
    newer = Proposal.objects.get(supersedes=old)
    assert propose(by=definition.facilitator, supersedes=newer).supersedes == newer


def test_only_an_open_proposal_of_the_same_definition_can_be_superseded(
    definition, propose, pass_proposal
):
    from tests.definitions.factories import DefinitionFactory

    closed = pass_proposal(propose())
    elsewhere = propose(definition=DefinitionFactory())

    for target in (closed, elsewhere):
        with pytest.raises(ValidationError):
            propose(supersedes=target)

    assert Proposal.objects.filter(definition=definition).count() == 1


def test_only_a_facilitator_closes_a_vote_early(propose, people):
    (marketer,) = people("marketing", 1)
    proposal = propose()

    with pytest.raises(PermissionDenied):
        services.proposal_close(proposal=proposal, by=marketer)
    with pytest.raises(ValidationError, match="still open"):
        services.proposal_close(proposal=proposal)

    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.OPEN


def test_a_closed_vote_cannot_be_closed_again(definition, propose):
    proposal = services.proposal_close(proposal=propose(), by=definition.facilitator)

    assert proposal.status == Proposal.Status.FAILED
    with pytest.raises(ValidationError, match="already closed"):
        services.proposal_close(proposal=proposal, by=definition.facilitator)


def test_votes_whose_window_ended_are_closed_once_and_only_those(definition, people, propose):
    people("marketing", 1)
    people("sales", 1)
    soon = timezone.now() + timedelta(hours=1)
    due = propose(closes_at=soon)
    later = propose(closes_at=soon + timedelta(days=1))
    unbounded = propose()
    for voter in selectors.voters_eligible():
        services.vote_cast(proposal=due, voter=voter, position="agree")
    after_deadline = soon + timedelta(minutes=1)

    assert services.proposals_close_due(definition=definition, now=after_deadline) == 1
    assert services.proposals_close_due(definition=definition, now=after_deadline) == 0

    due.refresh_from_db()
    assert due.status == Proposal.Status.PASSED
    assert due.closed_at == after_deadline
    assert "at its deadline" in due.history.first().history_change_reason
    assert Proposal.objects.get(pk=later.pk).status == Proposal.Status.OPEN
    assert Proposal.objects.get(pk=unbounded.pk).status == Proposal.Status.OPEN


# --- votes -------------------------------------------------------------------------------


def test_a_person_has_one_current_vote_and_the_history_keeps_every_change(propose, people):
    (marketer,) = people("marketing", 1)
    proposal = propose()

    first = services.vote_cast(proposal=proposal, voter=marketer, position="agree")
    second = services.vote_cast(
        proposal=proposal, voter=marketer, position="disagree", comment="Too loose."
    )

    assert second.pk == first.pk
    vote = Vote.objects.get(proposal=proposal, voter=marketer)
    assert (vote.position, vote.comment, vote.department) == ("disagree", "Too loose.", "marketing")
    history = vote.history.order_by("history_date")
    assert [(h.position, h.history_change_reason) for h in history] == [
        ("agree", "Vote cast"),
        ("disagree", "Vote changed"),
    ]


@pytest.mark.parametrize("position", ["disagree", "block"])
@pytest.mark.parametrize("comment", ["", "   "])
def test_disagreeing_or_blocking_needs_a_comment(propose, people, position, comment):
    (seller,) = people("sales", 1)
    proposal = propose()

    with pytest.raises(ValidationError) as refused:
        services.vote_cast(proposal=proposal, voter=seller, position=position, comment=comment)

    assert "comment" in refused.value.message_dict
    assert written() == (0, 0)


def test_agreeing_needs_no_comment_and_a_comment_is_kept_trimmed(propose, people):
    (seller,) = people("sales", 1)

    vote = services.vote_cast(
        proposal=propose(), voter=seller, position="live_with", comment="  Fine by me. "
    )

    assert vote.comment == "Fine by me."


def test_an_unknown_position_is_refused(propose, people):
    (seller,) = people("sales", 1)

    with pytest.raises(ValidationError) as refused:
        services.vote_cast(proposal=propose(), voter=seller, position="maybe")

    assert "position" in refused.value.message_dict
    assert written() == (0, 0)


def test_the_database_refuses_an_objection_without_a_comment(propose, people):
    (seller,) = people("sales", 1)
    proposal = propose()

    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(proposal=proposal, voter=seller, department="sales", position="block")


def test_the_database_refuses_a_second_vote_by_the_same_person(propose, people):
    (seller,) = people("sales", 1)
    proposal = propose()
    Vote.objects.create(proposal=proposal, voter=seller, department="sales", position="agree")

    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(proposal=proposal, voter=seller, department="sales", position="agree")


def test_the_database_refuses_an_unknown_position(propose, people):
    (seller,) = people("sales", 1)

    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(proposal=propose(), voter=seller, department="sales", position="meh")


@pytest.mark.parametrize("how", ["passed", "failed", "withdrawn", "superseded", "past deadline"])
def test_a_vote_on_a_closed_proposal_is_refused_and_writes_nothing(
    definition, propose, people, how
):
    voter, other = people("sales", 2)
    proposal = propose(closes_at=timezone.now() + timedelta(hours=1))
    facilitator = definition.facilitator
    if how in ("passed", "failed"):
        if how == "passed":
            people("marketing", 1)
            for person in selectors.voters_eligible():
                services.vote_cast(proposal=proposal, voter=person, position="agree")
        services.proposal_close(proposal=proposal, by=facilitator)
    elif how == "withdrawn":
        services.proposal_withdraw(proposal=proposal, by=facilitator)
    elif how == "superseded":
        propose(supersedes=proposal)
    else:
        Proposal.objects.filter(pk=proposal.pk).update(closes_at=timezone.now())
    proposal.refresh_from_db()
    assert proposal.status == (how if how != "past deadline" else "open")
    before = written()

    with pytest.raises(ValidationError, match="closed"):
        services.vote_cast(proposal=proposal, voter=other, position="agree")
    with pytest.raises(ValidationError, match="closed"):
        services.vote_cast(proposal=proposal, voter=voter, position="block", comment="Late.")

    assert written() == before


def test_a_vote_cast_with_a_stale_copy_of_a_closed_proposal_is_refused(definition, propose, people):
    (seller,) = people("sales", 1)
    proposal = propose()
    services.proposal_close(
        proposal=Proposal.objects.get(pk=proposal.pk), by=definition.facilitator
    )

    assert proposal.status == Proposal.Status.OPEN  # the caller's copy is out of date
    with pytest.raises(ValidationError):
        services.vote_cast(proposal=proposal, voter=seller, position="agree")
    assert written() == (0, 0)


@pytest.mark.parametrize(
    ("department", "roles", "active"),
    [("other", [], True), ("other", ["Facilitator"], True), ("marketing", [], False)],
)
def test_a_vote_by_someone_not_eligible_is_refused_and_writes_nothing(
    propose, department, roles, active
):
    outsider = UserFactory(department=department, roles=roles, is_active=active)

    with pytest.raises(PermissionDenied):
        services.vote_cast(proposal=propose(), voter=outsider, position="agree")

    assert written() == (0, 0)


def test_an_executive_outside_marketing_and_sales_is_refused_a_vote_that_would_count_nowhere(
    definition, propose
):
    with pytest.raises(PermissionDenied, match="marketing or sales"):
        services.vote_cast(
            proposal=propose(), voter=definition.executive_sponsor, position="block", comment="No."
        )

    assert written() == (0, 0)


def test_an_executive_in_sales_votes_and_counts_in_sales(definition, propose):
    executive = UserFactory(department="sales", roles=["Executive"])
    proposal = propose()

    vote = services.vote_cast(proposal=proposal, voter=executive, position="agree")

    assert vote.department == "sales"
    verdict = selectors.proposal_verdict(proposal)
    assert next(t for t in verdict.tallies if t.department == "sales").agree == 1


def test_a_vote_counts_in_the_department_the_voter_is_in_when_voting(propose, people):
    (person,) = people("marketing", 1)
    proposal = propose()
    services.vote_cast(proposal=proposal, voter=person, position="agree")
    person.department = "sales"
    person.save()

    vote = services.vote_cast(proposal=proposal, voter=person, position="live_with")

    assert vote.department == "sales"


# --- the draft -----------------------------------------------------------------------------


def test_the_draft_is_the_last_version_plus_passed_proposals_in_the_order_they_passed(
    definition, propose, people
):
    people("marketing", 1)
    people("sales", 1)
    version_published(definition, content=BASE)
    first = propose(kind=Proposal.Kind.CHANGE_STAGE, target_key="mql", payload=stage_payload("A"))
    second = propose(kind=Proposal.Kind.CHANGE_STAGE, target_key="mql", payload=stage_payload("B"))
    for proposal in (first, second):
        for voter in selectors.voters_eligible():
            services.vote_cast(proposal=proposal, voter=voter, position="agree")
    now = timezone.now()
    # The one proposed last passes first: passing, not proposing, sets the order.
    services.proposal_close(proposal=second, by=definition.facilitator, now=now)
    services.proposal_close(
        proposal=first, by=definition.facilitator, now=now + timedelta(seconds=1)
    )

    content, applied, skipped = selectors.draft_build(definition)

    assert stage_names(content) == ["A"]
    assert applied == [second, first]
    assert skipped == []
    assert [c["key"] for c in content["stages"][0]["criteria"]] == ["asked"]


def test_proposals_that_did_not_pass_leave_the_draft_alone(definition, propose):
    version_published(definition, content=BASE)
    services.proposal_close(proposal=propose(), by=definition.facilitator)
    services.proposal_withdraw(proposal=propose(), by=definition.facilitator)
    propose()

    content, applied, skipped = selectors.draft_build(definition)

    assert content == selectors.version_content(selectors.version_latest(definition))
    assert stage_names(content) == ["MQL"]
    assert applied == skipped == []


def test_a_passed_proposal_that_no_longer_applies_is_reported_not_applied(
    definition, propose, pass_proposal
):
    version_published(definition, content=BASE)
    removal = propose(kind=Proposal.Kind.REMOVE_STAGE, target_key="mql")
    change = propose(kind=Proposal.Kind.CHANGE_STAGE, target_key="mql", payload=stage_payload("X"))
    pass_proposal(removal)
    pass_proposal(change)

    content, applied, skipped = selectors.draft_build(definition)

    assert content["stages"] == []
    assert applied == [removal]
    assert skipped == [(change, "that stage is not in the draft any more")]


def test_the_draft_of_a_new_definition_is_its_passed_proposals(definition, propose, pass_proposal):
    pass_proposal(propose(payload=stage_payload("Inquiry", "inquiry")))
    propose(payload=stage_payload("Still open"))

    content, _, _ = selectors.draft_build(definition)

    assert stage_names(content) == ["Inquiry"]


# --- approval and publication ----------------------------------------------------------------


def test_submit_send_back_resubmit_approve_publish_gives_versions_1_2_3(
    definition, propose, pass_proposal
):
    executive = definition.executive_sponsor
    numbers = []
    for name in ("Inquiry", "MQL", "SQL"):
        pass_proposal(propose(payload=stage_payload(name)))
        submission = submit(definition, f"Adds {name}")
        if name == "Inquiry":
            with pytest.raises(ValidationError) as refused:
                services.submission_send_back(submission=submission, by=executive, comment=" ")
            assert "comment" in refused.value.message_dict
            services.submission_send_back(
                submission=submission, by=executive, comment="Say who owns it."
            )
            submission.refresh_from_db()
            assert submission.status == Submission.Status.SENT_BACK
            assert submission.review_comment == "Say who owns it."
            submission = submit(definition, f"Adds {name}, owner named")
        version = approve_and_publish(submission)
        numbers.append(version.number)
        assert stage_names(selectors.version_content(version))[-1] == name

    assert numbers == [1, 2, 3]
    assert list(Version.objects.for_definition(definition).values_list("number", flat=True)) == [
        1,
        2,
        3,
    ]


def test_a_published_version_is_a_complete_snapshot_with_who_and_when(
    definition, propose, pass_proposal
):
    definition.ideal_customer_profile = "Software companies, 50 to 500 people."
    definition.save()
    stage = pass_proposal(propose(payload=stage_payload("MQL")))
    criterion = pass_proposal(
        propose(
            kind=Proposal.Kind.ADD_CRITERION,
            stage_key=stage.target_key,
            payload=criterion_payload(
                rule={"field": "company_size", "operator": "at_least", "value": "50"}
            ),
            check_draft=False,
        )
    )
    submission = submit(definition, "First version")
    version = approve_and_publish(submission)

    assert version.change_summary == "First version"
    assert version.submitted_by == definition.facilitator
    assert version.approved_by == version.published_by == definition.executive_sponsor
    assert version.approved_at is not None
    assert version.ideal_customer_profile == "Software companies, 50 to 500 people."
    assert set(version.proposals.all()) == {stage, criterion}
    (only_stage,) = selectors.version_content(version)["stages"]
    assert only_stage["name"] == "MQL"
    assert only_stage["criteria"][0]["rule"] == {
        "field": "company_size",
        "operator": "at_least",
        "value": 50,
    }
    submission.refresh_from_db()
    assert submission.status == Submission.Status.PUBLISHED
    with pytest.raises(ValidationError, match="Nothing has passed"):
        submit(definition)


def test_a_draft_is_frozen_when_submitted(definition, propose, pass_proposal):
    pass_proposal(propose(payload=stage_payload("Inquiry")))
    submission = submit(definition)
    pass_proposal(propose(payload=stage_payload("Passed while in review")))

    version = approve_and_publish(submission)

    assert stage_names(selectors.version_content(version)) == ["Inquiry"]
    assert stage_names(selectors.draft_build(definition)[0]) == [
        "Inquiry",
        "Passed while in review",
    ]


def test_submitting_closes_votes_whose_window_ended_first(definition, propose, people):
    people("marketing", 1)
    people("sales", 1)
    proposal = propose(closes_at=timezone.now() + timedelta(hours=1))
    for voter in selectors.voters_eligible():
        services.vote_cast(proposal=proposal, voter=voter, position="agree")
    Proposal.objects.filter(pk=proposal.pk).update(closes_at=timezone.now())

    submission = submit(definition)

    assert list(submission.proposals.all()) == [proposal]


def test_a_submission_needs_a_facilitator_a_summary_and_a_changed_draft(
    definition, propose, pass_proposal, people
):
    (marketer,) = people("marketing", 1)
    with pytest.raises(PermissionDenied):
        services.draft_submit(definition=definition, by=marketer, change_summary="Mine")
    with pytest.raises(ValidationError, match="Nothing has passed"):
        submit(definition)
    pass_proposal(propose())
    with pytest.raises(ValidationError) as refused:
        submit(definition, summary="  ")

    assert "change_summary" in refused.value.message_dict
    assert not Submission.objects.exists()


def test_a_draft_with_no_stages_cannot_be_submitted(definition, propose, pass_proposal):
    version_published(definition, content=BASE)
    pass_proposal(propose(kind=Proposal.Kind.REMOVE_STAGE, target_key="mql"))

    with pytest.raises(ValidationError, match="no stages"):
        submit(definition)


def test_only_one_draft_is_in_review_at_a_time(definition, propose, pass_proposal):
    pass_proposal(propose())
    submission = submit(definition)
    pass_proposal(propose(payload=stage_payload("Another")))

    with pytest.raises(ValidationError, match="already awaiting approval"):
        submit(definition)
    services.submission_approve(submission=submission, by=definition.executive_sponsor)
    with pytest.raises(ValidationError, match="already awaiting approval"):
        submit(definition)

    assert Submission.objects.count() == 1


def test_the_database_refuses_a_second_draft_in_review(definition, propose, pass_proposal):
    pass_proposal(propose())
    submission = submit(definition)

    with pytest.raises(IntegrityError), transaction.atomic():
        Submission.objects.create(
            definition=definition,
            content=submission.content,
            change_summary="Sneaked in",
            submitted_by=definition.facilitator,
        )


def test_the_database_refuses_a_draft_sent_back_without_a_comment(
    definition, propose, pass_proposal
):
    pass_proposal(propose())
    submission = submit(definition)

    with pytest.raises(IntegrityError), transaction.atomic():
        Submission.objects.filter(pk=submission.pk).update(
            status="sent_back", reviewed_by=definition.executive_sponsor
        )


def test_the_database_refuses_a_reviewed_draft_without_its_reviewer(
    definition, propose, pass_proposal
):
    pass_proposal(propose())
    submission = submit(definition)

    assert refused_by_the_database(
        Submission.objects.filter(pk=submission.pk), status=Submission.Status.APPROVED
    )


def test_publishing_a_draft_no_executive_approved_is_refused_and_writes_nothing(
    definition, propose, pass_proposal
):
    pass_proposal(propose())
    submission = submit(definition)

    with pytest.raises(ValidationError, match="approved"):
        services.version_publish(submission=submission, by=definition.executive_sponsor)
    services.submission_send_back(
        submission=submission, by=definition.executive_sponsor, comment="Not yet."
    )
    with pytest.raises(ValidationError, match="approved"):
        services.version_publish(submission=submission, by=definition.executive_sponsor)

    assert not Version.objects.exists()
    assert Proposal.objects.filter(published_in__isnull=False).count() == 0


def test_only_an_executive_approves_sends_back_and_publishes(
    definition, propose, pass_proposal, people
):
    (seller,) = people("sales", 1)
    pass_proposal(propose())
    submission = submit(definition)

    for who in (seller, definition.facilitator):
        with pytest.raises(PermissionDenied):
            services.submission_approve(submission=submission, by=who)
        with pytest.raises(PermissionDenied):
            services.submission_send_back(submission=submission, by=who, comment="No.")
    services.submission_approve(submission=submission, by=definition.executive_sponsor)
    for who in (seller, definition.facilitator):
        with pytest.raises(PermissionDenied):
            services.version_publish(submission=submission, by=who)

    assert not Version.objects.exists()


def test_a_reviewed_draft_cannot_be_reviewed_again(definition, propose, pass_proposal):
    executive = definition.executive_sponsor
    pass_proposal(propose())
    submission = services.submission_approve(submission=submit(definition), by=executive)

    with pytest.raises(ValidationError):
        services.submission_approve(submission=submission, by=executive)
    with pytest.raises(ValidationError):
        services.submission_send_back(submission=submission, by=executive, comment="Late.")
    services.version_publish(submission=submission, by=executive)
    with pytest.raises(ValidationError):
        services.version_publish(submission=submission, by=executive)

    assert Version.objects.count() == 1


def test_version_numbers_are_counted_per_definition(definition):
    from tests.definitions.factories import DefinitionFactory

    other = DefinitionFactory()
    version_published(definition)
    version_published(other)

    assert version_published(definition).number == 2
    assert version_published(other).number == 2


# --- reading versions and history ----------------------------------------------------------


def test_the_version_in_force_is_the_last_one_published_by_then(definition):
    before = timezone.now()
    first = version_published(definition, content=BASE)
    between = timezone.now()
    second = version_published(definition, content=BASE)

    assert selectors.version_in_force(definition, before - timedelta(seconds=1)) is None
    assert selectors.version_in_force(definition, between) == first
    assert selectors.version_in_force(definition, timezone.now()) == second
    assert selectors.version_in_force(definition, first.published_at) == first


def test_the_history_says_who_proposed_voted_and_reviewed(definition, propose, pass_proposal):
    proposal = pass_proposal(propose())
    services.submission_send_back(
        submission=submit(definition), by=definition.executive_sponsor, comment="Owner?"
    )

    entries = selectors.definition_history(definition)
    whats = {(entry["subject"], entry["what"]) for entry in entries}

    assert (f"Proposal “{proposal.title}”", "Proposed") in whats
    assert (f"Vote on “{proposal.title}”", "Vote cast") in whats
    assert ("Draft for approval", "Submitted for approval") in whats
    assert ("Draft for approval", "Sent back") in whats
    assert [e["when"] for e in entries] == sorted((e["when"] for e in entries), reverse=True)


# --- starting a definition -----------------------------------------------------------------


def test_a_definition_started_from_the_ladder_arrives_as_proposals(facilitator, executive):
    definition = services.definition_create(
        by=facilitator, name="Company", facilitator=facilitator, executive_sponsor=executive
    )

    proposals = Proposal.objects.for_definition(definition)
    criteria = sum(len(stage["criteria"]) for stage in STARTING_LADDER)
    assert proposals.count() == len(STARTING_LADDER) + criteria
    assert set(proposals.values_list("origin", flat=True)) == {Proposal.Origin.STARTING_LADDER}
    assert not Version.objects.exists()
    assert selectors.draft_build(definition)[0] == {"stages": []}


def test_version_1_of_the_ladder_is_agreed_like_every_later_one(
    facilitator, executive, pass_proposal
):
    definition = services.definition_create(
        by=facilitator, name="Company", facilitator=facilitator, executive_sponsor=executive
    )
    for proposal in Proposal.objects.for_definition(definition).order_by("pk"):
        pass_proposal(proposal)

    version = approve_and_publish(submit(definition, "The ladder"))

    content = selectors.version_content(version)
    assert version.number == 1
    assert [s["key"] for s in content["stages"]] == [s["key"] for s in STARTING_LADDER]
    assert [c["key"] for s in content["stages"] for c in s["criteria"]] == [
        c["key"] for s in STARTING_LADDER for c in s["criteria"]
    ]


def test_a_definition_can_start_empty_or_as_a_copy_of_another(facilitator, executive):
    source = services.definition_create(
        by=facilitator, name="Source", facilitator=facilitator, executive_sponsor=executive
    )
    version_published(source, content=BASE)

    empty = services.definition_create(
        by=facilitator,
        name="Empty",
        facilitator=facilitator,
        executive_sponsor=executive,
        start="empty",
    )
    copy = services.definition_create(
        by=facilitator,
        name="Copy",
        facilitator=facilitator,
        executive_sponsor=executive,
        start="copy",
        copy_from=source,
    )

    assert not empty.proposals.exists()
    assert [p.title for p in copy.proposals.order_by("pk")] == [
        "Add stage: MQL",
        "Add criterion: Asked for more information",
    ]


def test_starting_a_copy_needs_the_definition_to_copy_and_writes_nothing_without_it(
    facilitator, executive
):
    with pytest.raises(ValidationError) as refused:
        services.definition_create(
            by=facilitator,
            name="Copy",
            facilitator=facilitator,
            executive_sponsor=executive,
            start="copy",
        )

    assert "copy_from" in refused.value.message_dict
    assert not Definition.objects.exists()


def test_starting_a_definition_needs_a_facilitator_and_an_executive_sponsor(
    facilitator, executive, marketer
):
    with pytest.raises(PermissionDenied):
        services.definition_create(
            by=marketer, name="Mine", facilitator=facilitator, executive_sponsor=executive
        )
    with pytest.raises(ValidationError) as refused:
        services.definition_create(
            by=facilitator, name="Mine", facilitator=facilitator, executive_sponsor=marketer
        )

    assert "executive_sponsor" in refused.value.message_dict
    assert not Definition.objects.exists()


# --- the database's own checks -------------------------------------------------------------


def refused_by_the_database(queryset, **changes):
    with pytest.raises(IntegrityError), transaction.atomic():
        queryset.update(**changes)
    return True


def test_the_database_keeps_a_proposals_status_and_closing_time_together(definition, propose):
    proposal = Proposal.objects.filter(pk=propose().pk)

    assert refused_by_the_database(proposal, closed_at=timezone.now())
    assert refused_by_the_database(proposal, status=Proposal.Status.PASSED)


def test_the_database_publishes_only_passed_proposals(definition, propose):
    version = version_published(definition, content=BASE)
    services.proposal_close(proposal=propose(), by=definition.facilitator)  # fails: no votes

    assert refused_by_the_database(Proposal.objects.all(), published_in=version)


def test_the_database_refuses_a_criterion_proposal_without_its_stage(definition, propose):
    version_published(definition, content=BASE)
    proposal = propose(kind=Proposal.Kind.REMOVE_CRITERION, target_key="asked")

    assert refused_by_the_database(Proposal.objects.filter(pk=proposal.pk), stage_key="")


@pytest.mark.parametrize("field", ["quorum_percent", "threshold_percent"])
@pytest.mark.parametrize("value", [0, 101])
def test_the_database_keeps_consensus_percentages_between_1_and_100(
    definition, propose, field, value
):
    proposal = propose()

    assert refused_by_the_database(Definition.objects.filter(pk=definition.pk), **{field: value})
    assert refused_by_the_database(Proposal.objects.filter(pk=proposal.pk), **{field: value})


def test_the_scheduler_command_closes_the_votes_whose_window_ended(definition, propose):
    from io import StringIO

    from django.core.management import call_command

    due = propose(closes_at=timezone.now() + timedelta(hours=1))
    open_one = propose(closes_at=timezone.now() + timedelta(days=2))
    Proposal.objects.filter(pk=due.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    out = StringIO()
    call_command("proposals_close_due", stdout=out)
    assert out.getvalue() == "Closed 1 proposals.\n"
    due.refresh_from_db()
    open_one.refresh_from_db()
    assert due.status != Proposal.Status.OPEN
    assert open_one.status == Proposal.Status.OPEN


def test_a_vote_reads_no_row_twice_and_leaves_its_constraints_to_the_database(propose, people):
    """A vote changed costs the proposal's lock, the vote's row, its write and its history:
    no query checks again that the proposal and the voter exist, or runs a table constraint
    that the service has already checked and the database enforces."""
    (marketer,) = people("marketing", 1)
    proposal = propose()
    services.vote_cast(proposal=proposal, voter=marketer, position="agree")
    with CaptureQueriesContext(connection) as queries:
        services.vote_cast(proposal=proposal, voter=marketer, position="live_with")
    reads = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    assert not [sql for sql in reads if "_check" in sql or sql.startswith("SELECT 1 AS")], reads
    assert len(reads) == 2, reads  # the proposal, locked; the voter's vote
    # A vote already there is changed by an UPDATE, which no concurrent first vote can
    # conflict with: no savepoint around it (two round trips).
    sql = [q["sql"] for q in queries.captured_queries]
    update = next(i for i, s in enumerate(sql) if s.startswith('UPDATE "definitions_vote"'))
    assert not sql[update - 1].startswith("SAVEPOINT"), sql[update - 1]
