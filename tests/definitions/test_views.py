"""Definition pages: who may open and do what, htmx fragments, and query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from definitions import services
from definitions.models import Proposal, Submission, Version, Vote
from tests.accounts.factories import UserFactory
from tests.definitions.factories import DefinitionFactory, version_published
from tests.html import first_element, row_where
from tests.permissions import LOGIN, assert_matrix

pytestmark = pytest.mark.django_db


@pytest.fixture
def definition(facilitator, executive):
    definition = DefinitionFactory(facilitator=facilitator, executive_sponsor=executive)
    version_published(definition)
    return definition


@pytest.fixture
def proposal(definition, marketer):
    return services.proposal_create(
        definition=definition,
        by=marketer,
        kind=Proposal.Kind.ADD_CRITERION,
        stage_key="mql",
        payload={"statement": "Works in a served industry", "evidence": "verified"},
        rationale="Half the rejections were outside our industries.",
    )


def test_every_reading_page_needs_a_sign_in_and_is_open_to_every_role(
    definition, proposal, marketer, sales_rep, facilitator, executive
):
    pages = [
        reverse("definitions:list"),
        reverse("definitions:detail", args=[definition.pk]),
        reverse("definitions:proposals", args=[definition.pk]),
        proposal.get_absolute_url(),
        reverse("definitions:draft", args=[definition.pk]),
        reverse("definitions:versions", args=[definition.pk]),
        reverse("definitions:version", args=[definition.pk, 1]),
        reverse("definitions:latest", args=[definition.pk]),
        reverse("definitions:compare", args=[definition.pk]) + "?from=1&to=1",
        reverse("definitions:history", args=[definition.pk]),
    ]
    for url in pages:
        assert_matrix(
            url, {None: LOGIN, marketer: 200, sales_rep: 200, facilitator: 200, executive: 200}
        )


def test_what_does_not_exist_or_belongs_to_another_definition_is_a_404(
    client_as, definition, proposal, marketer
):
    other = DefinitionFactory()
    client = client_as(marketer)
    assert client.get(reverse("definitions:detail", args=[99999])).status_code == 404
    assert (
        client.get(reverse("definitions:proposal", args=[other.pk, proposal.pk])).status_code == 404
    )
    assert client.get(reverse("definitions:version", args=[definition.pk, 7])).status_code == 404
    assert client.get(reverse("definitions:latest", args=[other.pk])).status_code == 404


def test_a_person_outside_marketing_and_sales_cannot_propose(client_as, definition):
    outsider = UserFactory(department="other")
    response = client_as(outsider).post(
        reverse("definitions:proposal_create", args=[definition.pk, "add_stage"]),
        {"c-name": "Recycled", "c-level": "inquiry", "m-rationale": "Why not"},
    )
    assert response.status_code == 403
    assert "marketing or sales" in response.content.decode()
    assert not Proposal.objects.exists()


def test_a_member_proposes_a_criterion_with_a_rule_and_sees_it_open(
    client_as, definition, marketer
):
    response = client_as(marketer).post(
        reverse("definitions:proposal_create", args=[definition.pk, "add_criterion"]),
        {
            "c-stage_key": "sql",
            "c-statement": "Has a timeline within two quarters",
            "c-evidence": "stated",
            "c-weight": 1,
            "c-rule_field": "seniority",
            "c-rule_operator": "in",
            "c-rule_value": "vp, c_level",
            "m-rationale": "Deals without a timeline stall.",
        },
    )
    proposal = Proposal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == proposal.get_absolute_url()
    assert proposal.payload["rule"] == {
        "field": "seniority",
        "operator": "in",
        "value": ["vp", "c_level"],
    }
    page = client_as(marketer).get(proposal.get_absolute_url()).content.decode()
    assert "Seniority is one of VP, C-level." in page


def test_a_bad_rule_is_refused_with_a_message_naming_it(client_as, definition, marketer):
    response = client_as(marketer).post(
        reverse("definitions:proposal_create", args=[definition.pk, "add_criterion"]),
        {
            "c-stage_key": "sql",
            "c-statement": "Big enough",
            "c-evidence": "stated",
            "c-weight": 1,
            "c-rule_field": "company_size",
            "c-rule_operator": "at_least",
            "c-rule_value": "lots",
            "m-rationale": "Size matters.",
        },
    )
    assert response.status_code == 200
    assert "“lots” is not a number (company size (employees))." in response.content.decode()
    assert not Proposal.objects.exists()


def test_voting_over_htmx_returns_the_voting_fragment_with_the_new_tally(
    client_as, proposal, sales_rep
):
    response = client_as(sales_rep).post(
        reverse("definitions:vote", args=[proposal.definition_id, proposal.pk]),
        {"position": "live_with"},
        headers={"HX-Request": "true", "HX-Target": "voting"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="voting">')
    assert "<html" not in body
    assert "Your vote is recorded: Can live with it." in body
    assert Vote.objects.get().position == "live_with"


def test_a_block_without_a_comment_is_refused_naming_the_comment(client_as, proposal, sales_rep):
    response = client_as(sales_rep).post(
        reverse("definitions:vote", args=[proposal.definition_id, proposal.pk]),
        {"position": "block"},
        headers={"HX-Request": "true", "HX-Target": "voting"},
    )
    assert "Comment: Say why you disagree or block" in response.content.decode()
    assert not Vote.objects.exists()


def test_the_tally_poll_returns_only_the_tally(client_as, proposal, marketer):
    response = client_as(marketer).get(
        proposal.get_absolute_url(), headers={"HX-Request": "true", "HX-Target": "tally"}
    )
    body = response.content.decode()
    tag, attributes = first_element(body)
    assert (tag, attributes["id"]) == ("section", "tally")
    assert "Marketing: 0 of 1 voted" in body


def test_only_an_executive_approves_and_publishes(
    client_as, definition, proposal, facilitator, executive, marketer, sales_rep
):
    for voter in (marketer, sales_rep, executive):
        services.vote_cast(proposal=proposal, voter=voter, position="agree")
    services.proposal_close(proposal=proposal, by=facilitator)
    draft_url = reverse("definitions:draft", args=[definition.pk])
    assert client_as(marketer).post(draft_url, {"change_summary": "x"}).status_code == 403
    client_as(facilitator).post(draft_url, {"change_summary": "Adds industries."})
    submission = Submission.objects.get(status="submitted")

    def url(name):
        return reverse(f"definitions:{name}", args=[definition.pk, submission.pk])

    refused = client_as(facilitator).post(url("submission_approve"))
    assert refused.status_code == 403
    assert "Executive role" in refused.content.decode()
    assert client_as(facilitator).post(url("submission_publish")).status_code == 403

    sent_back = client_as(executive).post(url("submission_send_back"), {"comment": ""})
    assert "Say what must change" in sent_back.content.decode()
    submission.refresh_from_db()
    assert submission.status == "submitted"

    client_as(executive).post(url("submission_approve"))
    published = client_as(executive).post(url("submission_publish"))
    assert published["Location"] == reverse("definitions:version", args=[definition.pk, 2])
    assert list(Version.objects.values_list("number", flat=True)) == [1, 2]


def test_a_submission_page_takes_no_post_each_decision_has_its_own_url(
    client_as, definition, proposal, facilitator, executive, marketer, sales_rep
):
    for voter in (marketer, sales_rep, executive):
        services.vote_cast(proposal=proposal, voter=voter, position="agree")
    services.proposal_close(proposal=proposal, by=facilitator)
    submission = services.draft_submit(definition=definition, by=facilitator, change_summary="x")
    page = client_as(executive).get(submission.get_absolute_url())
    assert client_as(executive).post(submission.get_absolute_url()).status_code == 405
    for name in ("submission_approve", "submission_send_back"):
        assert reverse(f"definitions:{name}", args=[definition.pk, submission.pk]) in page.text
    assert (
        client_as(executive)
        .get(reverse("definitions:submission_approve", args=[definition.pk, submission.pk]))
        .status_code
        == 405
    )


def test_the_proposer_withdraws_and_a_facilitator_closes_each_at_its_own_url(
    client_as, definition, proposal, facilitator, marketer, sales_rep
):
    def url(name):
        return reverse(f"definitions:{name}", args=[definition.pk, proposal.pk])

    # A GET asks for confirmation and writes nothing (tests/definitions/test_approval_page.py).
    assert client_as(marketer).get(url("proposal_withdraw")).status_code == 200
    assert client_as(sales_rep).post(url("proposal_withdraw")).status_code == 403
    assert client_as(marketer).post(url("proposal_close")).status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.OPEN

    withdrawn = client_as(marketer).post(url("proposal_withdraw"), follow=True)
    assert "The proposal is withdrawn." in withdrawn.text
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.WITHDRAWN

    again = client_as(facilitator).post(url("proposal_close"), follow=True)
    assert "This vote is already closed." in again.text


def _queries(client, url) -> int:
    """A page's queries on a view after the first (which keeps a version just published)."""
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _grow(definition, people, proposals: int):
    """More stages, criteria, versions, proposals and votes."""
    for n in range(proposals):
        proposal = services.proposal_create(
            definition=definition,
            by=people[0],
            kind=Proposal.Kind.ADD_STAGE,
            payload={"name": f"Extra stage {n}", "level": "lead"},
            rationale="More",
        )
        for person in people:
            services.vote_cast(proposal=proposal, voter=person, position="agree")
    version_published(definition)


