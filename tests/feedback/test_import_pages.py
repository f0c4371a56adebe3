"""The import pages say how they read a file, take the facilitator's choices, group the
problems, and list every import, the command's too; the export re-imports unchanged."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from feedback import csv_io, selectors, services
from feedback.models import Lead, LeadImport
from tests.definitions.factories import DefinitionFactory
from tests.feedback.csvs import HUBSPOT_HEADER, csv_text, hubspot_file, hubspot_row
from tests.feedback.factories import QUALIFIED, cycle_make, lead_make, rep_make
from tests.feedback.test_import_reading import (
    IDS_18,
    german_excel_file,
    salesforce_api_file,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle():
    return cycle_make()


@pytest.fixture
def rep():
    return rep_make(email="sam@northwind.example", full_name="Sam Ortiz")


def upload(client, cycle, data: bytes, name="leads.csv", **extra) -> LeadImport:
    response = client.post(
        reverse("feedback:import_new"),
        {"kind": "leads", "cycle": cycle.pk, "file": SimpleUploadedFile(name, data), **extra},
    )
    assert response.status_code == 302, response.content.decode()
    return LeadImport.objects.latest("pk")


def mapping_post(lead_import: LeadImport, **choices) -> dict:
    """The mapping form as the page shows it (the recognised mapping), with `choices`."""
    table = csv_io.csv_read(bytes(lead_import.content))
    data = {
        f"col_{index}": lead_import.mapping.get(column, "")
        for index, column in enumerate(table.header)
    }
    return {"action": "dry_run", **data, **choices}


def test_the_dry_run_of_a_german_excel_file_says_what_it_read(
    client_as, facilitator, cycle, rep, django_capture_on_commit_callbacks
):
    values = [
        {"Number of Employees": "1.200", "Create Date": "04.03.2025 11:54", "Last Name": "Müller"},
        {"Number of Employees": "12,0", "Create Date": "05.03.2025 09:10", "Last Name": "Groß"},
    ]
    client = client_as(facilitator)
    lead_import = upload(client, cycle, german_excel_file(rep, values), "hubspot-excel.csv")
    page = client.post(lead_import.get_absolute_url(), mapping_post(lead_import)).content.decode()
    assert "windows-1252, semicolon-separated, 2 rows" in page
    assert "“Number of Employees”: numbers read with a decimal comma (1.234,5)" in page
    assert "“Create Date”: dates read as day/month/year (written with dots" in page
    assert "read from “Create Date”, the date the CRM gives" in page
    assert "“marketingqualifiedlead” (2 rows): Lead" in page
    assert "The dry run found no problems" in page
    # The import runs as a background task once the request commits (the test backend runs
    # it at once).
    with django_capture_on_commit_callbacks(execute=True):
        client.post(lead_import.get_absolute_url(), {"action": "import"})
    assert sorted(Lead.objects.values_list("company_size", flat=True)) == [12, 1200]
    moments = {timezone.localtime(lead.handed_over_at).date() for lead in Lead.objects.all()}
    assert {(d.day, d.month) for d in moments} == {(4, 3), (5, 3)}


def test_an_ambiguous_date_column_is_named_on_the_page_and_its_order_chosen_there(
    client_as, facilitator, cycle, rep, django_capture_on_commit_callbacks
):
    rows = [hubspot_row(1, rep.email, **{"Create Date": "03/04/2025"})]
    client = client_as(facilitator)
    lead_import = upload(client, cycle, hubspot_file(1, rep.email, rows=rows))
    page = client.post(lead_import.get_absolute_url(), mapping_post(lead_import)).content.decode()
    assert "Column Create Date: Dates such as “03/04/2025” (line 2) read as" in page
    assert 'name="dates"' in page
    page = client.post(
        lead_import.get_absolute_url(), mapping_post(lead_import, dates="dmy")
    ).content.decode()
    assert "dates read as day/month/year (as chosen)" in page
    lead_import.refresh_from_db()
    assert lead_import.reading == {"crm": "hubspot", "dates": "dmy"}
    # The import runs as a background task once the request commits (the test backend runs
    # it at once).
    with django_capture_on_commit_callbacks(execute=True):
        client.post(lead_import.get_absolute_url(), {"action": "import"})
    assert timezone.localtime(Lead.objects.get().handed_over_at).date().month == 4


def test_the_stage_of_each_salesforce_status_is_shown_and_changed_on_the_page(
    client_as, facilitator, cycle, rep, django_capture_on_commit_callbacks
):
    client = client_as(facilitator)
    lead_import = upload(client, cycle, salesforce_api_file(rep, IDS_18))
    page = client.get(lead_import.get_absolute_url()).content.decode()
    assert "“Closed - Converted” (1 row): Opportunity" in page
    form = page.split("data-stage-choices", 1)[1]
    assert "Closed - Converted" in form
    # The facilitator reads a converted lead as a customer.
    index = next(
        i
        for i, (word, _) in enumerate(
            csv_io.column_words(csv_io.csv_read(bytes(lead_import.content)), "Status")
        )
        if word == "Closed - Converted"
    )
    post = mapping_post(lead_import, **{f"stage_{index}": "customer"})
    page = client.post(lead_import.get_absolute_url(), post).content.decode()
    assert "“Closed - Converted” (1 row): Customer" in page
    # The import runs as a background task once the request commits (the test backend runs
    # it at once).
    with django_capture_on_commit_callbacks(execute=True):
        client.post(lead_import.get_absolute_url(), {"action": "import"})
    assert Lead.objects.get(crm_reference=IDS_18[2]).stage_handed_over == "customer"
    assert Lead.objects.get(crm_reference=IDS_18[1]).stage_handed_over == "accepted"


def test_the_page_groups_problems_and_shows_the_true_total(client_as, facilitator, cycle, rep):
    rows = [hubspot_row(n, "Pat Pipeline") for n in range(1, 1201)]
    rows.append(hubspot_row(1201, rep.email, Email="nope"))
    client = client_as(facilitator)
    lead_import = upload(client, cycle, hubspot_file(0, rep.email, rows=rows))
    page = client.post(lead_import.get_absolute_url(), mapping_post(lead_import)).content.decode()
    assert "1201 problems: nothing was imported" in page
    assert "Lines 2, 3, 4, 5, 6 and 1195 more, Contact owner: “Pat Pipeline”: 1,200 rows" in page
    assert "Line 1202, Email: “nope” is not an e-mail address." in page


def test_a_duplicated_column_is_noted_on_the_page(client_as, facilitator, cycle, rep):
    header = [*HUBSPOT_HEADER, "Notes", "Notes"]
    data = csv_text([header, [*hubspot_row(1, rep.email), "a", "b"]]).encode()
    client = client_as(facilitator)
    lead_import = upload(client, cycle, data)
    page = client.get(lead_import.get_absolute_url()).content.decode()
    assert "Named twice in the header, so not read: “Notes” (columns 15, 16)" in page
    page = client.post(lead_import.get_absolute_url(), mapping_post(lead_import)).content.decode()
    assert "The dry run found no problems" in page


def test_a_file_over_the_size_limit_gets_the_next_step_on_the_page(client_as, facilitator, cycle):
    big = b"Record ID,Company\r\n" + b"x" * (csv_io.MAX_BYTES + 1)
    response = client_as(facilitator).post(
        reverse("feedback:import_new"),
        {"kind": "leads", "cycle": cycle.pk, "file": SimpleUploadedFile("big.csv", big)},
    )
    page = response.content.decode()
    assert "the limit for an upload is 10 MB" in page
    assert "Split it into smaller files" in page
    assert "manage.py import_leads FILE --cycle ID --by YOUR-E-MAIL" in page


def test_the_command_records_its_import_in_the_imports_list(
    tmp_path, client_as, facilitator, cycle, rep
):
    path = tmp_path / "big-export.csv"
    path.write_bytes(hubspot_file(3, rep.email))
    by = cycle.definition.facilitator
    call_command("import_leads", str(path), "--cycle", str(cycle.pk), "--by", by.email)
    recorded = LeadImport.objects.get()
    assert (recorded.via, recorded.status, recorded.created) == ("command", "imported", 3)
    assert (recorded.filename, recorded.uploaded_by, recorded.cycle) == (
        "big-export.csv",
        by,
        cycle,
    )
    assert list(selectors.recent_imports()) == [recorded]
    page = client_as(facilitator).get(reverse("feedback:import_new")).content.decode()
    listed = page.split("data-imports", 1)[1]
    assert "big-export.csv" in listed
    assert "The import_leads command" in listed
    assert "3 / 0 / 0" in listed
    # Its page shows the import like an upload's.
    detail = client_as(facilitator).get(recorded.get_absolute_url()).content.decode()
    assert "3 created, 0 changed, 0 unchanged" in detail


def test_the_command_records_a_failed_import_with_its_problems(tmp_path, cycle, rep):
    from django.core.management import CommandError

    rows = [hubspot_row(1, rep.email, Email="nope")]
    path = tmp_path / "bad.csv"
    path.write_bytes(hubspot_file(1, rep.email, rows=rows))
    by = cycle.definition.facilitator.email
    with pytest.raises(CommandError):
        call_command("import_leads", str(path), "--cycle", str(cycle.pk), "--by", by)
    recorded = LeadImport.objects.get()
    assert (recorded.via, recorded.status, recorded.problem_count) == ("command", "failed", 1)
    assert recorded.errors[0]["field"] == "Email"


# --- the round trip -----------------------------------------------------------------------

COMPARED = [
    "crm_reference",
    "company",
    "contact_name",
    "email",
    "phone",
    "title",
    "seniority",
    "industry",
    "company_size",
    "region",
    "source",
    "permission_to_follow_up",
    "asked_for_information",
    "need_evidence",
    "need_note",
    "budget_evidence",
    "budget_note",
    "authority_evidence",
    "authority_note",
    "stage_handed_over",
    "handed_over_at",
]


def test_the_cycles_export_reimports_into_a_new_cycle_with_no_problem_and_the_same_values(
    client_as, facilitator, cycle
):
    reps = [rep_make(), rep_make()]
    awkward = [
        {"company": '=HYPERLINK("http://evil")', "phone": "+49 30 1234567"},
        {"company": "Müller & Söhne; GmbH", "need_note": "Two lines:\nbudget, then timing"},
        {"company": "＝cmd|' /C calc'!A0", "title": "-Head of Ops", "region": "@EMEA"},
        {"company": "Acme", "permission_to_follow_up": None, "company_size": None},
        {"company": "Beta", "email": "", "phone": "-12", "stage_handed_over": "opportunity"},
    ]
    for n, fields in enumerate(awkward):
        lead_make(
            cycle,
            rep=reps[n % 2],
            **{**QUALIFIED, "source": "webinar", "industry": "Retail", **fields},
            handed_over_at=timezone.now() - timezone.timedelta(days=n, minutes=7 * n),
        )
    exported = client_as(facilitator).get(reverse("feedback:export_leads", args=[cycle.pk]))
    other = cycle_make(DefinitionFactory(facilitator=facilitator))
    table = csv_io.csv_read(exported.content)
    crm, mapping = csv_io.format_recognise(table.header)
    report = services.leads_import(
        table=table,
        mapping=mapping,
        cycle=other,
        by=facilitator,
        choices=services.import_choices(crm.key),
    )
    assert report.errors == []
    assert (report.created, report.changed) == (5, 0)

    def values(c):
        return [
            [getattr(lead, name) for name in COMPARED] + [lead.rep_id]
            for lead in Lead.objects.filter(cycle=c).order_by("crm_reference")
        ]

    assert values(other) == values(cycle)
    # And into the cycle it came from: nothing changes.
    again = services.leads_import(
        table=table, mapping=mapping, cycle=cycle, by=facilitator, dry_run=True
    )
    assert (again.errors, again.changed, again.unchanged) == ([], 0, 5)
