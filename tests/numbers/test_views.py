"""The numbers pages: who reads them, htmx filters, CSV exports, "Propose a change" links,
the backtest partial, and a number of queries that does not grow with the data."""

import copy
import csv as csv_module
import io
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from definitions.selectors import draft_build
from feedback import services
from feedback.models import RejectionReason
from feedback.rounding import percent
from numbers_app.backtest import backtest
from numbers_app.filters import Filters
from numbers_app.findings import findings_links
from numbers_app.navigation import nav_items
from numbers_app.reasons import PRIVATE_FILTER_SHARE, private_filters
from numbers_app.selectors import home_sections, numbers_page
from tests.accounts.factories import UserFactory
from tests.definitions.factories import DefinitionFactory
from tests.numbers.test_reference import dataset_build
from tests.permissions import LOGIN, assert_matrix

# The numbers' own cache, measured: no page is kept drawn here.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pages_drawn")]

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "numbers-results"}

SPEC = {
    "cycle": 0,
    "hours": 5,
    "seniority": "manager",
    "phone": True,
    "email": True,
    "company_size": 400,
    "asked_for_information": True,
    "permission_to_follow_up": True,
    "need_evidence": "stated",
    "budget_evidence": "verified",
    "authority_evidence": "verified",
    "source": "webinar",
    "rep": 0,
    "stage_handed_over": "lead",
    "decision": "rejected",
    "reasons": {5},  # "Title below VP", unwritten
    "outcome": "bought",
    "outcome_days": 30,
    "amount": None,
}


def specs_make(count: int) -> list[dict]:
    """`count` leads: most rejected as "Title below VP", some accepted, some from a trade show."""
    specs = []
    for n in range(count):
        spec = copy.deepcopy(SPEC)
        spec["cycle"] = n % 2
        spec["rep"] = n % 3
        if n % 3 == 0:
            spec.update(decision="accepted", outcome="opportunity", seniority="vp")
        if n % 4 == 0:
            spec.update(source="trade_show", reasons={1, 6})
        specs.append(spec)
    return specs


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Figures are cached by definition and data stamp; a rolled-back test may reuse both.
    cache.clear()


@pytest.fixture
def data():
    return dataset_build(specs_make(12))


def page_url(definition, **query) -> str:
    url = reverse("numbers:definition", args=[definition.pk])
    if query:
        from urllib.parse import urlencode

        url += "?" + urlencode(query)
    return url


def test_everyone_signed_in_reads_the_numbers(
    data, marketer, sales_rep, facilitator, executive, admin_user
):
    definition = data[0]
    everyone = {marketer: 200, sales_rep: 200, facilitator: 200, executive: 200, admin_user: 200}
    assert_matrix(page_url(definition), {None: LOGIN, **everyone})
    assert_matrix(reverse("numbers:index"), {None: LOGIN, **everyone})
    assert_matrix(reverse("numbers:backtest", args=[definition.pk]), {None: LOGIN, **everyone})
    assert_matrix(
        reverse("numbers:export", args=[definition.pk, "reasons"]), {None: LOGIN, **everyone}
    )
    assert_matrix(page_url(DefinitionFactory.build(pk=definition.pk + 999)), {facilitator: 404})
    assert_matrix(reverse("numbers:export", args=[definition.pk, "secrets"]), {facilitator: 404})


def test_the_page_shows_the_figures_and_flags_the_private_filter(data, client_as, facilitator):
    definition = data[0]
    html = client_as(facilitator).get(page_url(definition)).content.decode()
    assert "<html" in html
    assert 'data-figure="handed">12<' in html
    assert "data-private-filter" in html
    assert "Title below VP" in html
    # Each chart is an accessible SVG image with a title and a description, beside its table.
    assert html.count('role="img"') >= 4
    assert '<title id="chart-trend-title">' in html and '<desc id="chart-trend-desc">' in html
    assert 'data-table="cycle"' in html and 'data-table="funnel"' in html
    assert "style=" not in html.split("<main", 1)[1]


