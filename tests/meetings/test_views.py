"""Meeting pages: who may open what, and what bad input looks like."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from definitions.models import Proposal, Vote
from meetings import services
from meetings.models import ActionItem, Answer, Confirmation, Meeting
from tests.accounts.factories import UserFactory
from tests.html import first_element
from tests.meetings.factories import meeting_scheduled
from tests.permissions import LOGIN, assert_matrix

pytestmark = pytest.mark.django_db


@pytest.fixture
def outsider(db):
    return UserFactory(department="sales", full_name="Oscar Outsider")


@pytest.fixture
def other_facilitator(db):
    return UserFactory(department="other", roles=["Facilitator"], full_name="Otto Other")


def url(name, meeting, *args):
    return reverse(f"meetings:{name}", args=[meeting.pk, *args])


@pytest.mark.parametrize("name", ["detail", "answers", "calendar"])
def test_meeting_pages_are_for_invited_people_and_facilitators(
    name, meeting, marketer, facilitator, other_facilitator, outsider
):
    assert_matrix(
        url(name, meeting),
        {None: LOGIN, outsider: 404, marketer: 200, facilitator: 200, other_facilitator: 200},
    )


def test_the_answer_form_is_for_invited_people(meeting, marketer, other_facilitator, outsider):
    assert_matrix(
        url("answer", meeting),
        {None: LOGIN, outsider: 404, other_facilitator: 403, marketer: 200},
    )


@pytest.mark.parametrize("name", ["minutes", "summary", "propose"])
def test_facilitator_pages_need_the_role_and_the_meeting(
    name, meeting, marketer, facilitator, other_facilitator, outsider
):
    expectations = {None: LOGIN, marketer: 403, outsider: 403, facilitator: 200}
    assert_matrix(url(name, meeting), expectations)


def test_another_facilitator_cannot_edit_this_meetings_minutes(meeting, other_facilitator):
    assert_matrix(
        url("minutes", meeting), {other_facilitator: 403}, method="post", data={"text": "x"}
    )
    assert_matrix(url("propose", meeting), {other_facilitator: 403})


def test_scheduling_needs_the_facilitator_role(marketer, facilitator):
    assert_matrix(reverse("meetings:schedule"), {None: LOGIN, marketer: 403, facilitator: 200})


def test_the_list_shows_only_my_meetings(client_as, meeting, marketer, outsider):
    assert meeting.title in client_as(marketer).get(reverse("meetings:list")).text
    assert meeting.title not in client_as(outsider).get(reverse("meetings:list")).text


def test_scheduling_a_meeting_without_sales_warns(client_as, facilitator, marketer, meeting):
    response = client_as(facilitator).post(
        reverse("meetings:schedule"),
        {
            "definition": meeting.definition.pk,
            "kind": "kickoff",
            "title": "Marketing only",
            "starts_at": "2030-01-10T10:00",
            "duration_minutes": 45,
            "invitees": [marketer.pk],
        },
        follow=True,
    )
    created = Meeting.objects.get(title="Marketing only")
    assert response.redirect_chain[-1][0] == created.get_absolute_url()
    assert "Nobody from sales is invited" in response.text
    assert "No executive is invited" in response.text


def test_bad_schedule_input_names_the_field(client_as, facilitator, meeting):
    response = client_as(facilitator).post(
        reverse("meetings:schedule"),
        {
            "definition": meeting.definition.pk,
            "kind": "kickoff",
            "title": "",
            "starts_at": "soon",
            "duration_minutes": 1,
            "call_link": "javascript:alert(1)",
        },
    )
    assert response.status_code == 400
    for label in ("Title", "Starts at", "Length (minutes)", "Call link"):
        assert f"{label}: " in response.text
    assert not Meeting.objects.filter(title="").exists()


def test_answering_through_the_form(client_as, meeting, marketer):
    question = meeting.questions.first()
    response = client_as(marketer).post(
        url("answer", meeting), {f"question_{question.pk}": "A VP with a budget"}
    )
    assert response.status_code == 302
    assert Answer.objects.get(person=marketer).text == "A VP with a budget"


def test_answering_a_closed_meeting_shows_the_reason(client_as, meeting, facilitator, marketer):
    services.meeting_close(meeting=meeting, by=facilitator)
    question = meeting.questions.first()
    response = client_as(marketer).post(url("answer", meeting), {f"question_{question.pk}": "Hi"})
    assert response.status_code == 400
    assert "This meeting is closed" in response.text


def test_the_participation_board_names_who_is_missing(client_as, meeting, marketer, sales_rep):
    for question in meeting.questions.all():
        services.answer_save(question=question, person=marketer, text="Yes")
    response = client_as(marketer).get(
        url("detail", meeting), headers={"HX-Request": "true", "HX-Target": "participation"}
    )
    assert response.status_code == 200
    tag, attributes = first_element(response.text)
    assert (tag, attributes["id"]) == ("section", "participation")
    assert "<h1" not in response.text
    missing = response.text.split("data-missing")[1]
    assert sales_rep.full_name in missing
    assert marketer.full_name not in missing


def test_the_facilitator_turns_answers_into_a_prefilled_proposal(
    client_as, meeting, facilitator, marketer
):
    answer = services.answer_save(
        question=meeting.questions.first(), person=marketer, text="Asked for a demo\nand more"
    )
    client = client_as(facilitator)
    page = client.get(url("propose", meeting), {"answers": [answer.pk]})
    assert 'value="Asked for a demo"' in page.text
    assert '<option value="mql" selected>' in page.text
    assert marketer.full_name in page.text
    response = client.post(
        url("propose", meeting),
        {
            "answers": [answer.pk],
            "stage_key": "mql",
            "statement": "Asked for a demo",
            "evidence": "stated",
            "weight": 2,
            "rationale": "Marketing said so",
        },
    )
    assert response.status_code == 302
    proposal = Proposal.objects.get(origin=Proposal.Origin.MEETING)
    assert proposal.origin_url == url("answers", meeting)
    assert list(answer.proposals.all()) == [proposal]
    answers_page = client.get(url("answers", meeting))
    assert proposal.title in answers_page.text


def test_a_proposal_with_a_bad_weight_names_the_field(client_as, meeting, facilitator, marketer):
    answer = services.answer_save(question=meeting.questions.first(), person=marketer, text="x")
    response = client_as(facilitator).post(
        url("propose", meeting),
        {
            "answers": [answer.pk],
            "stage_key": "mql",
            "statement": "x",
            "evidence": "stated",
            "weight": 99,
        },
    )
    assert response.status_code == 400
    assert "Weight: " in response.text


def test_a_concern_without_comment_is_refused_naming_the_field(
    client_as, meeting, facilitator, marketer
):
    services.summary_publish(meeting=meeting, by=facilitator, text="We agreed")
    response = client_as(marketer).post(url("confirm", meeting), {"position": "concern"})
    assert response.status_code == 400
    assert "Comment: Say what your concern is" in response.text
    assert not Confirmation.objects.exists()


def test_confirm_and_concern_show_on_the_page(client_as, meeting, facilitator, marketer, sales_rep):
    services.summary_publish(meeting=meeting, by=facilitator, text="We agreed")
    client_as(marketer).post(url("confirm", meeting), {"position": "confirm"})
    client_as(sales_rep).post(
        url("confirm", meeting), {"position": "concern", "comment": "Budget is missing"}
    )
    page = client_as(facilitator).get(url("detail", meeting)).text
    assert "Budget is missing" in page
    assert page.count('data-confirmation="confirm"') == 1
    assert page.count('data-confirmation="concern"') == 1


def test_closing_and_reopening_from_the_page(client_as, meeting, facilitator, marketer):
    client = client_as(facilitator)
    client.post(url("close", meeting))
    meeting.refresh_from_db()
    assert meeting.is_closed
    assert client_as(marketer).post(url("reopen", meeting)).status_code == 403
    client.post(url("reopen", meeting))
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.IN_PROGRESS


def test_the_calendar_file_describes_the_meeting(client_as, meeting, marketer):
    response = client_as(marketer).get(url("calendar", meeting))
    assert response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert "BEGIN:VEVENT" in body
    assert f"UID:meeting-{meeting.pk}@accord" in body
    assert meeting.starts_at.strftime("DTSTART:%Y%m%dT") in body.replace("\r\n ", "")
    assert marketer.email in body.replace("\r\n ", "")
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))


def test_the_next_review_is_scheduled_in_one_step(client_as, meeting, facilitator):
    response = client_as(facilitator).post(url("next_review", meeting))
    review = Meeting.objects.get(kind=Meeting.Kind.REVIEW)
    assert response["Location"] == review.get_absolute_url()


def test_a_reminder_is_sent_from_the_page(
    client_as, meeting, facilitator, marketer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(facilitator).post(url("remind", meeting), follow=True)
    assert "Reminder on its way to" in response.text
    assert len(mail.outbox) == 3
    assert url("answer", meeting) in mail.outbox[0].body


def test_the_owner_ticks_an_action_item(client_as, meeting, facilitator, marketer, sales_rep):

    item = services.action_item_add(
        meeting=meeting, by=facilitator, text="Send ICP", owner=marketer, due=timezone.localdate()
    )
    assert client_as(sales_rep).post(url("action_mark", meeting, item.pk)).status_code == 403
    client_as(marketer).post(url("action_mark", meeting, item.pk))
    assert ActionItem.objects.get().is_done


def test_attendees_vote_from_the_meeting_page(client_as, meeting, facilitator, marketer):
    answer = services.answer_save(question=meeting.questions.first(), person=marketer, text="x")
    proposal = services.proposal_from_answers(
        meeting=meeting,
        by=facilitator,
        answers=[answer],
        stage_key="mql",
        statement="Asked for a demo",
        origin_url="/",
    )
    services.agenda_item_add(meeting=meeting, by=facilitator, proposal=proposal)
    client = client_as(marketer)
    page = client.get(url("detail", meeting)).text
    assert reverse("meetings:vote", args=[meeting.pk, proposal.pk]) in page
    bad = client.post(
        reverse("meetings:vote", args=[meeting.pk, proposal.pk]), {"position": "block"}
    )
    assert bad.status_code == 400
    assert "Comment: Say why you disagree or block" in bad.text
    client.post(reverse("meetings:vote", args=[meeting.pk, proposal.pk]), {"position": "agree"})
    assert Vote.objects.get(proposal=proposal, voter=marketer).position == "agree"


def test_bad_action_item_input_names_the_fields(client_as, meeting, facilitator):
    response = client_as(facilitator).post(url("action_add", meeting), {"text": "", "due": "x"})
    assert response.status_code == 400
    for label in ("Action", "Owner", "Due date"):
        assert f"{label}: " in response.text


def test_the_home_page_lists_questions_summaries_and_action_items(
    client_as, meeting, facilitator, marketer
):

    services.summary_publish(meeting=meeting, by=facilitator, text="We agreed")
    services.action_item_add(
        meeting=meeting,
        by=facilitator,
        text="Write the ICP",
        owner=marketer,
        due=timezone.localdate() - timedelta(days=2),
    )
    page = client_as(marketer).get(reverse("home")).text
    assert "4 questions to answer" in page
    assert "confirm the summary" in page
    assert "Write the ICP" in page
    assert "overdue since" in page
    services.confirmation_give(meeting=meeting, person=marketer, position="confirm")
    page = client_as(marketer).get(reverse("home")).text
    assert "confirm the summary" not in page


def test_meetings_is_in_the_navigation(client_as, marketer):
    page = client_as(marketer).get(reverse("home")).text
    assert 'data-nav="meetings"' in page


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("start", {}),
        ("close", {}),
        ("reopen", {}),
        ("invite", {}),
        ("attendance", {}),
        ("agenda_add", {"title": "More"}),
        ("question_add", {"text": "Why?"}),
        ("action_add", {}),
        ("remind", {}),
        ("next_review", {}),
    ],
)
def test_facilitator_actions_refuse_members_and_other_facilitators(
    name, data, meeting, marketer, other_facilitator
):
    expectations = {None: LOGIN, marketer: 403}
    if name != "next_review":  # any facilitator may schedule a follow-up review
        expectations[other_facilitator] = 403
    assert_matrix(url(name, meeting), expectations, method="post", data=data)
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.PLANNED


@pytest.mark.parametrize("name", ["confirm", "answer"])
def test_people_not_invited_get_a_404_when_posting(name, meeting, outsider):
    assert_matrix(url(name, meeting), {None: LOGIN, outsider: 404}, method="post")


def test_the_schedule_form_warns_before_anyone_is_chosen(client_as, facilitator):
    page = client_as(facilitator).get(reverse("meetings:schedule")).text
    assert "Nobody from marketing is invited" in page
    assert "data-department=" in page


def test_an_invited_person_outside_marketing_and_sales_is_told_they_do_not_vote(
    client_as, meeting, facilitator, marketer
):
    answer = services.answer_save(question=meeting.questions.first(), person=marketer, text="x")
    proposal = services.proposal_from_answers(
        meeting=meeting,
        by=facilitator,
        answers=[answer],
        stage_key="mql",
        statement="Asked for a demo",
        origin_url="/",
    )
    services.agenda_item_add(meeting=meeting, by=facilitator, proposal=proposal)
    ops = UserFactory(department="other", full_name="Olga Ops")
    services.invitations_add(meeting=meeting, by=facilitator, people=[ops])
    page = client_as(ops).get(url("detail", meeting)).text
    assert "Only people in marketing or sales vote on the definition, executives included" in page
    assert reverse("meetings:vote", args=[meeting.pk, proposal.pk]) not in page


def test_the_meeting_page_records_who_closed_and_reopened_it(client_as, meeting, facilitator):
    client = client_as(facilitator)
    client.post(url("close", meeting))
    client.post(url("reopen", meeting))
    page = client.get(url("detail", meeting)).text
    record = page.split('id="record"')[1]
    assert record.index("Closed by Fran Facilitator") < record.index("Reopened by Fran Facilitator")


def test_scheduling_from_a_definition_prefills_its_sponsor(client_as, facilitator, meeting):
    definition = meeting.definition
    page = client_as(facilitator).get(reverse("meetings:schedule"), {"definition": definition.pk})
    sponsor_select = page.text.split('name="sponsor"')[1].split("</select>")[0]
    assert f'<option value="{definition.executive_sponsor.pk}" selected' in sponsor_select


def test_the_list_filters_by_definition(client_as, meeting, facilitator):

    other = meeting_scheduled(facilitator=facilitator, title="Another definition's kickoff")
    page = client_as(facilitator).get(
        reverse("meetings:list"), {"definition": meeting.definition.pk}
    )
    assert meeting.title in page.text
    assert other.title not in page.text
    assert f"?definition={meeting.definition.pk}" in page.text


def test_a_revised_summary_lists_who_answered_the_earlier_wording(
    client_as, meeting, facilitator, marketer
):
    services.summary_publish(meeting=meeting, by=facilitator, text="One")
    services.confirmation_give(meeting=meeting, person=marketer, position="confirm")
    services.summary_publish(meeting=meeting, by=facilitator, text="Two")
    page = client_as(facilitator).get(url("detail", meeting)).text
    assert marketer.full_name in page.split("data-outdated-confirmations")[1].split("</p>")[0]
    assert 'data-confirmation="confirm"' not in page


def test_the_board_polls_only_while_the_meeting_is_open(client_as, meeting, facilitator):
    client = client_as(facilitator)
    headers = {"HX-Request": "true", "HX-Target": "participation"}
    assert 'hx-trigger="every 10s"' in client.get(url("detail", meeting), headers=headers).text
    services.meeting_close(meeting=meeting, by=facilitator)
    assert "hx-trigger" not in client.get(url("detail", meeting), headers=headers).text


def test_the_facilitator_changes_the_time_and_sponsor(
    client_as, meeting, facilitator, other_facilitator, marketer
):
    assert_matrix(
        url("edit", meeting), {None: LOGIN, marketer: 403, other_facilitator: 403, facilitator: 200}
    )
    cmo = UserFactory(department="marketing", roles=["Executive"], full_name="Victor Exec")
    response = client_as(facilitator).post(
        url("edit", meeting),
        {
            "title": "Kickoff, moved",
            "starts_at": "2031-05-06T09:30",
            "duration_minutes": 30,
            "sponsor": cmo.pk,
        },
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.title == "Kickoff, moved"
    assert timezone.localtime(meeting.starts_at).strftime("%Y-%m-%d %H:%M") == "2031-05-06 09:30"
    assert meeting.attendances.filter(person=cmo).exists()


def test_a_closed_meeting_keeps_its_details(client_as, meeting, facilitator):
    services.meeting_close(meeting=meeting, by=facilitator)
    response = client_as(facilitator).post(
        url("edit", meeting),
        {"title": "Renamed", "starts_at": "2031-05-06T09:30", "duration_minutes": 30},
    )
    assert response.status_code == 400
    assert "This meeting is closed" in response.text


def test_the_meeting_page_has_no_duplicate_ids_and_every_label_has_its_field(
    client_as, meeting, facilitator, marketer
):
    from collections import Counter
    from html.parser import HTMLParser

    services.invitations_add(meeting=meeting, by=facilitator, people=[facilitator])
    answer = services.answer_save(question=meeting.questions.first(), person=marketer, text="x")
    for statement in ("First", "Second"):
        proposal = services.proposal_from_answers(
            meeting=meeting,
            by=facilitator,
            answers=[answer],
            stage_key="mql",
            statement=statement,
            origin_url="/",
        )
        services.agenda_item_add(meeting=meeting, by=facilitator, proposal=proposal)
    services.summary_publish(meeting=meeting, by=facilitator, text="We agreed")

    class Ids(HTMLParser):
        ids: Counter = Counter()
        label_targets: list = []

        def handle_starttag(self, tag, attrs):
            attributes = dict(attrs)
            if "id" in attributes:
                self.ids[attributes["id"]] += 1
            if tag == "label" and attributes.get("for"):
                self.label_targets.append(attributes["for"])

    parser = Ids()
    parser.feed(client_as(facilitator).get(url("detail", meeting)).text)
    assert [i for i, n in parser.ids.items() if n > 1] == []
    assert parser.label_targets
    assert [t for t in parser.label_targets if t not in parser.ids] == []


def test_withdrawing_an_invitation_from_the_page(
    client_as, meeting, facilitator, other_facilitator, sales_rep
):
    target = url("uninvite", meeting, sales_rep.pk)
    assert_matrix(target, {other_facilitator: 403}, method="post")
    response = client_as(facilitator).post(target, follow=True)
    assert f"{sales_rep} is no longer invited." in response.text
    assert not meeting.attendances.filter(person=sales_rep).exists()


def test_rewording_a_question_with_no_text_names_the_question(client_as, meeting, facilitator):
    question = meeting.questions.first()
    response = client_as(facilitator).post(
        url("question_reword", meeting, question.pk), {"text": ""}, follow=True
    )
    assert "Question 1: This field is required." in response.text
    question.refresh_from_db()
    assert question.text.startswith("What do you consider")


def test_starting_closing_and_reopening_each_have_their_own_url_and_only_post_writes(
    client_as, meeting, facilitator
):
    client = client_as(facilitator)
    for name in ("start", "reopen"):
        assert client.get(url(name, meeting)).status_code == 405
    # Closing is irreversible: its GET is the confirmation, which changes nothing.
    assert client.get(url("close", meeting)).status_code == 200
    meeting.refresh_from_db()
    assert meeting.status != "closed"
    page = client.get(url("detail", meeting)).text
    assert url("start", meeting) in page
    assert url("close", meeting) in page
    started = client.post(url("start", meeting), follow=True)
    assert "The meeting has started." in started.text
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.IN_PROGRESS
    again = client.post(url("start", meeting), follow=True)
    assert "Only a planned meeting can be started." in again.text


def test_only_the_owner_or_the_facilitator_sees_the_tick_on_an_action_item(
    client_as, meeting, facilitator, marketer, sales_rep
):
    item = services.action_item_add(
        meeting=meeting,
        by=facilitator,
        text="Send the notes",
        owner=marketer,
        due=timezone.localdate(),
    )
    mark = reverse("meetings:action_mark", args=[meeting.pk, item.pk])
    assert mark in client_as(marketer).get(url("detail", meeting)).text
    assert mark in client_as(facilitator).get(url("detail", meeting)).text
    assert mark not in client_as(sales_rep).get(url("detail", meeting)).text


def test_closing_a_meeting_asks_first_and_the_question_writes_nothing(
    client_as, meeting, facilitator
):
    client = client_as(facilitator)
    asked = client.get(url("close", meeting))
    meeting.refresh_from_db()
    assert asked.status_code == 200 and meeting.status != "closed"
    assert "Answers, minutes, agenda and attendance are frozen" in asked.text
    assert f'action="{url("close", meeting)}"' in asked.text
    client.post(url("close", meeting))
    meeting.refresh_from_db()
    assert meeting.status == "closed"
