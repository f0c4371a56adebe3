"""The rep's review queue in pages: waiting leads first, views, and costs that stay flat."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from feedback import selectors, services
from feedback.models import RejectionReason
from tests.feedback.factories import QUALIFIED, cycle_make, lead_make

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
PAGE = selectors.QUEUE_PAGE_LEADS


@pytest.fixture
def cycle():
    return cycle_make()


def leads_for(cycle, rep, count: int, *, start: int = 0):
    return [
        lead_make(cycle, rep=rep, company=f"Company {start + n:04d}", **QUALIFIED)
        for n in range(count)
    ]


def accept(lead, rep):
    services.feedback_record(lead=lead, rep=rep, agrees_with_stage=True, decision="accepted")


def shown(html: str) -> list[int]:
    """The leads a response renders, in order."""
    return [
        int(pk) for pk in re.findall(r'<article class="card lead-card[^"]*" id="lead-(\d+)"', html)
    ]


def more_link(html: str) -> str | None:
    found = re.search(r'<a class="button" href="(\?[^"]+)"[^>]*data-queue-more', html)
    return found.group(1).replace("&amp;", "&") if found else None


def test_the_queue_shows_a_page_with_the_waiting_leads_first(cycle, client_as, sales_rep):
    leads = leads_for(cycle, sales_rep, PAGE + 5)
    for lead in leads[:3]:
        accept(lead, sales_rep)
    url = reverse("feedback:review", args=[cycle.pk])
    html = client_as(sales_rep).get(url).content.decode()
    first = shown(html)
    assert len(first) == PAGE
    # The three reviewed leads sort after every waiting one, so the first page is all waiting.
    assert first == [lead.pk for lead in leads[3 : PAGE + 3]]
    # The progress still counts the whole cycle.
    assert f"3 of {PAGE + 5} reviewed" in html
    assert more_link(html)


def test_the_next_page_carries_on_where_the_first_ended(cycle, client_as, sales_rep):
    leads = leads_for(cycle, sales_rep, PAGE + 5)
    client = client_as(sales_rep)
    url = reverse("feedback:review", args=[cycle.pk])
    html = client.get(url).content.decode()
    # The rep saves the last lead of the first page before asking for the next page: the
    # leads still waiting after it are not skipped.
    accept(leads[PAGE - 1], sales_rep)
    response = client.get(url + more_link(html), HTTP_HX_TARGET="queue-more", **HTMX)
    rest = response.content.decode()
    assert "<html" not in rest
    assert rest.lstrip().startswith("<article")
    # The rest of the waiting leads, then the reviewed one shown again among the reviewed.
    assert shown(rest) == [lead.pk for lead in leads[PAGE:]] + [leads[PAGE - 1].pk]
    assert more_link(rest) is None
    assert "data-queue-end" in rest


def test_without_javascript_the_next_page_is_a_page(cycle, client_as, sales_rep):
    leads = leads_for(cycle, sales_rep, PAGE + 2)
    client = client_as(sales_rep)
    url = reverse("feedback:review", args=[cycle.pk])
    html = client.get(url + more_link(client.get(url).content.decode())).content.decode()
    assert "<html" in html
    assert shown(html) == [lead.pk for lead in leads[PAGE:]]
    assert "Back to the first page" in html


def test_the_views_waiting_and_reviewed(cycle, client_as, sales_rep):
    leads = leads_for(cycle, sales_rep, 4)
    accept(leads[1], sales_rep)
    client = client_as(sales_rep)
    url = reverse("feedback:review", args=[cycle.pk])
    waiting = client.get(url, {"show": "waiting"}).content.decode()
    assert shown(waiting) == [leads[0].pk, leads[2].pk, leads[3].pk]
    assert 'aria-current="page" data-show="waiting"' in waiting
    reviewed = client.get(url, {"show": "reviewed"}).content.decode()
    assert shown(reviewed) == [leads[1].pk]
    assert "1 of 4 reviewed" in reviewed
    for lead in leads:
        accept(lead, sales_rep)
    done = client.get(url, {"show": "waiting"}).content.decode()
    assert shown(done) == []
    assert "every lead of this cycle is reviewed" in done


@pytest.mark.parametrize(
    "query", [{"show": "nonsense"}, {"after": "abc"}, {"after": "w0"}, {"after": "w99999999"}]
)
def test_a_malformed_queue_query_shows_the_first_page(cycle, client_as, sales_rep, query):
    leads = leads_for(cycle, sales_rep, 2)
    response = client_as(sales_rep).get(reverse("feedback:review", args=[cycle.pk]), query)
    assert response.status_code == 200
    assert shown(response.content.decode()) == [lead.pk for lead in leads]


def test_a_cursor_on_another_reps_lead_reveals_nothing(cycle, client_as, sales_rep):
    mine = leads_for(cycle, sales_rep, 2)
    theirs = lead_make(cycle, company="Company 0000 first")
    url = reverse("feedback:review", args=[cycle.pk])
    html = client_as(sales_rep).get(url, {"after": f"w{theirs.pk}"}).content.decode()
    assert shown(html) == [lead.pk for lead in mine]


def queue_cost(client, cycle, show: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("feedback:review", args=[cycle.pk]), {"show": show})
    assert response.status_code == 200
    return len(queries), len(shown(response.content.decode()))


def save_cost(client, cycle, lead) -> tuple[int, int]:
    data = {f"lead-{lead.pk}-agrees_with_stage": "yes", f"lead-{lead.pk}-decision": "accepted"}
    url = reverse("feedback:review_save", args=[cycle.pk, lead.pk])
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, data, HTTP_HX_TARGET=f"lead-{lead.pk}", **HTMX)
    assert response.status_code == 200
    return len(queries), len(shown(response.content.decode()))


def test_the_queue_and_a_save_cost_the_same_for_10_leads_as_for_100(cycle, client_as, sales_rep):
    client = client_as(sales_rep)
    timing = RejectionReason.objects.get(label="Timing")
    leads = leads_for(cycle, sales_rep, 10)
    services.feedback_record(
        lead=leads[0], rep=sales_rep, agrees_with_stage=False, decision="recycled", reasons=[timing]
    )
    # Each view is measured on its own: a page with reviewed leads reads their reasons too.
    small_queue = [queue_cost(client, cycle, show) for show in ("waiting", "reviewed")]
    small_save = save_cost(client, cycle, leads[1])
    more = leads_for(cycle, sales_rep, 90, start=10)
    for lead in more[::3]:
        services.feedback_record(
            lead=lead, rep=sales_rep, agrees_with_stage=False, decision="recycled", reasons=[timing]
        )
    large_queue = [queue_cost(client, cycle, show) for show in ("waiting", "reviewed")]
    large_save = save_cost(client, cycle, more[-1])
    assert [rows for _, rows in small_queue] == [9, 1]
    assert [rows for _, rows in large_queue] == [PAGE, PAGE]
    assert [queries for queries, _ in large_queue] == [queries for queries, _ in small_queue]
    assert large_save == small_save
    assert large_save[1] == 1


def test_a_row_sent_back_keeps_what_the_rep_chose_and_marks_the_field(cycle, client_as, sales_rep):
    lead = lead_make(cycle, rep=sales_rep)
    reason = RejectionReason.objects.get(label="Timing")
    data = {
        f"lead-{lead.pk}-agrees_with_stage": "no",
        f"lead-{lead.pk}-decision": "rejected",
        f"lead-{lead.pk}-comment": "Call <back> in May",
    }
    url = reverse("feedback:review_save", args=[cycle.pk, lead.pk])
    html = client_as(sales_rep).post(url, data, HTTP_HX_TARGET=f"lead-{lead.pk}", **HTMX)
    html = html.content.decode()
    prefix = f"lead-{lead.pk}"
    assert f'value="rejected" id="id_{prefix}-decision_1" required checked>' in html
    assert f'value="no" id="id_{prefix}-agrees_with_stage_1" required checked>' in html
    assert f'name="{prefix}-reasons" value="{reason.pk}"' in html
    assert 'type="checkbox"' in html and 'aria-invalid="true"' in html
    assert "Give at least one reason" in html
    assert "Call &lt;back&gt; in May</textarea>" in html