def test_an_htmx_filter_gets_only_the_results_and_a_plain_get_the_page(
    data, client_as, facilitator
):
    definition = data[0]
    client = client_as(facilitator)
    partial = client.get(page_url(definition, source="trade_show"), **HTMX)
    body = partial.content.decode()
    assert partial.status_code == 200
    assert body.lstrip().startswith('<div id="numbers-results"')
    assert "<html" not in body
    assert 'data-figure="handed">3<' in body
    # A screen reader hears the update through the status line outside the swapped region.
    assert '<span id="numbers-status" hx-swap-oob="innerHTML">Numbers updated: 3 leads' in body
    page = client.get(page_url(definition, source="trade_show")).content.decode()
    assert "<html" in page and 'data-figure="handed">3<' in page


def test_an_empty_period_shows_no_data_rather_than_zero_percent(data, client_as, facilitator):
    definition = data[0]
    html = (
        client_as(facilitator)
        .get(page_url(definition, date_from="2001-01-01", date_to="2001-01-31"))
        .content.decode()
    )
    assert 'data-figure="handed">0<' in html
    summary = html.split('data-figure="acceptance">', 1)[1].split("</dd>", 1)[0]
    assert "no data" in summary
    assert "0%" not in summary


def test_a_period_that_ends_before_it_starts_is_named_and_the_page_still_renders(
    data, client_as, facilitator
):
    definition = data[0]
    response = client_as(facilitator).get(
        page_url(definition, date_from="2030-02-01", date_to="2030-01-01")
    )
    assert response.status_code == 200
    assert "The end of the period comes before its start." in response.content.decode()


def test_propose_a_change_on_a_private_filter_prefills_a_criterion_linking_back(
    data, client_as, facilitator
):
    definition = data[0]
    client = client_as(facilitator)
    client.get(page_url(definition, source="webinar"))
    figures = numbers_page(definition, Filters(source="webinar"))
    content = draft_build(definition)[0]
    findings_links(definition, Filters(source="webinar"), figures, content)
    flagged = figures["private_filters"][0]
    assert flagged["label"] == "Title below VP"
    link = urlparse(flagged["propose_url"])
    query = parse_qs(link.query)
    assert link.path == reverse(
        "definitions:proposal_create", args=[definition.pk, "add_criterion"]
    )
    assert query["rule_field"] == ["seniority"] and query["rule_value"] == ["vp"]
    assert query["origin"] == ["feedback"]
    assert query["origin_url"][0].startswith(page_url(definition) + "?source=webinar#reason-")
    assert "private filter" in query["origin_label"][0]
    form = client.get(flagged["propose_url"])
    assert form.status_code == 200
    html = form.content.decode()
    assert "The contact is VP level or above" in html
    assert query["origin_url"][0].split("#")[0].replace("&", "&amp;") in html


def test_only_people_who_may_propose_see_propose_a_change(data, client_as, marketer, admin_user):
    definition = data[0]
    assert "data-propose" in client_as(marketer).get(page_url(definition)).content.decode()
    assert "data-propose" not in client_as(admin_user).get(page_url(definition)).content.decode()


def test_every_table_exports_as_csv_with_formulas_neutralised(data, client_as, facilitator):
    definition = data[0]
    RejectionReason.objects.filter(label="Title below VP").update(label="=HYPERLINK(1)")
    client = client_as(facilitator)
    for table in sorted(numbers_views_exports()):
        response = client.get(reverse("numbers:export", args=[definition.pk, table]))
        assert response.status_code == 200, table
        assert response["Content-Type"].startswith("text/csv")
        assert response.content.startswith(b"\xef\xbb\xbf")
    reasons = client.get(reverse("numbers:export", args=[definition.pk, "reasons"])).content
    assert b'"\'=HYPERLINK(1)"' in reasons


def numbers_views_exports():
    from numbers_app.exports import EXPORTS

    return EXPORTS


def test_the_leads_needed_follow_from_the_target_and_the_deal_size(data, client_as, facilitator):
    definition = data[0]
    html = (
        client_as(facilitator)
        .get(page_url(definition, revenue_target="100000", average_deal="10000"))
        .content.decode()
    )
    assert "10 deals are needed" in html


def test_the_backtest_partial_says_how_the_last_cycle_would_qualify(data, client_as, executive):
    definition = data[0]
    html = client_as(executive).get(reverse("numbers:backtest", args=[definition.pk])).content
    html = html.decode()
    assert "data-backtest" in html
    assert "<html" not in html