@pytest.mark.usefixtures("pages_drawn")
def test_the_definition_and_proposal_pages_do_not_grow_in_queries(
    client_as, definition, proposal, marketer, sales_rep, executive
):
    people = [marketer, sales_rep, executive]
    client = client_as(marketer)
    detail = reverse("definitions:detail", args=[definition.pk])
    before = (_queries(client, detail), _queries(client, proposal.get_absolute_url()))
    for person in people:
        services.vote_cast(proposal=proposal, voter=person, position="agree")
    _grow(definition, [*people, UserFactory(department="sales")], proposals=6)
    after = (_queries(client, detail), _queries(client, proposal.get_absolute_url()))
    assert after == before


@pytest.mark.usefixtures("pages_drawn")
def test_the_definition_page_reads_the_version_s_approver_with_the_version(
    client_as, definition, marketer
):
    """Its one read of people by id is the signed-in person's own."""
    version_published(definition)
    with CaptureQueriesContext(connection) as queries:
        response = client_as(marketer).get(reverse("definitions:detail", args=[definition.pk]))
    assert "approved by" in response.text
    reads = [
        q["sql"] for q in queries if 'FROM "accounts_user" WHERE "accounts_user"."id"' in q["sql"]
    ]
    assert len(reads) == 1, reads


def test_a_new_definition_starts_from_the_seeds_ladder_as_proposals(
    client_as, facilitator, executive
):
    response = client_as(facilitator).post(
        reverse("definitions:create"),
        {
            "name": "Company-wide",
            "scope": "company",
            "facilitator": facilitator.pk,
            "executive_sponsor": executive.pk,
            "quorum_percent": 60,
            "threshold_percent": 75,
            "start": "ladder",
        },
    )
    assert response.status_code == 302
    proposals = Proposal.objects.filter(origin="ladder")
    assert proposals.filter(kind="add_stage").count() == 5
    assert proposals.filter(kind="add_criterion").count() == 9  # the starting ladder's criteria
    assert not Version.objects.exists()  # version 1 is voted like every later one


