"""The feedback pages: who may see what, the queue over htmx, the import steps, exports."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from feedback import services
from feedback.models import Lead, LeadFeedback, LeadImport, RejectionReason, ReviewCycle
from tests.feedback.csvs import hubspot_file, hubspot_row
from tests.feedback.factories import QUALIFIED, cycle_make, lead_make, rep_make
from tests.permissions import LOGIN, assert_matrix

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def cycle():
    return cycle_make()


def test_the_cycle_feedback_page_is_for_facilitators_and_executives(
    cycle, facilitator, executive, sales_rep, marketer
):
    assert_matrix(
        reverse("feedback:cycle", args=[cycle.pk]),
        {None: LOGIN, sales_rep: 403, marketer: 403, facilitator: 200, executive: 200},
    )
    assert_matrix(reverse("feedback:cycle", args=[cycle.pk + 99]), {facilitator: 404})


def test_facilitator_pages_refuse_others_with_a_403_naming_the_role(client_as, sales_rep):
    for name in ("cycle_new", "import_new", "reasons", "lead_new"):
        response = client_as(sales_rep).get(reverse(f"feedback:{name}"))
        assert response.status_code == 403
        assert "Facilitator role" in response.content.decode()


def test_a_rep_sees_their_lead_but_not_anothers(cycle, client_as, sales_rep, executive):
    mine = lead_make(cycle, rep=sales_rep, **QUALIFIED)
    theirs = lead_make(cycle)
    assert_matrix(
        reverse("feedback:lead", args=[mine.pk]),
        {None: LOGIN, sales_rep: 200, executive: 200, theirs.rep: 404},
    )
    page = client_as(sales_rep).get(reverse("feedback:lead", args=[mine.pk])).content.decode()
    assert 'data-criterion="sql-budget"' in page
    assert "Sales Qualified Lead / Opportunity" in page


def post_feedback(client, cycle, lead, **fields):
    prefix = f"lead-{lead.pk}-"
    data = {prefix + key: value for key, value in fields.items()}
    return client.post(
        reverse("feedback:review_save", args=[cycle.pk, lead.pk]),
        data,
        HTTP_HX_TARGET=f"lead-{lead.pk}",
        **HTMX,
    )


def test_saving_a_lead_over_htmx_returns_the_row_and_the_progress(cycle, client_as, sales_rep):
    leads = [lead_make(cycle, rep=sales_rep) for _ in range(2)]
    client = client_as(sales_rep)
    response = post_feedback(client, cycle, leads[0], agrees_with_stage="yes", decision="accepted")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith(
        f'<article class="card lead-card lead-card--done" id="lead-{leads[0].pk}"'
    )
    assert 'hx-swap-oob="true"' in html
    assert "1 of 2 reviewed" in html
    assert "<html" not in html


def test_a_rejection_without_a_reason_shows_the_error_in_the_row(cycle, client_as, sales_rep):
    lead = lead_make(cycle, rep=sales_rep)
    response = post_feedback(
        client_as(sales_rep), cycle, lead, agrees_with_stage="no", decision="rejected"
    )
    assert "Give at least one reason" in response.content.decode()
    assert not LeadFeedback.objects.exists()


def test_a_rep_cannot_save_feedback_on_someone_elses_lead(cycle, client_as, sales_rep):
    lead = lead_make(cycle)
    response = post_feedback(
        client_as(sales_rep), cycle, lead, agrees_with_stage="yes", decision="accepted"
    )
    assert response.status_code == 404


def test_without_javascript_a_save_redirects_back_to_the_queue(cycle, client_as, sales_rep):
    lead = lead_make(cycle, rep=sales_rep)
    response = client_as(sales_rep).post(
        reverse("feedback:review_save", args=[cycle.pk, lead.pk]),
        {f"lead-{lead.pk}-agrees_with_stage": "yes", f"lead-{lead.pk}-decision": "accepted"},
    )
    assert response.status_code == 302
    assert LeadFeedback.objects.get().decision == "accepted"


def queue_queries(client, cycle) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("feedback:review", args=[cycle.pk]))
    assert response.status_code == 200
    return len(queries)


@pytest.mark.usefixtures("pages_drawn")
def test_the_review_queue_runs_as_many_queries_for_30_leads_as_for_3(cycle, client_as, sales_rep):
    client = client_as(sales_rep)
    timing = RejectionReason.objects.get(label="Timing")
    for n in range(3):
        lead = lead_make(cycle, rep=sales_rep, **QUALIFIED)
        if n == 0:
            services.feedback_record(
                lead=lead,
                rep=sales_rep,
                agrees_with_stage=False,
                decision="recycled",
                reasons=[timing],
            )
    queue_queries(client, cycle)  # the first view keeps the version's ladder in the cache
    few = queue_queries(client, cycle)
    for n in range(27):
        lead = lead_make(cycle, rep=sales_rep, **QUALIFIED)
        if n % 3 == 0:
            services.feedback_record(
                lead=lead,
                rep=sales_rep,
                agrees_with_stage=False,
                decision="recycled",
                reasons=[timing],
            )
    assert queue_queries(client, cycle) == few


def test_bulk_accept_and_a_bulk_reject_that_asks_for_a_reason(cycle, client_as, sales_rep):
    leads = [lead_make(cycle, rep=sales_rep) for _ in range(3)]
    client = client_as(sales_rep)
    url = reverse("feedback:review_bulk", args=[cycle.pk])
    response = client.post(
        url,
        {"decision": "rejected", "leads": [leads[0].pk]},
        HTTP_HX_TARGET="review-queue",
        **HTMX,
    )
    html = response.content.decode()
    assert "still needs a reason" in html
    assert not LeadFeedback.objects.exists()
    # The refused action keeps its lead selected (and only it), so only the reason is missing.
    boxes = re.findall(r'<input type="checkbox" form="bulk-form"[^>]*>', html)
    checked = [re.search(r'value="(\d+)"', box)[1] for box in boxes if " checked" in box]
    assert len(boxes) == 3 and checked == [str(leads[0].pk)]
    response = client.post(
        url,
        {"decision": "accepted", "leads": [leads[0].pk, leads[1].pk]},
        HTTP_HX_TARGET="review-queue",
        **HTMX,
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="review-queue">')
    assert "2 of 3 reviewed" in html
    assert LeadFeedback.objects.filter(decision="accepted").count() == 2


def test_the_import_steps_upload_dry_run_and_import(
    cycle, client_as, facilitator, django_capture_on_commit_callbacks
):
    rep = rep_make(email="sam@northwind.example")
    client = client_as(facilitator)
    rows = [hubspot_row(n, rep.email) for n in range(1, 5)]
    rows[1] = hubspot_row(2, rep.email, Email="nope")
    upload = hubspot_file(4, rep.email, rows=rows)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        reverse("feedback:import_new"),
        {
            "kind": "leads",
            "cycle": cycle.pk,
            "file": SimpleUploadedFile("hubspot.csv", upload, "text/csv"),
        },
    )
    lead_import = LeadImport.objects.get()
    assert response.status_code == 302
    page = client.get(lead_import.get_absolute_url()).content.decode()
    assert "Recognised: HubSpot contact export" in page
    assert "Ana1" in page  # the preview
    mapping = {
        f"col_{i}": target
        for i, target in enumerate(
            [
                "crm_reference",
                "first_name",
                "last_name",
                "email",
                "phone",
                "company",
                "title",
                "industry",
                "company_size",
                "stage_handed_over",
                "",
                "owner",
                "source",
                "",
            ]
        )
    }
    page = client.post(
        lead_import.get_absolute_url(), {"action": "dry_run", **mapping}
    ).content.decode()
    assert "Line 3, Email: “nope” is not an e-mail address." in page
    page = import_from_page(client, lead_import, django_capture_on_commit_callbacks)
    assert "nothing was imported" in page
    assert not Lead.objects.exists()


def test_an_unreadable_upload_is_a_form_error(cycle, client_as, facilitator):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client_as(facilitator).post(
        reverse("feedback:import_new"),
        {
            "kind": "leads",
            "cycle": cycle.pk,
            "file": SimpleUploadedFile("empty.csv", b"Record ID,Email\r\n", "text/csv"),
        },
    )
    assert response.status_code == 200
    assert "header row but no rows" in response.content.decode()


def test_exports_are_spreadsheet_safe_and_reimport_unchanged(cycle, client_as, facilitator):
    rep = rep_make()
    lead_make(
        cycle,
        rep=rep,
        company='=HYPERLINK("http://evil")',
        **(QUALIFIED | {"phone": "+49 30 1234567"}),
    )
    response = client_as(facilitator).get(reverse("feedback:export_leads", args=[cycle.pk]))
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode("utf-8-sig")
    assert '"\'=HYPERLINK(""http://evil"")"' in body
    assert '"+49 30 1234567"' in body  # a phone number runs nothing: no apostrophe
    from feedback import csv_io

    table = csv_io.csv_read(response.content)
    crm, mapping = csv_io.format_recognise(table.header)
    assert crm.key == "accord"
    assert {"crm_reference", "company", "owner", "need_evidence", "handed_over_at"} <= set(
        mapping.values()
    )
    report = services.leads_import(table=table, mapping=mapping, cycle=cycle, by=facilitator)
    # The neutralised company comes back as it went out: nothing changes.
    assert (report.created, report.changed, report.unchanged) == (0, 0, 1)
    assert Lead.objects.get().company == '=HYPERLINK("http://evil")'


def test_the_feedback_export_names_unwritten_reasons(cycle, client_as, executive):
    rep = rep_make()
    lead = lead_make(cycle, rep=rep)
    services.feedback_record(
        lead=lead,
        rep=rep,
        agrees_with_stage=False,
        decision="rejected",
        reasons=RejectionReason.objects.filter(label__in=["Title below VP", "No verified budget"]),
        comment="-they said no",
    )
    body = (
        client_as(executive)
        .get(reverse("feedback:export_feedback", args=[cycle.pk]))
        .content.decode("utf-8-sig")
    )
    assert '"No verified budget","Title below VP"' in body
    assert '"\'-they said no"' in body


def test_home_lists_the_leads_waiting_with_the_deadline(cycle, client_as, sales_rep):
    lead_make(cycle, rep=sales_rep)
    lead_make(cycle, rep=sales_rep)
    page = client_as(sales_rep).get(reverse("home")).content.decode()
    assert "Leads waiting for my feedback" in page
    assert "2 leads to review" in page
    assert "deadline" in page
    assert reverse("feedback:review", args=[cycle.pk]) in page


def test_the_facilitator_marks_criteria_and_records_outcomes_by_form(cycle, client_as, sales_rep):
    lead = lead_make(cycle, rep=sales_rep)
    response = client_as(sales_rep).post(
        reverse("feedback:outcome", args=[lead.pk]),
        {"result": "bought", "occurred_on": "2027-01-15", "amount": "-5"},
    )
    assert response.status_code == 400
    assert "Amount" in response.content.decode()
    response = client_as(sales_rep).post(
        reverse("feedback:outcome", args=[lead.pk]),
        {"result": "bought", "occurred_on": "2027-01-15", "amount": "5000"},
    )
    assert response.status_code == 302
    assert lead.__class__.objects.get(pk=lead.pk).outcome.result == "bought"


def test_the_facilitator_opens_a_cycle_by_form(client_as):
    cycle = cycle_make()
    facilitator = cycle.definition.facilitator
    client = client_as(facilitator)
    overlapping = client.post(
        reverse("feedback:cycle_new"),
        {
            "definition": cycle.definition.pk,
            "starts_at": (cycle.starts_at + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert overlapping.status_code == 200
    assert "overlap" in overlapping.content.decode()
    starts = (cycle.ends_at + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("feedback:cycle_new"),
        {"definition": cycle.definition.pk, "starts_at": starts, "days": "7"},
    )
    assert response.status_code == 302


def test_the_facilitator_enters_a_lead_by_form_and_it_is_checked(client_as, sales_rep):
    cycle = cycle_make()
    client = client_as(cycle.definition.facilitator)
    data = {
        "cycle": cycle.pk,
        "rep": sales_rep.pk,
        "crm_reference": "F-1",
        "company": "Formco",
        "email": "a@formco.example",
        "source": "referral",
        "need_evidence": "none",
        "budget_evidence": "none",
        "authority_evidence": "none",
        "stage_handed_over": "lead",
        "permission_to_follow_up": "unknown",
        "asked_for_information": "true",
    }
    response = client.post(reverse("feedback:lead_new"), data)
    assert response.status_code == 302, response.content.decode()
    lead = Lead.objects.get(crm_reference="F-1")
    assert lead.qualification.level_reached == "inquiry"
    again = client.post(reverse("feedback:lead_new"), data)
    assert "already exists" in again.content.decode()


def test_the_facilitator_keeps_the_catalogue(client_as, facilitator):
    client = client_as(facilitator)
    response = client.post(reverse("feedback:reasons"), {"label": "Student", "criterion_key": ""})
    assert response.status_code == 302
    assert RejectionReason.objects.get(label="Student").is_unwritten
    timing = RejectionReason.objects.get(label="Timing")
    retire = reverse("feedback:reason_retire", args=[timing.pk])
    asked = client.get(retire)
    timing.refresh_from_db()
    assert timing.active and "Retire the reason “Timing”?" in asked.content.decode()
    client.post(retire)
    timing.refresh_from_db()
    assert not timing.active
    client.post(reverse("feedback:reasons"), {"toggle": timing.pk})
    timing.refresh_from_db()
    assert timing.active
    page = client.get(reverse("feedback:reasons")).content.decode()
    assert "Title below VP" in page


def test_a_facilitator_can_rerun_the_check_and_a_rep_cannot(client_as, sales_rep):
    cycle = cycle_make()
    lead_make(cycle, rep=sales_rep)
    url = reverse("feedback:cycle_recheck", args=[cycle.pk])
    assert client_as(sales_rep).post(url).status_code == 403
    assert client_as(cycle.definition.facilitator).post(url).status_code == 302


def test_outcomes_import_through_the_page(
    client_as, facilitator, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    cycle = cycle_make()
    rep = rep_make()
    lead_make(cycle, rep=rep, crm_reference="HS-7")
    client = client_as(facilitator)
    data = b"CRM reference;Outcome;Date;Amount\r\nHS-7;Closed Won;2027-03-01;9000\r\n"
    client.post(
        reverse("feedback:import_new"),
        {
            "kind": "outcomes",
            "cycle": cycle.pk,
            "file": SimpleUploadedFile("outcomes.csv", data, "text/csv"),
        },
    )
    lead_import = LeadImport.objects.get()
    mapping = {
        "col_0": "crm_reference",
        "col_1": "result",
        "col_2": "occurred_on",
        "col_3": "amount",
    }
    page = client.post(
        lead_import.get_absolute_url(), {"action": "dry_run", **mapping}
    ).content.decode()
    assert "Importing will create 1" in page
    page = import_from_page(client, lead_import, django_capture_on_commit_callbacks)
    assert "1 created, 0 changed" in page
    assert Lead.objects.get(crm_reference="HS-7").outcome.result == "bought"


def import_from_page(client, lead_import, capture) -> str:
    """Press Import as a browser without JavaScript does: the POST (whose commit runs the
    task, the test backend running tasks at once), then the page it redirects to."""
    with capture(execute=True):
        client.post(lead_import.get_absolute_url(), {"action": "import"})
    return client.get(lead_import.get_absolute_url()).text


def test_an_import_runs_as_a_task_and_its_page_follows_it(
    client_as, facilitator, task_queue, django_capture_on_commit_callbacks
):
    from feedback.progress import ProgressWriter

    cycle = cycle_make()
    rep = rep_make()
    lead_import = services.import_upload(
        data=hubspot_file(3, rep.email), filename="a.csv", by=facilitator, cycle=cycle
    )
    services.import_dry_run(lead_import=lead_import, by=facilitator)
    client = client_as(facilitator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            lead_import.get_absolute_url(),
            {"action": "import"},
            HTTP_HX_REQUEST="true",
            HTTP_HX_TARGET="import-result",
        )
        # A second click while it waits queues nothing more.
        client.post(lead_import.get_absolute_url(), {"action": "import"})
    assert response.text.lstrip().startswith('<div id="import-result">')
    assert "Waiting for a worker" in response.text
    assert len(task_queue.ready()) == 1
    assert not Lead.objects.exists()
    progress_url = reverse("feedback:import_progress", args=[lead_import.pk])
    polled = client.get(progress_url).text
    assert 'hx-trigger="every 1s"' in polled
    # Redrawn every second: no live region (it would be read out each time), and its link
    # keeps an id, so htmx gives focus back to it after each redraw.
    assert 'role="status"' not in polled and 'id="import-refresh"' in polled
    # While it runs, the figures the task reports reach the page (a reload shows them too).
    LeadImport.objects.filter(pk=lead_import.pk).update(status="importing")
    ProgressWriter(lead_import.pk)(2, 3)
    assert "2 of 3 rows written" in client.get(progress_url).text
    assert "2 of 3 rows written" in client.get(lead_import.get_absolute_url()).text
    LeadImport.objects.filter(pk=lead_import.pk).update(status="queued")
    assert task_queue.run() == 1
    page = client.get(progress_url).text
    assert "3 created, 0 changed" in page
    assert "hx-trigger" not in page  # finished: the polling stops
    assert 'data-announce-ended="Imported: 3 created, 0 changed, 0 unchanged."' in page
    assert Lead.objects.count() == 3


def test_an_import_that_crashes_is_failed_and_says_nothing_was_imported(
    client_as, facilitator, task_queue, django_capture_on_commit_callbacks, monkeypatch
):
    cycle = cycle_make()
    rep = rep_make()
    lead_import = services.import_upload(
        data=hubspot_file(2, rep.email), filename="a.csv", by=facilitator, cycle=cycle
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.import_enqueue(lead_import=lead_import, by=facilitator)

    def crash(*args, **kwargs):
        raise RuntimeError("worker fell over")

    monkeypatch.setattr("feedback.services.import_writes.leads_check", crash)
    task_queue.run()
    lead_import.refresh_from_db()
    assert lead_import.status == "failed"
    assert not Lead.objects.exists()
    page = client_as(facilitator).get(lead_import.get_absolute_url()).text
    assert "The import stopped before it finished; nothing was imported." in page


def test_an_import_lost_with_its_worker_can_be_started_again(client_as, facilitator):
    cycle = cycle_make()
    rep = rep_make()
    lead_import = services.import_upload(
        data=hubspot_file(2, rep.email), filename="a.csv", by=facilitator, cycle=cycle
    )
    long_ago = timezone.now() - timedelta(minutes=31)
    LeadImport.objects.filter(pk=lead_import.pk).update(status="importing", progress_at=long_ago)
    page = client_as(facilitator).get(lead_import.get_absolute_url()).text
    assert "The import stopped" in page and "again</button>" in page


def test_home_still_lists_a_cycle_closed_this_week_with_its_deadline_passed(client_as, sales_rep):
    cycle = cycle_make()
    now = timezone.now()
    # Moved into the past behind the services' back: no version was in force back then.
    ReviewCycle.objects.filter(pk=cycle.pk).update(
        starts_at=now - timedelta(days=10), ends_at=now - timedelta(days=2)
    )
    cycle.refresh_from_db()
    lead_make(cycle, rep=sales_rep)
    page = client_as(sales_rep).get(reverse("home")).content.decode()
    deadline = f"{timezone.localtime(cycle.ends_at):%a %d %b, %H:%M}"
    assert f"1 lead to review · {cycle.definition.name}" in page
    assert f"deadline {deadline} (passed)" in page


def test_the_facilitators_home_shows_each_open_cycles_progress(client_as, sales_rep):
    cycle = cycle_make()
    done = lead_make(cycle, rep=sales_rep)
    lead_make(cycle, rep=sales_rep)
    services.feedback_record(lead=done, rep=sales_rep, agrees_with_stage=True, decision="accepted")
    page = client_as(cycle.definition.facilitator).get(reverse("home")).content.decode()
    assert "Review cycles running" in page
    assert f"{cycle.definition}: 1 of 2 reviewed" in page


def test_a_marketer_cannot_add_a_suggestion_but_a_rep_can(client_as, marketer, sales_rep):
    cycle = cycle_make()
    url = reverse("feedback:suggestion_add", args=[cycle.pk])
    data = {"kind": "start", "text": "Ask about the budget owner"}
    assert client_as(marketer).post(url, data).status_code == 403
    assert client_as(sales_rep).post(url, data).status_code == 302
    page = client_as(cycle.definition.facilitator).get(reverse("feedback:cycle", args=[cycle.pk]))
    assert "Ask about the budget owner" in page.content.decode()


def test_a_cycle_that_has_not_started_shows_as_upcoming_and_refuses_feedback(client_as, sales_rep):
    upcoming = cycle_make(starts_at=timezone.now() + timedelta(days=3))
    lead = lead_make(upcoming, rep=sales_rep, handed_over_at=upcoming.starts_at)
    client = client_as(sales_rep)

    page = client.get(reverse("feedback:review", args=[upcoming.pk])).content.decode()
    response = post_feedback(client, upcoming, lead, agrees_with_stage="yes", decision="accepted")

    assert '<span class="badge" data-cycle-status>upcoming</span>' in page
    assert "This cycle has not started yet" in page
    assert "This review cycle has not started yet: feedback opens on" in response.content.decode()
    assert not LeadFeedback.objects.exists()
    assert upcoming in ReviewCycle.objects.upcoming()


def test_a_refused_bulk_action_shows_its_leads_selected_wherever_they_were(
    cycle, client_as, sales_rep
):
    """A lead selected on a later page (loaded with "Show the next leads") comes back with
    the refused action, still selected, though the queue re-renders its first page."""
    leads = [lead_make(cycle, rep=sales_rep, company=f"Company {n:02}") for n in range(30)]
    later = leads[-1]  # beyond the first page of 25
    response = client_as(sales_rep).post(
        reverse("feedback:review_bulk", args=[cycle.pk]),
        {"decision": "rejected", "leads": [leads[0].pk, later.pk]},
        HTTP_HX_TARGET="review-queue",
        **HTMX,
    )
    html = response.content.decode()
    assert "still needs a reason" in html
    boxes = re.findall(r'<input type="checkbox" form="bulk-form"[^>]*>', html)
    checked = {re.search(r'value="(\d+)"', box)[1] for box in boxes if " checked" in box}
    assert checked == {str(leads[0].pk), str(later.pk)}
    assert html.count(f'id="lead-{later.pk}"') == 1


def test_all_reviewed_says_whether_the_deadline_has_passed(client_as, sales_rep):
    """Once nothing waits, the queue says a verdict can still change until the deadline, and
    after the deadline that a change still counts: it never promises a deadline to come that
    has gone."""
    cycle = cycle_make()
    lead = lead_make(cycle, rep=sales_rep)
    services.feedback_record(lead=lead, rep=sales_rep, agrees_with_stage=True, decision="accepted")
    ReviewCycle.objects.filter(pk=cycle.pk).update(
        starts_at=timezone.now() - timedelta(days=15), ends_at=timezone.now() - timedelta(days=1)
    )
    html = client_as(sales_rep).get(reverse("feedback:review", args=[cycle.pk])).content.decode()
    assert "All reviewed" in html
    assert "until the deadline" not in html
    assert "The deadline has passed: a verdict you change now still counts" in html
    open_cycle = cycle_make()
    lead = lead_make(open_cycle, rep=sales_rep)
    services.feedback_record(lead=lead, rep=sales_rep, agrees_with_stage=True, decision="accepted")
    html = client_as(sales_rep).get(reverse("feedback:review", args=[open_cycle.pk])).content
    assert "You can still change a verdict until the deadline." in html.decode()
