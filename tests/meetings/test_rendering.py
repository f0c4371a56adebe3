"""Minutes keep ordinary Markdown; the calendar file follows RFC 5545; the home page's
sections, as a person reads them."""

from datetime import UTC, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings import services
from meetings.ics import meeting_ics
from meetings.markdown import markdown_render
from tests.accounts.factories import UserFactory
from tests.accounts.home_page import home_sections_of
from tests.html import row_where

pytestmark = pytest.mark.django_db


def test_ordinary_markdown_survives_sanitising():
    html = markdown_render(
        "# Decisions\n\n- **Budget** is *verified*\n- see [the seed](https://example.com/a)\n\n"
        "Mail [us](mailto:uld@example.com)\n\n| a | b |\n|---|---|\n| 1 | 2 |"
    )
    assert "<h3>Decisions</h3>" in html
    assert "<strong>Budget</strong>" in html
    assert "<em>verified</em>" in html
    assert '<a href="https://example.com/a" rel="noopener noreferrer nofollow">' in html
    assert 'href="mailto:uld@example.com"' in html
    assert "<table>" in html
    assert "<td>2</td>" in html


def unfold(body: str) -> list[str]:
    return body.replace("\r\n ", "").split("\r\n")


def test_the_calendar_file_escapes_and_folds_long_text(meeting, marketer):
    meeting.title = "Kickoff; marketing, sales & the CRO — " + "éèê " * 40
    meeting.place = "Room 3, 2nd floor"
    lines = meeting_ics(meeting, url="https://accord.example/meetings/1/", attendees=[marketer])
    raw = lines.split("\r\n")
    assert all(len(line.encode()) <= 75 for line in raw)
    assert lines.endswith("\r\n")
    unfolded = unfold(lines)
    summary = next(line for line in unfolded if line.startswith("SUMMARY:"))
    assert summary.startswith("SUMMARY:Kickoff\\; marketing\\, sales & the CRO — éèê")
    assert "LOCATION:Room 3\\, 2nd floor" in unfolded
    assert f'ATTENDEE;CN="{marketer.full_name}":mailto:{marketer.email}' in unfolded
    start = meeting.starts_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    assert f"DTSTART:{start}" in unfolded


def test_questions_of_closed_meetings_leave_the_home_page(
    client_as, meeting, facilitator, marketer
):
    sections = home_sections_of(client_as(marketer))
    [item] = sections["meetings-questions"].items
    assert item.label == meeting.title
    assert item.url == reverse("meetings:answer", args=[meeting.pk])
    services.meeting_close(meeting=meeting, by=facilitator)
    section = home_sections_of(client_as(marketer))["meetings-questions"]
    assert section.items == []
    assert section.empty == "You have answered every question of your meetings."


def test_home_counts_only_my_unanswered_questions(client_as, meeting, marketer, sales_rep):
    services.answer_save(question=meeting.questions.first(), person=marketer, text="Yes")
    mine = home_sections_of(client_as(marketer))
    theirs = home_sections_of(client_as(sales_rep))
    assert mine["meetings-questions"].items[0].detail.startswith("3 questions to answer · ")
    assert theirs["meetings-questions"].items[0].detail.startswith("4 questions to answer · ")
    assert home_sections_of(client_as(UserFactory()))["meetings-questions"].items == []


def test_one_question_left_is_said_in_the_singular(client_as, meeting, marketer):
    for question in list(meeting.questions.all())[1:]:
        services.answer_save(question=question, person=marketer, text="Yes")
    [item] = home_sections_of(client_as(marketer))["meetings-questions"].items
    assert item.detail.startswith("1 question to answer · ")


def test_done_action_items_leave_the_home_page(client_as, meeting, facilitator, marketer):
    item = services.action_item_add(
        meeting=meeting,
        by=facilitator,
        text="Send the list",
        owner=marketer,
        due=timezone.localdate() + timedelta(days=3),
    )
    [shown] = home_sections_of(client_as(marketer))["meetings-actions"].items
    assert shown.label == "Send the list"
    assert shown.detail.startswith("due ")
    assert shown.detail.endswith(f" · {meeting.title}")
    assert shown.url == reverse("meetings:detail", args=[meeting.pk]) + "#actions"
    services.action_item_mark(item=item, by=marketer)
    section = home_sections_of(client_as(marketer))["meetings-actions"]
    assert section.items == []
    assert section.empty == "You have no open action items."


def test_the_board_draws_each_persons_row_from_plain_values_and_escapes_names(
    client_as, meeting, facilitator, marketer, sales_rep
):
    marketer.full_name = "<b>Maya</b> & co"
    marketer.save()
    for question in meeting.questions.all():
        services.answer_save(question=question, person=marketer, text="Yes")
    html = client_as(facilitator).get(reverse("meetings:detail", args=[meeting.pk])).text
    assert "<b>Maya</b>" not in html
    done = row_where(html, data_person=str(marketer.pk))
    # The parser reads the escaped name back as the text it was.
    assert done == ["<b>Maya</b> & co", *["✓answered"] * 4, "not taken"]
    assert row_where(html, data_person=str(sales_rep.pk), data_complete="no")[1:] == [
        *["–not answered"] * 4,
        "not taken",
    ]