def test_the_page_runs_the_same_number_of_queries_whatever_the_data(client_as, facilitator):
    small = dataset_build(specs_make(6))[0]
    big = dataset_build(specs_make(60))[0]
    client = client_as(facilitator)
    counts = []
    for definition in (small, big):
        for _ in ("computed", "from the cache"):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(page_url(definition, revenue_target="50000"))
                assert response.status_code == 200
            counts.append(len(queries.captured_queries))
    assert counts[0] == counts[2] and counts[1] == counts[3], counts
    assert counts[1] < counts[0] < 45


def test_a_page_from_the_cache_reads_both_stamps_at_once_and_no_filter_choices(
    data, client_as, facilitator
):
    """The filter form is kept rendered with the results: a second view reads the data and
    the backtest's stamps in one query, and neither the versions nor the reps the form
    offers; the form still shows the query it was sent."""
    definition = data[0]
    client = client_as(facilitator)
    client.get(page_url(definition, source="webinar"))
    with CaptureQueriesContext(connection) as queries:
        again = client.get(page_url(definition, source="webinar"))
    sqls = [q["sql"] for q in queries.captured_queries]
    stamps = [sql for sql in sqls if "feedback_figuressummary" in sql]
    assert len(stamps) == 1 and "feedback_historicallead" in stamps[0], stamps
    assert not [sql for sql in sqls if sql.startswith('SELECT "definitions_version"')]
    assert not [sql for sql in sqls if sql.startswith('SELECT "accounts_user"') and "EXISTS" in sql]
    html = again.content.decode()
    assert '<option value="webinar" selected>' in html
    assert html.count('id="id_version"') == 1


def test_the_cached_figures_change_when_feedback_is_recorded(data, client_as, facilitator):
    definition, cycles, reps = data
    client = client_as(facilitator)
    assert 'data-figure="reviewed">12<' in client.get(page_url(definition)).content.decode()
    lead = services.lead_create(
        cycle=cycles[0], rep=reps[0], by=facilitator, crm_reference="NEW-1", company="New"
    )
    html = client.get(page_url(definition)).content.decode()
    assert 'data-figure="handed">13<' in html
    services.feedback_record(
        lead=lead,
        rep=reps[0],
        agrees_with_stage=True,
        decision="accepted",
        now=cycles[0].starts_at + timedelta(hours=1),
    )
    html = client.get(page_url(definition)).content.decode()
    assert 'data-figure="reviewed">13<' in html


def test_executives_home_shows_the_trend_the_top_private_filter_and_rejected_then_bought(
    data, executive, marketer
):
    sections = home_sections(executive)
    assert [s["id"] for s in sections] == ["numbers"]
    labels = " | ".join(item["label"] for item in sections[0]["items"])
    assert "acceptance" in labels
    assert "top private filter “Title below VP”" in labels
    assert "rejected, then bought" in labels
    assert home_sections(marketer) == []
    assert nav_items(marketer) == [("numbers", reverse("numbers:index"), "Numbers")]


def test_private_filters_over_all_of_a_definitions_leads(data):
    flagged = private_filters(data[0])
    assert [r["label"] for r in flagged] == ["Title below VP"]
    assert flagged[0]["share"] > PRIVATE_FILTER_SHARE
    assert private_filters(DefinitionFactory()) == []


def test_a_definition_without_leads_shows_no_data(client_as, facilitator):
    definition = DefinitionFactory()
    html = client_as(facilitator).get(page_url(definition)).content.decode()
    assert "no data" in html
    assert "no review cycle has started yet" in html


def test_the_trend_chart_leaves_a_gap_where_a_cycle_has_no_data():
    chart = numbers_charts().line_chart("t", "Trend", [("a", 0.5), ("b", None), ("c", 0.25)])
    assert len(chart.segments) == 2
    assert "b: no data" in chart.desc


def numbers_charts():
    from numbers_app import charts

    return charts


def test_a_user_who_cannot_read_is_refused_politely(data):
    inactive = UserFactory(department="sales", is_active=False)
    assert_matrix(page_url(data[0]), {inactive: LOGIN})


def test_the_backtest_counts_a_day_after_the_cycle_started(data):
    definition, cycles, _ = data
    result = backtest(definition, now=cycles[-1].starts_at + timedelta(days=1))
    assert result.cycle == cycles[-1]
    assert result.total == 6