def test_a_finding_opens_a_prefilled_proposal_that_links_back(client_as, definition, facilitator):
    url = reverse("definitions:proposal_create", args=[definition.pk, "add_criterion"])
    origin = {
        "origin": "feedback",
        "origin_label": "Unwritten reason: title below VP (31% of rejections)",
        "origin_url": "/feedback/numbers/?finding=reason-4",
    }
    page = (
        client_as(facilitator)
        .get(
            url,
            {
                "statement": "The contact is a VP or above",
                "rule_field": "seniority",
                "rule_operator": "at_least",
                "rule_value": "vp",
                "stage": "sal",
                "rationale": "Sales rejects below VP anyway.",
                **origin,
            },
        )
        .content.decode()
    )
    assert 'value="The contact is a VP or above"' in page
    assert 'value="/feedback/numbers/?finding=reason-4"' in page
    client_as(facilitator).post(
        url,
        {
            "c-stage_key": "sal",
            "c-statement": "The contact is a VP or above",
            "c-evidence": "verified",
            "c-weight": 1,
            "c-rule_field": "seniority",
            "c-rule_operator": "at_least",
            "c-rule_value": "vp",
            "m-rationale": "Sales rejects below VP anyway.",
            **origin,
        },
    )
    proposal = Proposal.objects.get()
    assert proposal.origin == "feedback"
    shown = client_as(facilitator).get(proposal.get_absolute_url()).content.decode()
    assert '<a href="/feedback/numbers/?finding=reason-4">Unwritten reason: title below VP' in shown


