"""The review queue's rows are drawn once and kept: a kept row is never stale, and carries
the token of the request that shows it."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from feedback import forms, queue_rows, services
from feedback.models import RejectionReason
from tests.feedback.factories import QUALIFIED, cycle_make, lead_make

# What drawing a page costs, measured: no page is kept drawn here.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pages_drawn")]


@pytest.fixture
def cycle():
    return cycle_make()


@pytest.fixture
def lead(cycle, sales_rep):
    return lead_make(cycle, rep=sales_rep, company="Kestrel Freight", **QUALIFIED)


def queue(client, cycle) -> str:
    response = client.get(reverse("feedback:review", args=[cycle.pk]))
    assert response.status_code == 200
    return response.content.decode()


def row(html: str, lead) -> str:
    found = re.search(rf'<article [^>]*id="lead-{lead.pk}".*?</article>', html, re.S)
    assert found, f"lead {lead.pk} is not on the page"
    return found.group(0)


@pytest.fixture
def forms_built(monkeypatch):
    """The rows' forms built, one entry per row drawn."""
    built = []
    real = forms.FeedbackForm.for_feedback
    monkeypatch.setattr(
        forms.FeedbackForm,
        "for_feedback",
        classmethod(lambda cls, feedback, **kwargs: built.append(1) or real(feedback, **kwargs)),
    )
    return built


def test_a_row_is_drawn_once_then_read_from_the_cache(
    cycle, lead, client_as, sales_rep, forms_built
):
    client = client_as(sales_rep)
    first = row(queue(client, cycle), lead)
    assert forms_built == [1]
    second = row(queue(client, cycle), lead)
    assert forms_built == [1]  # the kept row needed no form
    token = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert token.sub("", first) == token.sub("", second)


def test_with_debug_on_rows_are_drawn_each_time(
    cycle, lead, client_as, sales_rep, settings, forms_built
):
    settings.DEBUG = True
    client = client_as(sales_rep)
    queue(client, cycle)
    queue(client, cycle)
    assert forms_built == [1, 1]


def test_a_kept_row_follows_a_save_a_bulk_action_and_an_undo(cycle, lead, client_as, sales_rep):
    client = client_as(sales_rep)
    assert "data-waiting" in row(queue(client, cycle), lead)
    reason = RejectionReason.objects.active().first()
    services.feedback_bulk(
        cycle=cycle, rep=sales_rep, lead_ids=[lead.pk], decision="rejected", reasons=[reason]
    )
    shown = row(queue(client, cycle), lead)
    assert ">Rejected</span>" in shown
    # The reason given is ticked in the row's form.
    assert re.search(rf'value="{reason.pk}" id="[^"]+" checked', shown)
    saved = services.feedback_record(
        lead=lead, rep=sales_rep, agrees_with_stage=True, decision="accepted"
    )
    shown = row(queue(client, cycle), lead)
    assert ">Accepted</span>" in shown
    assert not re.search(rf'value="{reason.pk}" id="[^"]+" checked', shown)
    services.feedback_undo(lead=lead, rep=sales_rep, history_id=saved.undo_to)
    assert ">Rejected</span>" in row(queue(client, cycle), lead)


def test_a_kept_row_follows_a_change_to_the_lead_and_its_check(
    cycle, lead, client_as, sales_rep, facilitator
):
    client = client_as(sales_rep)
    before = row(queue(client, cycle), lead)
    assert "Kestrel Freight" in before
    services.lead_update(lead=lead, by=facilitator, company="Kestrel Air Freight")
    after = row(queue(client, cycle), lead)
    assert "Kestrel Air Freight" in after
    # Dropping the budget evidence changes what the check finds met.
    counts = re.compile(r"\((\d+) met, (\d+) missed, (\d+) unknown\)")
    met = counts.search(after).groups()
    services.lead_update(lead=lead, by=facilitator, budget_evidence="none")
    changed = row(queue(client, cycle), lead)
    assert counts.search(changed).groups() != met


def test_a_kept_row_follows_the_catalogue_of_reasons(
    cycle, lead, client_as, sales_rep, facilitator
):
    client = client_as(sales_rep)
    reason = RejectionReason.objects.active().first()
    assert reason.label in row(queue(client, cycle), lead)
    services.reason_save(by=facilitator, reason=reason, label="Student or job seeker")
    assert "Student or job seeker" in row(queue(client, cycle), lead)
    services.reason_save(by=facilitator, reason=reason, label=reason.label, active=False)
    assert reason.label not in row(queue(client, cycle), lead)


