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


@pytest.mark.usefixtures("pages_drawn")
def test_the_queue_and_a_save_cost_the_same_for_10_leads_as_for_100(cycle, client_as, sales_rep):
    client = client_as(sales_rep)
    timing = RejectionReason.objects.get(label="Timing")
    leads = leads_for(cycle, sales_rep, 10)
    services.feedback_record(
        lead=leads[0], rep=sales_rep, agrees_with_stage=False, decision="recycled", reasons=[timing]
    )
    # Each view is measured on its own: a page with reviewed leads reads their reasons too.
    # The first view keeps the version's ladder in the cache; every later one reads it there.
    queue_cost(client, cycle, "all")
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


def row_texts(html: str) -> dict[int, dict[str, str]]:
    """Each row's compact line: its check summary and its status, as text."""
    found = {}
    for chunk in re.split(r"(?=<article\s)", html)[1:]:
        pk = int(re.search(r'id="lead-(\d+)"', chunk).group(1))
        texts = {}
        for key in ("data-check-summary", "data-waiting", "data-reviewed"):
            match = re.search(rf"<span[^>]*\s{key}[^>]*>(.*?)</span>", chunk, re.S)
            if match:
                texts[key] = " ".join(re.sub(r"<[^>]+>", "", match.group(1)).split())
        texts["open"] = bool(re.search(r"<details[^>]*\sopen[\s>]", chunk))
        found[pk] = texts
    return found


def test_each_row_is_compact_with_the_checks_summary_and_its_status(cycle, client_as, sales_rep):
    qualified = lead_make(cycle, rep=sales_rep, company="A qualified", **QUALIFIED)
    bare = lead_make(cycle, rep=sales_rep, company="B bare", title="Intern")
    timing = RejectionReason.objects.get(label="Timing")
    services.feedback_record(
        lead=bare, rep=sales_rep, agrees_with_stage=False, decision="recycled", reasons=[timing]
    )
    html = client_as(sales_rep).get(reverse("feedback:review", args=[cycle.pk])).content.decode()
    rows = row_texts(html)
    met, of = map(
        int,
        re.match(
            r"MQL: (\d+) of (\d+) criteria met$", rows[qualified.pk]["data-check-summary"]
        ).groups(),
    )
    assert met == of > 0
    bare_met, bare_of = map(
        int,
        re.match(
            r"MQL: (\d+) of (\d+) criteria met$", rows[bare.pk]["data-check-summary"]
        ).groups(),
    )
    assert bare_of == of and bare_met < of
    assert rows[qualified.pk]["data-waiting"] == "Waiting"
    assert rows[bare.pk]["data-reviewed"] == "Recycled"
    # Rows open to the review; none is open until the rep opens it.
    assert [row["open"] for row in rows.values()] == [False, False]
    assert 'title="Marketing qualified lead"' in html


def test_all_reviewed_shows_when_nothing_waits_with_links_on(cycle, client_as, sales_rep):
    leads = leads_for(cycle, sales_rep, 2)
    client = client_as(sales_rep)
    url = reverse("feedback:review", args=[cycle.pk])
    accept(leads[0], sales_rep)
    assert "data-all-reviewed" not in client.get(url).content.decode()
    accept(leads[1], sales_rep)
    html = client.get(url).content.decode()
    assert re.search(r"<h2[^>]*>\s*All reviewed\s*</h2>", html)
    assert 'href="?show=reviewed"' in html
    assert reverse("numbers:definition", args=[cycle.definition_id]) in html


@pytest.mark.usefixtures("pages_drawn")
def test_a_change_and_its_undo_cost_the_same_for_10_leads_as_for_100(cycle, client_as, sales_rep):
    client = client_as(sales_rep)
    timing = RejectionReason.objects.get(label="Timing")

    def change_and_undo(lead) -> tuple[int, int, int]:
        accept(lead, sales_rep)
        prefix = f"lead-{lead.pk}"
        data = {
            f"{prefix}-agrees_with_stage": "no",
            f"{prefix}-decision": "rejected",
            f"{prefix}-reasons": timing.pk,
        }
        target = {"HTTP_HX_TARGET": prefix, **HTMX}
        with CaptureQueriesContext(connection) as changing:
            html = client.post(
                reverse("feedback:review_save", args=[cycle.pk, lead.pk]), data, **target
            ).content.decode()
        history_id = re.search(r'name="history_id"\s+value="(\d+)"', html).group(1)
        with CaptureQueriesContext(connection) as undoing:
            undone = client.post(
                reverse("feedback:review_undo", args=[cycle.pk, lead.pk]),
                {"history_id": history_id},
                **target,
            ).content.decode()
        assert "data-undone" in undone
        return len(changing), len(undoing), len(shown(html)) + len(shown(undone))

    few = leads_for(cycle, sales_rep, 10)
    # The day's rejection tally exists before either measure (its first insert costs more).
    services.feedback_record(
        lead=few[1], rep=sales_rep, agrees_with_stage=False, decision="recycled", reasons=[timing]
    )
    change_and_undo(few[2])  # the first save keeps the version's ladder in the cache
    small = change_and_undo(few[0])
    more = leads_for(cycle, sales_rep, 90, start=10)
    for lead in more[::3]:
        accept(lead, sales_rep)
    large = change_and_undo(more[-1])
    assert large == small
    assert small[2] == 2


@pytest.mark.usefixtures("pages_drawn")
def test_the_queue_reads_its_leads_without_their_rep_and_the_cycle_page_with(
    cycle, client_as, sales_rep, facilitator
):
    """A rep's queue shows only the rep's own leads, so it does not read who they belong to;
    the cycle's page names each lead's rep, read with the leads."""
    leads_for(cycle, sales_rep, 3)

    def lead_reads(client, url) -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return [q["sql"] for q in queries if q["sql"].startswith('SELECT "feedback_lead"."id"')]

    queue = lead_reads(client_as(sales_rep), reverse("feedback:review", args=[cycle.pk]))
    assert queue and not [sql for sql in queue if '"accounts_user"' in sql], queue
    page = lead_reads(client_as(facilitator), reverse("feedback:cycle", args=[cycle.pk]))
    assert [sql for sql in page if '"accounts_user"."full_name"' in sql], page