def test_an_origin_link_outside_accord_is_dropped(client_as, definition, facilitator):
    client_as(facilitator).post(
        reverse("definitions:proposal_create", args=[definition.pk, "add_stage"]),
        {
            "c-name": "Recycled",
            "c-level": "inquiry",
            "m-rationale": "x",
            "origin_label": "Evil",
            "origin_url": "javascript:alert(1)",
        },
    )
    assert Proposal.objects.get().origin_url == ""


def test_only_a_facilitator_changes_the_rule_and_open_votes_keep_theirs(
    client_as, definition, proposal, facilitator, marketer
):
    url = reverse("definitions:rule", args=[definition.pk])
    assert_matrix(url, {None: LOGIN, marketer: 403, facilitator: 200})
    bad = client_as(facilitator).post(url, {"quorum_percent": 0, "threshold_percent": 75})
    assert "Quorum (%)" in bad.content.decode()
    client_as(facilitator).post(url, {"quorum_percent": 80, "threshold_percent": 90})
    definition.refresh_from_db()
    proposal.refresh_from_db()
    assert (definition.quorum_percent, definition.threshold_percent) == (80, 90)
    assert (proposal.quorum_percent, proposal.threshold_percent) == (60, 75)


@pytest.mark.parametrize(
    "url", ["/\\evil.example", "/\t/evil.example", "//evil.example", "https://evil.example/"]
)
def test_an_origin_that_a_browser_would_read_as_another_site_is_dropped(
    client_as, definition, facilitator, url
):
    client_as(facilitator).post(
        reverse("definitions:proposal_create", args=[definition.pk, "add_stage"]),
        {
            "c-name": "Recycled",
            "c-level": "inquiry",
            "m-rationale": "x",
            "origin": "meeting",
            "origin_label": "Meeting minutes",
            "origin_url": url,
        },
    )
    proposal = Proposal.objects.get()
    assert (proposal.origin, proposal.origin_url, proposal.origin_label) == ("typed", "", "")


def test_a_posted_form_cannot_claim_the_starting_ladder_as_its_origin(
    client_as, definition, facilitator
):
    client_as(facilitator).post(
        reverse("definitions:proposal_create", args=[definition.pk, "add_stage"]),
        {
            "c-name": "Recycled",
            "c-level": "inquiry",
            "m-rationale": "x",
            "origin": "ladder",
            "origin_label": "The seeds",
            "origin_url": "/definitions/",
        },
    )
    assert Proposal.objects.get().origin == "typed"


def test_a_supersedes_that_is_not_a_number_is_a_404(client_as, definition, marketer):
    url = reverse("definitions:proposal_create", args=[definition.pk, "add_criterion"])
    assert client_as(marketer).get(url, {"supersedes": "abc"}).status_code == 404


def test_the_proposal_form_refuses_people_who_may_not_propose(client_as, definition):
    outsider = UserFactory(department="other")
    url = reverse("definitions:proposal_create", args=[definition.pk, "add_criterion"])
    response = client_as(outsider).get(url)
    assert response.status_code == 403
    assert "marketing or sales" in response.content.decode()


