"""From a meeting's answers to a proposal: a box beside each answer for the meeting's own
facilitator, one bar that proposes from the ticked ones, the new proposal's page quoting
them; refused to anyone else and once the meeting is closed."""

from html.parser import HTMLParser

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from definitions import services as definition_services
from definitions.models import Proposal
from meetings import services
from tests.accounts.factories import UserFactory
from tests.permissions import assert_matrix

pytestmark = pytest.mark.django_db


class AnswerBoxes(HTMLParser):
    """Each answer on the page with the box inside it (if any) and that box's label; the bar
    that submits them; the order of the answers a proposal form lists."""

    def __init__(self):
        super().__init__()
        self.answers: dict[str, dict] = {}
        self.labels: dict[str, str] = {}
        self.bar = {"count": "", "buttons": []}
        self.listed: list[str] = []
        self._answer = self._label = self._in = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "article" and "data-answer" in attributes:
            self._answer = attributes["data-answer"]
            self.answers[self._answer] = {"box": None}
        elif tag == "input" and attributes.get("name") == "answers":
            if self._answer:
                self.answers[self._answer]["box"] = attributes
            self.listed.append(attributes["value"])
        elif tag == "label" and attributes.get("for"):
            self._label = attributes["for"]
        elif "data-pick-bar" in attributes:
            self._in = "bar"
            self.bar["form"] = attributes
        elif "data-pick-count" in attributes:
            self._in = "count"
        elif tag == "button" and self._in == "bar":
            self._in = "button"
            self.bar["buttons"].append("")

    def handle_endtag(self, tag):
        if tag == "article":
            self._answer = None
        elif tag == "label":
            self._label = None
        elif (tag == "p" and self._in == "count") or (tag == "button" and self._in == "button"):
            self._in = "bar"
        elif tag == "form" and self._in == "bar":
            self._in = None

    def handle_data(self, data):
        if self._label:
            self.labels[self._label] = self.labels.get(self._label, "") + data
        if self._in == "count":
            self.bar["count"] += data
        elif self._in == "button":
            self.bar["buttons"][-1] += data.strip()


def parsed(html: str) -> AnswerBoxes:
    parser = AnswerBoxes()
    parser.feed(html)
    return parser


def url(name, meeting, *args):
    return reverse(f"meetings:{name}", args=[meeting.pk, *args])


@pytest.fixture
def answers(meeting, marketer, sales_rep):
    first, second = meeting.questions.all()[:2]
    return [
        services.answer_save(question=first, person=marketer, text="Asked for a demo"),
        services.answer_save(question=first, person=sales_rep, text="Has a budget\nthis year"),
        services.answer_save(question=second, person=sales_rep, text="A director signs"),
    ]


def proposal_post(answers, **fields) -> dict:
    return {
        "answers": [answer.pk for answer in answers],
        "stage_key": "mql",
        "statement": "Has a budget for this year",
        "evidence": "stated",
        "weight": 1,
        "rationale": "Sales and marketing both said so",
        **fields,
    }


def test_the_facilitator_gets_a_labelled_box_beside_each_answer_and_one_bar(
    client_as, meeting, facilitator, answers, sales_rep
):
    page = parsed(client_as(facilitator).get(url("answers", meeting)).text)
    assert set(page.answers) == {str(answer.pk) for answer in answers}
    for answer in answers:
        box = page.answers[str(answer.pk)]["box"]
        assert box["type"] == "checkbox" and box["value"] == str(answer.pk)
        assert box["form"] == page.bar["form"]["id"]
        question = list(meeting.questions.all()).index(answer.question) + 1
        assert page.labels[box["id"]] == (
            f"{answer.person.full_name}: answer to question {question}"
        )
    form = page.bar["form"]
    assert (form["method"], form["action"]) == ("get", url("propose", meeting))
    assert page.bar["buttons"] == ["Propose a criterion from the ticked answers"]
    assert page.bar["count"].strip() == "Tick the answers above, then"


@pytest.mark.parametrize("who", ["marketer", "sales_rep", "other_facilitator"])
def test_nobody_else_gets_boxes_or_the_bar(client_as, meeting, answers, who, request):
    if who == "other_facilitator":
        person = UserFactory(department="other", roles=["Facilitator"])
    else:
        person = request.getfixturevalue(who)
    page = parsed(client_as(person).get(url("answers", meeting)).text)
    assert set(page.answers) == {str(answer.pk) for answer in answers}
    assert all(entry["box"] is None for entry in page.answers.values())
    assert page.bar == {"count": "", "buttons": []}


def test_the_ticked_answers_come_first_in_the_proposal_form_already_ticked(
    client_as, meeting, facilitator, answers
):
    ticked = answers[2]
    page = client_as(facilitator).get(url("propose", meeting), {"answers": [ticked.pk]}).text
    form = parsed(page)
    assert form.listed[0] == str(ticked.pk)
    assert sorted(form.listed) == sorted(str(answer.pk) for answer in answers)
    assert 'value="A director signs"' in page