# --- what each figure divides by, rounding, filters in error ------------------------------


def test_an_invalid_filter_shows_its_error_and_keeps_the_other_filters(
    data, client_as, facilitator
):
    definition = data[0]
    response = client_as(facilitator).get(
        page_url(definition, source="trade_show", date_from="not a date")
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Handed over from: Enter a valid date." in html
    # The source filter still applies: 3 of the 12 leads came from a trade show.
    assert 'data-figure="handed">3<' in html


def test_a_csv_export_with_invalid_filters_answers_400_with_the_message(
    data, client_as, facilitator
):
    definition = data[0]
    response = client_as(facilitator).get(
        reverse("numbers:export", args=[definition.pk, "source"])
        + "?date_from=2030-02-01&date_to=2030-01-01"
    )

    assert response.status_code == 400
    assert response.content.decode() == (
        "Handed over to: The end of the period comes before its start."
    )


def test_percentages_round_half_up_on_the_page_and_in_the_charts(client_as, facilitator):
    # One of eight accepted: 12.5 %, which half-even rounding would show as 12 %.
    specs = [{**SPEC, "decision": "accepted" if n == 0 else "rejected"} for n in range(8)]
    definition, _, _ = dataset_build(specs)

    html = client_as(facilitator).get(page_url(definition)).content.decode()

    summary = html.split('data-figure="acceptance">', 1)[1].split("</dd>", 1)[0]
    assert "13%" in summary
    assert "Version 1: 13%" in html  # the chart of acceptance per version


def test_percentages_round_half_up_in_csv_exports_too():
    from numbers_app import charts
    from numbers_app.exports import csv_pct

    assert csv_pct(1 / 16) == "6.3"  # 6.25
    assert csv_pct(0.145) == "14.5"
    assert charts.line_chart("t", "Trend", [("a", 0.125)]).points[0]["text"] == "a: 13%"
    assert percent(0.145) == "15%"  # 29 of 200, a float a hair below 0.145
    assert percent(0.005) == "1%"
    assert percent(None) == "no data"


def test_each_table_says_what_its_rate_divides_by(data, client_as, facilitator):
    html = client_as(facilitator).get(page_url(data[0])).content.decode()

    rates = html.split('data-table="cycle"', 1)[1].split("</caption>", 1)[0]
    assert "Acceptance rate = accepted / handed over" in rates
    reasons = html.split('data-table="reasons"', 1)[1].split("</caption>", 1)[0]
    assert "Share = rejections giving the reason / all" in reasons
    assert "may add up to more than 100%" in reasons
    criteria = html.split('data-table="criteria"', 1)[1].split("</caption>", 1)[0]
    assert "accepted / met" in criteria
    assert "a purchase before the hand-over does not count" in criteria


def test_reasons_given_on_recycled_leads_are_shown_in_their_own_column(client_as, facilitator):
    # Reason 1 only ever recycles a lead; reason 5 rejects one.
    specs = [
        {**SPEC, "decision": "recycled", "reasons": {1}},
        {**SPEC, "decision": "recycled", "reasons": {1, 5}},
        {**SPEC, "decision": "rejected", "reasons": {5}},
    ]
    definition, _, _ = dataset_build(specs)
    reasons = list(RejectionReason.objects.order_by("position", "label"))[:10]
    client = client_as(facilitator)

    html = client.get(page_url(definition)).content.decode()
    csv = client.get(reverse("numbers:export", args=[definition.pk, "reasons"])).content.decode()

    recycling = html.split(f'data-reason="{reasons[1].label}"', 1)[1].split("</tr>", 1)[0]
    assert "<td>0</td>" in recycling  # no rejection gave it
    assert "<td data-recycled>2</td>" in recycling
    rejecting = html.split(f'data-reason="{reasons[5].label}"', 1)[1].split("</tr>", 1)[0]
    assert "<td>1</td>" in rejecting and "<td data-recycled>1</td>" in rejecting
    assert "Recycled leads giving it" in csv.splitlines()[0]
    table = list(csv_module.DictReader(io.StringIO(csv.lstrip("\ufeff"))))
    row = next(r for r in table if r["Reason"] == reasons[1].label)
    assert (row["Rejections"], row["Recycled leads giving it"]) == ("0", "2")


def _csv_rows(response) -> list[list[str]]:
    import csv
    import io

    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))[1:]


