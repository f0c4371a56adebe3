"""Minutes keep ordinary Markdown; the calendar file follows RFC 5545; home sections."""

from datetime import UTC, timedelta

import pytest
from django.utils import timezone

from meetings import selectors, services
from meetings.ics import meeting_ics
from meetings.markdown import markdown_render
from tests.accounts.factories import UserFactory

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


def test_questions_of_closed_meetings_leave_the_home_page(meeting, facilitator, marketer):
    sections = {s["id"]: s for s in selectors.home_sections(marketer)}
    assert [i["label"] for i in sections["meetings-questions"]["items"]] == [meeting.title]
    services.meeting_close(meeting=meeting, by=facilitator)
    sections = {s["id"]: s for s in selectors.home_sections(marketer)}
    assert sections["meetings-questions"]["items"] == []


def test_home_counts_only_my_unanswered_questions(meeting, marketer, sales_rep):
    services.answer_save(question=meeting.questions.first(), person=marketer, text="Yes")
    mine = {s["id"]: s for s in selectors.home_sections(marketer)}
    theirs = {s["id"]: s for s in selectors.home_sections(sales_rep)}
    assert mine["meetings-questions"]["items"][0]["detail"].startswith("3 questions")
    assert theirs["meetings-questions"]["items"][0]["detail"].startswith("4 questions")
    assert selectors.home_sections(UserFactory())[0]["items"] == []


def test_done_action_items_leave_the_home_page(meeting, facilitator, marketer):
    item = services.action_item_add(
        meeting=meeting,
        by=facilitator,
        text="Send the list",
        owner=marketer,
        due=timezone.localdate() + timedelta(days=3),
    )
    sections = {s["id"]: s for s in selectors.home_sections(marketer)}
    assert sections["meetings-actions"]["items"][0]["detail"].startswith("due ")
    services.action_item_mark(item=item, by=marketer)
    sections = {s["id"]: s for s in selectors.home_sections(marketer)}
    assert sections["meetings-actions"]["items"] == []