def test_proposing_lands_on_the_new_proposal_which_quotes_and_links_its_answers(
    client_as, meeting, facilitator, answers, marketer
):
    client = client_as(facilitator)
    response = client.post(url("propose", meeting), proposal_post(answers[:2]))
    proposal = Proposal.objects.get(origin=Proposal.Origin.MEETING)
    assert response.status_code == 302
    assert response["Location"] == proposal.get_absolute_url()
    page = client.get(response["Location"]).text
    assert "Proposed “Add criterion: Has a budget for this year” from 2 answers" in page
    quoted = page.split("data-source-answers", 1)[1].split("</section>", 1)[0]
    assert "Asked for a demo" in quoted and "Has a budget<br>this year" in quoted
    assert "A director signs" not in quoted
    assert f"{marketer.full_name} (Marketing), on “{answers[0].question.text}”" in quoted
    for answer in answers[:2]:
        assert f'href="{url("answers", meeting)}#answer-{answer.pk}"' in quoted
    # The answers page links back, and each answer has the anchor the link names.
    answers_page = client.get(url("answers", meeting)).text
    assert f'id="answer-{answers[0].pk}"' in answers_page
    assert proposal.get_absolute_url() in answers_page


def test_someone_not_invited_reads_the_proposal_without_the_answers_text(
    client_as, meeting, facilitator, answers
):
    services.proposal_from_answers(
        meeting=meeting,
        by=facilitator,
        answers=answers[:2],
        stage_key="mql",
        statement="Has a budget",
        origin_url=url("answers", meeting),
    )
    proposal = Proposal.objects.get()
    outsider = UserFactory(department="sales", full_name="Oscar Outsider")
    page = client_as(outsider).get(proposal.get_absolute_url()).text
    quoted = page.split("data-source-answers", 1)[1].split("</section>", 1)[0]
    assert "Asked for a demo" not in quoted
    assert "2" in quoted.split("data-source-hidden", 1)[1]
    assert "answers from a meeting you are not invited to" in " ".join(quoted.split())


def test_a_proposal_typed_in_shows_no_answers(client_as, meeting, facilitator):
    proposal = definition_services.proposal_create(
        definition=meeting.definition,
        by=facilitator,
        kind=Proposal.Kind.ADD_CRITERION,
        stage_key="mql",
        payload={"statement": "Typed in", "evidence": "stated"},
    )
    assert "data-source-answers" not in client_as(facilitator).get(proposal.get_absolute_url()).text


def test_a_sales_rep_cannot_propose_from_the_answers(meeting, sales_rep, answers):
    assert_matrix(url("propose", meeting), {sales_rep: 403})
    assert_matrix(
        url("propose", meeting), {sales_rep: 403}, method="post", data=proposal_post(answers)
    )
    assert not Proposal.objects.exists()


def test_a_closed_meeting_refuses_proposals_from_its_answers(
    client_as, meeting, facilitator, answers
):
    services.meeting_close(meeting=meeting, by=facilitator)
    client = client_as(facilitator)
    page = client.get(url("answers", meeting)).text
    assert all(entry["box"] is None for entry in parsed(page).answers.values())
    assert "data-closed-for-proposals" in page
    assert "its answers can no longer become proposals" in page
    form_page = client.get(url("propose", meeting), {"answers": [answers[0].pk]}).text
    assert "its answers can no longer become proposals" in form_page
    assert 'name="statement"' not in form_page
    response = client.post(url("propose", meeting), proposal_post(answers))
    assert response.status_code == 400
    assert "its answers can no longer become proposals" in response.text
    assert not Proposal.objects.exists()


def test_the_service_refuses_a_closed_meeting(meeting, facilitator, answers):
    services.meeting_close(meeting=meeting, by=facilitator)
    with pytest.raises(ValidationError, match="can no longer become proposals"):
        services.proposal_from_answers(
            meeting=meeting,
            by=facilitator,
            answers=answers,
            stage_key="mql",
            statement="Too late",
            origin_url="/",
        )
    assert not Proposal.objects.exists()


@pytest.mark.usefixtures("pages_drawn")
def test_the_proposal_page_does_not_grow_in_queries_with_its_answers(
    client_as, meeting, facilitator, answers, marketer, sales_rep, executive
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(proposal) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(proposal.get_absolute_url()).status_code == 200
        return len(captured)

    def proposed(chosen, statement):
        return services.proposal_from_answers(
            meeting=meeting,
            by=facilitator,
            answers=chosen,
            stage_key="mql",
            statement=statement,
            origin_url=url("answers", meeting),
        )

    client = client_as(facilitator)
    one = proposed(answers[:1], "From one answer")
    more = [
        *answers,
        *(
            services.answer_save(question=question, person=executive, text=question.text)
            for question in meeting.questions.all()
        ),
    ]
    many = proposed(more, "From many answers")
    assert queries(one) == queries(many)