def test_a_rep_reads_only_their_own_leads_on_the_numbers_pages_and_exports(
    data, client_as, facilitator
):
    from feedback.models import Lead

    definition, _, reps = data
    rep = reps[1]  # rejects leads that later buy
    own = set(Lead.objects.filter(rep=rep).values_list("crm_reference", flat=True))
    others = set(Lead.objects.exclude(rep=rep).values_list("company", flat=True))
    client = client_as(rep)
    page = client.get(page_url(definition))
    assert page.status_code == 200
    body = page.content.decode()
    listed = [lead for lead in page.context["figures"]["bought"]]
    found = page.context["figures"]["disagreements"]
    listed += found["high_rejected"] + found["accepted_low"]
    assert listed and all(lead.rep_id == rep.pk for lead in listed)
    for company in others:
        assert f">{company}</a>" not in body
    # Aggregates stay: the totals count every rep's leads.
    assert page.context["totals"]["handed"] == Lead.objects.count()
    for table in ("bought", "disagreements"):
        url = reverse("numbers:export", args=[definition.pk, table])
        mine = _csv_rows(client.get(url))
        column = 1 if table == "disagreements" else 0
        assert {row[column] for row in mine} <= own, table
        assert mine or table == "disagreements"
        everyone = _csv_rows(client_as(facilitator).get(url))
        assert {row[column] for row in everyone} - own, table


def test_a_rep_s_lists_are_cached_with_the_figures_and_follow_a_new_rejection(
    data, client_as, facilitator
):
    """The results are kept rendered: a rep's second visit reads no lead and shows the same
    leads, only the rep's own, and another rep's visit shows that rep's."""
    from feedback.models import Lead

    definition, cycles, reps = data
    rep = reps[1]
    client = client_as(rep)

    def reads_leads(sql: str) -> bool:
        return sql.startswith('SELECT "feedback_lead"."id"')

    def linked(response) -> list[int]:
        """The leads the page links to (its lists)."""
        return [int(pk) for pk in re.findall(r'href="/feedback/leads/(\d+)/"', response.text)]

    first = client.get(page_url(definition))
    with CaptureQueriesContext(connection) as queries:
        again = client.get(page_url(definition))
    assert not [q for q in queries.captured_queries if reads_leads(q["sql"])]
    assert linked(again) == linked(first) != []
    assert set(Lead.objects.filter(pk__in=linked(again)).values_list("rep", flat=True)) == {rep.pk}
    # Another rep's cached lists are theirs, not this rep's.
    other = client_as(reps[0]).get(page_url(definition))
    assert set(Lead.objects.filter(pk__in=linked(other)).values_list("rep", flat=True)) <= {
        reps[0].pk
    }
    # A write gives a new data stamp: the rep's lists are read again.
    lead = services.lead_create(
        cycle=cycles[0], rep=rep, by=facilitator, crm_reference="NEW-2", company="Newco"
    )
    assert Lead.objects.filter(pk=lead.pk).exists()
    with CaptureQueriesContext(connection) as queries:
        client.get(page_url(definition))
    assert [q for q in queries.captured_queries if reads_leads(q["sql"])]


def test_the_results_are_kept_rendered_per_state_of_the_data_query_and_reader(
    data, client_as, facilitator
):
    """A second visit draws nothing of the results (no chart template rendered) and gets the
    same HTML; a rep after a facilitator gets their own lists, not the facilitator's; a
    new lead changes what the next visit shows."""
    from feedback.models import Lead

    definition, cycles, reps = data

    def results(response) -> str:
        return re.search(r'<div id="numbers-results".*', response.text, re.S).group(0)

    def drawn(response) -> bool:
        return "numbers/_chart_bars.html" in [t.name for t in response.templates]

    reader = client_as(facilitator)
    first = reader.get(page_url(definition))
    again = reader.get(page_url(definition))
    assert drawn(first) and not drawn(again)
    assert results(again) == results(first)
    filtered = reader.get(page_url(definition, source="webinar"))
    assert drawn(filtered)  # another query is another rendering

    rep = reps[1]
    mine = client_as(rep).get(page_url(definition))
    assert drawn(mine)
    linked = {int(pk) for pk in re.findall(r'href="/feedback/leads/(\d+)/"', mine.text)}
    assert set(Lead.objects.filter(pk__in=linked).values_list("rep", flat=True)) == {rep.pk}

    services.lead_create(
        cycle=cycles[0], rep=rep, by=facilitator, crm_reference="NEW-3", company="Newer"
    )
    after = reader.get(page_url(definition))
    assert drawn(after) and results(after) != results(first)