def test_the_definition_page_shows_the_approved_profile_not_a_later_edit(
    client_as, definition, marketer
):
    definition.ideal_customer_profile = "Edited after publication."
    definition.save()
    page = client_as(marketer).get(reverse("definitions:detail", args=[definition.pk]))
    assert "Edited after publication." not in page.content.decode()


def _closed_while_the_form_was_open(proposal, facilitator):
    services.proposal_close(proposal=proposal, by=facilitator)


def test_a_vote_sent_after_the_vote_closed_says_so_on_the_page(
    client_as, proposal, sales_rep, facilitator
):
    _closed_while_the_form_was_open(proposal, facilitator)
    client = client_as(sales_rep)

    response = client.post(
        reverse("definitions:vote", args=[proposal.definition_id, proposal.pk]),
        {"position": "agree"},
        follow=True,
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "This vote closed before your vote arrived, so it was not counted." in body
    assert "Your vote is recorded" not in body
    assert not Vote.objects.exists()


def test_a_vote_sent_over_htmx_after_the_vote_closed_says_so_where_the_form_was(
    client_as, proposal, sales_rep, facilitator
):
    _closed_while_the_form_was_open(proposal, facilitator)

    response = client_as(sales_rep).post(
        reverse("definitions:vote", args=[proposal.definition_id, proposal.pk]),
        {"position": "agree"},
        headers={"HX-Request": "true", "HX-Target": "voting"},
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="voting">')
    assert 'role="alert"' in body
    assert "This vote closed before your vote arrived, so it was not counted." in body
    assert not Vote.objects.exists()


def test_a_recorded_vote_says_which_department_it_counts_in(client_as, proposal, sales_rep):
    response = client_as(sales_rep).post(
        reverse("definitions:vote", args=[proposal.definition_id, proposal.pk]),
        {"position": "agree"},
        follow=True,
    )

    assert "Your vote is recorded; it counts in Sales." in response.content.decode()


def test_an_executive_outside_marketing_and_sales_gets_no_vote_form_nor_recorded(
    client_as, proposal
):
    executive = UserFactory(department="other", roles=["Executive"])
    client = client_as(executive)

    page = client.get(proposal.get_absolute_url()).content.decode()
    response = client.post(
        reverse("definitions:vote", args=[proposal.definition_id, proposal.pk]),
        {"position": "block", "comment": "No."},
    )

    assert "data-cannot-vote" in page
    assert "ask an admin to set your department" in page
    assert response.status_code == 403
    assert "recorded" not in response.content.decode()
    assert not Vote.objects.exists()


def test_a_closed_vote_shows_the_tally_it_closed_with_after_people_move(
    client_as, proposal, marketer, sales_rep, facilitator
):
    services.vote_cast(proposal=proposal, voter=sales_rep, position="agree")
    services.proposal_close(proposal=proposal, by=facilitator)
    sales_rep.department = "marketing"
    sales_rep.save()
    UserFactory.create_batch(3, department="sales")

    body = client_as(marketer).get(proposal.get_absolute_url()).content.decode()

    # Sales had the seller and the executive then; now it has three others and neither.
    assert row_where(body, data_department="sales")[:4] == ["Sales", "2", "1", "1"]
    assert "verdict--no" in body


@pytest.mark.usefixtures("pages_drawn")
def test_a_vote_over_htmx_reads_the_people_who_vote_once(client_as, proposal, sales_rep, marketer):
    """The tally and the "not voted yet" list come from one read of the people who vote, and
    the answer still names who has not voted."""
    client = client_as(sales_rep)
    url = reverse("definitions:vote", args=[proposal.definition_id, proposal.pk])
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            url, {"position": "agree"}, headers={"HX-Request": "true", "HX-Target": "voting"}
        )
    assert response.status_code == 200
    people = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT")
        and 'FROM "accounts_user" WHERE' in q["sql"]
        and '"accounts_user"."department" IN' in q["sql"]
    ]
    assert len(people) == 1, people
    body = response.content.decode()
    assert "Not voted yet" in body and marketer.full_name in body