def test_a_kept_row_carries_the_token_of_the_request_that_shows_it(cycle, lead, sales_rep):
    """Two browsers of the same rep read the same kept row; each can post its form."""
    url = reverse("feedback:review_save", args=[cycle.pk, lead.pk])
    for _ in range(2):
        client = Client(enforce_csrf_checks=True)
        client.force_login(sales_rep)
        shown = row(queue(client, cycle), lead)
        assert queue_rows.TOKEN_MARK not in shown
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', shown).group(1)
        response = client.post(
            url,
            {
                "csrfmiddlewaretoken": token,
                f"lead-{lead.pk}-agrees_with_stage": "yes",
                f"lead-{lead.pk}-decision": "accepted",
            },
        )
        assert response.status_code == 302


def test_a_row_sent_back_with_errors_is_drawn_with_them(cycle, lead, client_as, sales_rep):
    client = client_as(sales_rep)
    queue(client, cycle)  # the row is kept
    response = client.post(
        reverse("feedback:review_save", args=[cycle.pk, lead.pk]),
        {f"lead-{lead.pk}-agrees_with_stage": "yes", f"lead-{lead.pk}-decision": "rejected"},
    )
    assert response.status_code == 400
    shown = row(response.content.decode(), lead)
    assert "Give at least one reason" in shown
    assert "<details" in shown and " open" in shown.split("<details", 1)[1].split(">", 1)[0]


def test_a_kept_row_follows_its_check_alone(cycle, lead, client_as, sales_rep):
    """A check written again (a re-run of the check, a criterion marked) changes the row
    though the lead's own columns do not change."""
    from feedback.models import LeadCheck

    client = client_as(sales_rep)
    assert "5 of 5 criteria met" in row(queue(client, cycle), lead)
    LeadCheck.objects.filter(lead=lead).update(met_bits=0)
    assert "0 of 5 criteria met" in row(queue(client, cycle), lead)


def test_a_page_of_kept_rows_reads_no_ladder_of_criteria(cycle, lead, client_as, sales_rep):
    """What a check's summary needs (the version's stages and criteria) is read only for the
    rows drawn."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_as(sales_rep)
    for kept in (False, True):
        with CaptureQueriesContext(connection) as queries:
            queue(client, cycle)
        ladders = [
            q for q in queries.captured_queries if 'FROM "definitions_versionstage"' in q["sql"]
        ]
        assert len(ladders) == (0 if kept else 1)


def test_a_box_ticked_for_a_refused_bulk_action_stays_on_that_response(
    cycle, lead, client_as, sales_rep
):
    client = client_as(sales_rep)
    queue(client, cycle)  # the row is kept, its box not ticked
    response = client.post(
        reverse("feedback:review_bulk", args=[cycle.pk]),
        {"leads": [lead.pk], "decision": "rejected"},  # a bulk reject needs a reason
    )
    assert response.status_code == 400
    ticked = re.compile(
        rf'value="{lead.pk}" id="select-{lead.pk}" class="lead-card__select" checked'
    )
    assert ticked.search(row(response.content.decode(), lead))
    # The next plain view of the queue shows the lead as every other: not selected.
    shown = row(queue(client, cycle), lead)
    assert f'id="select-{lead.pk}"' in shown
    assert not ticked.search(shown)


def test_a_comment_holding_the_marker_stays_as_written(cycle, lead, client_as, sales_rep):
    comment = f"Odd text: {queue_rows.TOKEN_MARK}"
    services.feedback_record(
        lead=lead, rep=sales_rep, agrees_with_stage=True, decision="accepted", comment=comment
    )
    client = client_as(sales_rep)
    for _ in range(2):  # drawn, then kept
        assert comment in row(queue(client, cycle), lead)


def test_the_code_a_row_is_drawn_by_includes_its_labels_and_urls(monkeypatch):
    """A deploy that changes a decision's short name, a stage's name or a URL draws every
    row again: the files they are written in are part of the key."""
    from pathlib import Path

    read = []
    real = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda path: read.append(path) or real(path))
    queue_rows._drawn_by.cache_clear()
    queue_rows._drawn_by()
    names = {(path.parent.name, path.name) for path in read}
    assert {("models", "feedback.py"), ("feedback", "urls.py"), ("feedback", "forms.py")} <= names
    assert {
        ("definitions", "models.py"),
        ("config", "urls.py"),
        ("feedback", "review.html"),
    } <= names