def test_a_review_saved_leaves_the_draft_s_backtest_cached_and_a_lead_edit_does_not(
    data, client_as, facilitator, monkeypatch
):
    """The backtest reads the last cycle's leads, checks and the proposals, not feedback: a
    rep's save re-renders the figures but does not run it again; a lead changed does."""
    from feedback.models import Lead
    from numbers_app import selectors

    definition = data[0]
    runs = []
    real = selectors.backtest
    monkeypatch.setattr(selectors, "backtest", lambda *a, **k: runs.append(1) or real(*a, **k))
    reader = client_as(facilitator)
    reader.get(page_url(definition))
    assert len(runs) == 1
    lead = Lead.objects.filter(definition=definition).exclude(feedback__decision="accepted")[0]
    services.feedback_record(
        lead=lead,
        rep=lead.rep,
        agrees_with_stage=True,
        decision="accepted",
        reasons=[],
        now=lead.handed_over_at + timedelta(hours=1),
    )
    page = reader.get(page_url(definition))
    assert "numbers/_chart_bars.html" in [t.name for t in page.templates]  # figures redrawn
    assert len(runs) == 1
    services.lead_update(lead=lead, by=facilitator, company_size=5)
    reader.get(page_url(definition))
    assert len(runs) == 2


def test_an_htmx_request_for_anything_but_the_results_gets_the_whole_page(
    data, client_as, facilitator
):
    """Only the filters' swap (HX-Target: numbers-results) gets the results alone; another
    htmx request (a boosted link, say) gets the page with the filters and the backtest."""
    definition = data[0]
    reader = client_as(facilitator)
    swap = reader.get(
        page_url(definition), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="numbers-results"
    )
    assert swap.text.lstrip().startswith('<div id="numbers-results"')
    assert "data-backtest" not in swap.text and 'hx-swap-oob="innerHTML"' in swap.text
    other = reader.get(page_url(definition), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="main")
    assert "data-numbers-filters" in other.text and "data-backtest" in other.text
    assert 'hx-swap-oob="innerHTML"' not in other.text


def test_the_backtest_s_stamp_changes_when_a_cycle_starts(db, monkeypatch):
    """The whole page keeps the draft's backtest of the last cycle started: a cycle that
    starts, which writes nothing, must not leave the previous cycle's backtest in place."""
    from numbers_app.backtest import last_cycle
    from numbers_app.selectors import backtest_stamp, data_stamp
    from tests.feedback.factories import cycle_make

    first = cycle_make(days=14)
    definition = first.definition
    second = cycle_make(definition, starts_at=first.ends_at + timedelta(seconds=1), days=14)
    before = backtest_stamp(definition), data_stamp(definition)
    later = second.starts_at + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert last_cycle(definition) == second
    after = backtest_stamp(definition), data_stamp(definition)
    assert after[0] != before[0]
    assert after[1] == before[1]


def test_a_rep_renamed_is_named_anew_by_the_cached_page_and_a_sign_in_changes_nothing(
    data, client_as, facilitator
):
    """The figures per rep and the filter name the reps: a rename changes the data stamp,
    so the page from the cache names the rep anew; a sign-in (which saves the person's last
    login) leaves the stamp, and the page's cache, as they were."""
    from django.contrib.auth.models import update_last_login

    from numbers_app.selectors import data_stamp

    definition, _, reps = data
    client = client_as(facilitator)
    old = reps[0].full_name
    assert old in client.get(page_url(definition)).content.decode()
    before = data_stamp(definition)
    update_last_login(None, facilitator)  # what a sign-in saves
    assert facilitator.history.count() > 1  # and the history records it
    assert data_stamp(definition) == before
    reps[0].full_name = "Rhea Renamed"
    reps[0].save()
    assert data_stamp(definition) != before
    html = client.get(page_url(definition)).content.decode()
    assert "Rhea Renamed" in html and old not in html
