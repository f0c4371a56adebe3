"""The approval page and the confirmations of the definitions' irreversible actions: a GET
asks (and writes nothing), the POST acts."""

import pytest
from django.urls import reverse

from definitions import services
from definitions.content import content_diff, content_empty
from definitions.models import Proposal, Submission, Version
from tests.definitions.conftest import criterion_payload
from tests.definitions.factories import version_published

pytestmark = pytest.mark.django_db


def _args(proposal):
    return [proposal.definition_id, proposal.pk]


def test_withdrawing_asks_first_then_withdraws(client_as, definition, propose):
    proposal = propose()
    client = client_as(definition.facilitator)
    url = reverse("definitions:proposal_withdraw", args=_args(proposal))
    asked = client.get(url)
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.OPEN
    assert f"Withdraw “{proposal.title}”?" in asked.text and "cannot be reopened" in asked.text
    client.post(url)
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.WITHDRAWN


def test_closing_a_vote_asks_first_saying_the_result_it_would_close_with(
    client_as, definition, propose, people
):
    people("marketing", 1)
    proposal = propose()
    client = client_as(definition.facilitator)
    url = reverse("definitions:proposal_close", args=_args(proposal))
    asked = client.get(url)
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.OPEN
    assert "It closes with the votes cast so far: Does not pass." in asked.text


def test_only_a_facilitator_is_asked_to_close_a_vote(client_as, definition, propose, people):
    marketer = people("marketing", 1)[0]
    proposal = propose()
    url = reverse("definitions:proposal_close", args=_args(proposal))
    assert client_as(marketer).get(url).status_code == 403


def _submitted(definition, propose, pass_proposal):
    version_published(definition)
    pass_proposal(
        propose(
            kind=Proposal.Kind.ADD_CRITERION,
            stage_key="mql",
            payload=criterion_payload("Has a budget", guidance="Named by the buyer"),
        )
    )
    return services.draft_submit(
        definition=definition, by=definition.facilitator, change_summary="Adds a budget."
    )


def test_publishing_asks_first_naming_the_version_and_the_e_mail(
    client_as, definition, propose, pass_proposal
):
    submission = _submitted(definition, propose, pass_proposal)
    services.submission_approve(submission=submission, by=definition.executive_sponsor, comment="")
    url = reverse("definitions:submission_publish", args=[definition.pk, submission.pk])
    asked = client_as(definition.executive_sponsor).get(url)
    assert "The draft becomes version 2" in asked.text and "An e-mail announces it" in asked.text
    submission.refresh_from_db()
    assert submission.status == Submission.Status.APPROVED
    assert not Version.objects.filter(definition=definition, number=2).exists()


def test_the_approval_page_warns_when_a_proposal_passed_after_the_summary(
    client_as, definition, propose, pass_proposal
):
    submission = _submitted(definition, propose, pass_proposal)
    page = client_as(definition.executive_sponsor).get(submission.get_absolute_url()).text
    assert "data-stale-summary" not in page
    later = pass_proposal(propose(payload={"name": "Customer", "level": "customer"}))
    page = client_as(definition.executive_sponsor).get(submission.get_absolute_url()).text
    assert "The draft changed after this summary was written" in page
    assert later.title in page.split("data-stale-summary")[1].split("</div>")[0]


def test_the_approval_page_shows_each_carried_proposals_tally_per_department(
    client_as, definition, propose, pass_proposal
):
    submission = _submitted(definition, propose, pass_proposal)
    page = client_as(definition.executive_sponsor).get(submission.get_absolute_url()).text
    carried = page.split('id="carried-title"')[1]
    assert "<strong>Marketing</strong>: 1 of 1 voted · 1 agree" in carried
    assert "<strong>Sales</strong>: 1 of 1 voted · 1 agree" in carried


def test_an_added_criterion_lists_what_it_says_not_only_its_title():
    new = {
        "stages": [
            {
                "key": "mql",
                "level": "lead",
                "name": "MQL",
                "meaning": "",
                "owner": "",
                "routing": "",
                "follow_up": "",
                "criteria": [
                    {
                        "key": "budget",
                        "statement": "Has a budget",
                        "guidance": "Named by the buyer",
                        "evidence": "stated",
                        "rule": None,
                        "weight": None,
                    }
                ],
            }
        ]
    }
    (stage,) = content_diff(content_empty(), new)
    (criterion,) = stage.criteria
    assert criterion.change == "added"
    fields = {f.label: "".join(text for _, text in f.parts) for f in criterion.fields}
    assert fields["Guidance"] == "Named by the buyer"
    assert "Evidence standard" in fields and fields["Evidence standard"] != "stated"
