"""Every CRM file read as its author meant: dates one way per column, numbers with the file's
decimal sign, the CRM's dates and statuses mapped, Salesforce Ids as one lead, spreadsheet
quirks tolerated, problems grouped, NUL characters refused."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from feedback import csv_io, services
from feedback.models import Lead, Outcome
from tests.feedback.csvs import HUBSPOT_HEADER, csv_text, hubspot_file, hubspot_row
from tests.feedback.factories import cycle_make, lead_make, rep_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle():
    return cycle_make()


@pytest.fixture
def rep():
    return rep_make(email="sam@northwind.example", full_name="Sam Ortiz")


def run(cycle, data: bytes, *, dry_run=False, fallback_rep=None, mapping=None, **chosen):
    """The import as the page runs it: recognise the file, then import with the choices."""
    table = csv_io.csv_read(data)
    crm, recognised = csv_io.format_recognise(table.header)
    call = dict(
        table=table,
        mapping=mapping or recognised,
        cycle=cycle,
        by=cycle.definition.facilitator,
        fallback_rep=fallback_rep,
        dry_run=dry_run,
        choices=services.import_choices(crm.key if crm else "", chosen),
    )
    try:
        return services.leads_import(**call)
    except services.ImportFailed as failure:
        return failure.report


def local(moment: datetime) -> tuple:
    moment = timezone.localtime(moment)
    return (moment.year, moment.month, moment.day, moment.hour, moment.minute)


def messages(report) -> list[str]:
    return [f"{e['line']}|{e['field']}|{e['message']}" for e in report.errors]


# --- 1. dates -------------------------------------------------------------------------------


def test_a_date_column_is_read_one_way_decided_by_a_value_that_reads_only_so(cycle, rep):
    rows = [
        hubspot_row(1, rep.email, **{"Create Date": "03/04/2025"}),
        hubspot_row(2, rep.email, **{"Create Date": "03/04/2025 11:54"}),
        hubspot_row(3, rep.email, **{"Create Date": "03/04/2025 11:54 AM"}),
        hubspot_row(4, rep.email, **{"Create Date": "13/04/2025 08:00"}),
    ]
    report = run(cycle, hubspot_file(4, rep.email, rows=rows))
    assert report.ok, report.errors
    assert (
        "“Create Date”: dates read as day/month/year "
        "(“13/04/2025 08:00” on line 5 can only be day first)"
    ) in [str(r) for r in report.readings]
    stored = {lead.crm_reference: local(lead.handed_over_at) for lead in Lead.objects.all()}
    assert stored == {
        "HS-1": (2025, 4, 3, 9, 0),
        "HS-2": (2025, 4, 3, 11, 54),
        "HS-3": (2025, 4, 3, 11, 54),
        "HS-4": (2025, 4, 13, 8, 0),
    }


def test_an_ambiguous_date_column_is_refused_by_name_until_its_order_is_chosen(cycle, rep):
    rows = [
        hubspot_row(1, rep.email, **{"Create Date": "03/04/2025"}),
        hubspot_row(2, rep.email, **{"Create Date": "05/06/2025 11:54 PM"}),
    ]
    data = hubspot_file(2, rep.email, rows=rows)
    refused = run(cycle, data)
    assert messages(refused) == [
        "None|Create Date|Dates such as “03/04/2025” (line 2) read as day/month/year or as "
        "month/day/year, and no date in the column settles which. Choose how the dates are "
        "written below."
    ]
    assert not Lead.objects.exists()
    assert run(cycle, data, dates="mdy").ok
    stored = {lead.crm_reference: local(lead.handed_over_at) for lead in Lead.objects.all()}
    assert stored == {"HS-1": (2025, 3, 4, 9, 0), "HS-2": (2025, 5, 6, 23, 54)}


def test_a_column_with_dates_written_both_ways_is_refused_naming_both(cycle, rep):
    rows = [
        hubspot_row(1, rep.email, **{"Create Date": "13/04/2025"}),
        hubspot_row(2, rep.email, **{"Create Date": "04/13/2025"}),
    ]
    report = run(cycle, hubspot_file(2, rep.email, rows=rows))
    assert (
        "“13/04/2025” (line 2) is day first and “04/13/2025” (line 3)"
        in (report.errors[0]["message"])
    )


def test_a_salesforce_report_reads_undecided_dates_as_salesforce_writes_them(cycle, rep):
    header = ["Lead ID", "First Name", "Last Name", "Email", "Company / Account", "Lead Owner"]
    header.append("Create Date")
    row = ["00Q5g000001AbCdEAK", "Ana", "Silva", "ana@acme.example", "Acme", rep.email]
    data = csv_text([header, [*row, "03/04/2025"]]).encode()
    report = run(cycle, data)
    assert report.ok, report.errors
    assert "as a Salesforce lead report writes them" in str(report.readings[0])
    assert local(Lead.objects.get().handed_over_at)[:3] == (2025, 3, 4)


def test_the_command_takes_the_date_order_and_says_how_it_read(tmp_path, capsys, cycle, rep):
    from django.core.management import CommandError, call_command

    rows = [hubspot_row(1, rep.email, **{"Create Date": "03/04/2025"})]
    path = tmp_path / "leads.csv"
    path.write_bytes(hubspot_file(1, rep.email, rows=rows))
    args = [str(path), "--cycle", str(cycle.pk), "--by", cycle.definition.facilitator.email]
    with pytest.raises(CommandError):
        call_command("import_leads", *args)
    assert "Create Date: Dates such as “03/04/2025”" in capsys.readouterr().err
    call_command("import_leads", *args, "--dates", "dmy")
    assert "dates read as day/month/year (as chosen)" in capsys.readouterr().out
    assert local(Lead.objects.get().handed_over_at)[:3] == (2025, 4, 3)


# --- 2. numbers -----------------------------------------------------------------------------


def german_excel_file(rep, rows_values: list[dict]) -> bytes:
    """A HubSpot export re-saved by a German Excel: semicolons, Windows-1252, dates with
    dots, decimal commas, and empty columns at the end of each line."""
    rows = [hubspot_row(n, rep.email, **values) for n, values in enumerate(rows_values, 1)]
    text = csv_text([HUBSPOT_HEADER, *rows], ";").replace("\r\n", ";;;\r\n")
    return text.encode("cp1252")


def test_a_german_excel_file_keeps_its_numbers_and_dates(cycle, rep):
    employees = ["12,0", "1200,00", "50.000", "1.200", "250"]
    values = [
        {"Number of Employees": size, "Create Date": "04.03.2025 11:54", "Company Name": "Müller"}
        for size in employees
    ]
    report = run(cycle, german_excel_file(rep, values))
    assert report.ok, report.errors
    assert [str(r) for r in report.readings] == [
        "“Number of Employees”: numbers read with a decimal comma (1.234,5) "
        "(“12,0” on line 2 reads only so)",
        "“Create Date”: dates read as day/month/year (written with dots, as “04.03.2025 11:54”)",
    ]
    leads = Lead.objects.order_by("pk")
    assert [lead.company_size for lead in leads] == [12, 1200, 50000, 1200, 250]
    assert {local(lead.handed_over_at) for lead in leads} == {(2025, 3, 4, 11, 54)}
    assert {lead.company for lead in leads} == {"Müller"}


def test_a_semicolon_file_reads_thousands_points_without_a_decimal_in_sight(cycle, rep):
    values = [{"Number of Employees": "50.000"}, {"Number of Employees": "1.200"}]
    report = run(cycle, german_excel_file(rep, values))
    assert "the file is separated by semicolons" in str(report.readings[0])
    assert sorted(Lead.objects.values_list("company_size", flat=True)) == [1200, 50000]


def test_an_ambiguous_number_is_refused_by_line_and_column_until_chosen(cycle, rep):
    rows = [
        hubspot_row(1, rep.email, **{"Number of Employees": "1,200"}),
        hubspot_row(2, rep.email, **{"Number of Employees": "300"}),
    ]
    data = hubspot_file(2, rep.email, rows=rows, delimiter="\t")
    refused = run(cycle, data)
    assert messages(refused) == [
        "2|Number of Employees|“1,200” reads as a whole number or as a decimal: choose how "
        "numbers are written below."
    ]
    assert run(cycle, data, decimal=".").ok
    assert Lead.objects.get(crm_reference="HS-1").company_size == 1200


def test_numbers_written_both_ways_in_a_column_are_refused(cycle, rep):
    rows = [
        hubspot_row(1, rep.email, **{"Number of Employees": "12,0"}),
        hubspot_row(2, rep.email, **{"Number of Employees": "1,234.0"}),
    ]
    report = run(cycle, hubspot_file(2, rep.email, rows=rows))
    assert report.errors[0]["field"] == "Number of Employees"
    assert "written two ways" in report.errors[0]["message"]


def test_outcome_amounts_honour_the_decimal_comma(cycle, rep):
    lead_make(cycle, rep=rep, crm_reference="A-1")
    lead_make(cycle, rep=rep, crm_reference="A-2")
    text = "Lead;Outcome;Date;Amount\r\nA-1;won;13.02.2027;1.234,50\r\nA-2;won;14.02.2027;12,5\r\n"
    table = csv_io.csv_read(text.encode())
    mapping = {"Lead": "crm_reference", "Outcome": "result", "Date": "occurred_on"}
    mapping["Amount"] = "amount"
    report = services.outcomes_import(
        table=table, mapping=mapping, definition=cycle.definition, by=cycle.definition.facilitator
    )
    assert report.ok, report.errors
    stored = dict(Outcome.objects.values_list("lead__crm_reference", "amount"))
    assert stored == {"A-1": Decimal("1234.50"), "A-2": Decimal("12.50")}
    assert set(Outcome.objects.values_list("occurred_on", flat=True)) == {
        date(2027, 2, 13),
        date(2027, 2, 14),
    }


# --- 3. the CRM's dates ---------------------------------------------------------------------


def test_the_crms_creation_date_is_the_hand_over_date_and_a_bad_one_is_named(cycle, rep):
    table = csv_io.csv_read(hubspot_file(1, rep.email))
    assert csv_io.format_recognise(table.header)[1]["Create Date"] == "handed_over_at"
    rows = [hubspot_row(1, rep.email), hubspot_row(2, rep.email, **{"Create Date": "soon"})]
    refused = run(cycle, hubspot_file(2, rep.email, rows=rows))
    assert messages(refused) == ["3|Create Date|“soon” is not a date written year/month/day."]
    assert run(cycle, hubspot_file(1, rep.email)).ok
    assert local(Lead.objects.get().handed_over_at) == (2026, 11, 2, 10, 0)


def test_the_date_it_became_an_mql_comes_before_the_creation_date():
    header = [*HUBSPOT_HEADER, "Became a Marketing Qualified Lead Date"]
    _, mapping = csv_io.format_recognise(header)
    assert mapping["Became a Marketing Qualified Lead Date"] == "handed_over_at"
    assert "Create Date" not in mapping


# --- 4. Salesforce statuses -----------------------------------------------------------------

SALESFORCE_API_HEADER = ["Id", "FirstName", "LastName", "Email", "Company", "OwnerId", "Status"]
STATUSES = ["Open - Not Contacted", "Working - Contacted", "Closed - Converted"]
STATUSES += ["Closed - Not Converted"]


def salesforce_api_file(rep, ids: list[str], statuses=STATUSES) -> bytes:
    rows = [
        [ref, "Ana", f"Silva{n}", f"ana{n}@acme.example", f"Acme {n}", rep.email, status]
        for n, (ref, status) in enumerate(zip(ids, statuses, strict=False))
    ]
    return csv_text([SALESFORCE_API_HEADER, *rows]).encode()


IDS_18 = ["00Q5g000001AbCdEAK", "00Q5g000001AbCeEAK", "00Q5g000001AbCfEAK", "00Q5g000001ABCgEAO"]


def test_salesforce_lead_statuses_become_stages_and_can_be_changed(cycle, rep):
    assert run(cycle, salesforce_api_file(rep, IDS_18)).ok
    stages = dict(Lead.objects.values_list("crm_reference", "stage_handed_over"))
    assert [stages[ref] for ref in IDS_18] == ["lead", "accepted", "opportunity", "lead"]
    # The facilitator says a converted lead here is a customer: the re-import changes it.
    report = run(cycle, salesforce_api_file(rep, IDS_18), stages={"Closed - Converted": "customer"})
    assert (report.changed, report.unchanged) == (1, 3)
    assert Lead.objects.get(crm_reference=IDS_18[2]).stage_handed_over == "customer"


# --- 5. Salesforce Ids ----------------------------------------------------------------------


def test_a_salesforce_id_of_15_or_18_characters_is_one_lead(cycle, rep):
    assert csv_io.salesforce_id18("001000000000001") == "001000000000001AAA"
    assert csv_io.salesforce_id18("0015000000VALDt") == "0015000000VALDtAAP"
    assert [csv_io.salesforce_id18(ref[:15]) for ref in IDS_18] == IDS_18
    assert run(cycle, salesforce_api_file(rep, IDS_18)).ok
    # The same leads from a report, whose Ids have 15 characters.
    header = ["Lead ID", "First Name", "Last Name", "Email", "Company / Account", "Lead Owner"]
    rows = [
        [ref[:15], "Ana", f"Silva{n}", f"ana{n}@acme.example", f"Acme {n}", rep.email]
        for n, ref in enumerate(IDS_18)
    ]
    report = run(cycle, csv_text([header, *rows]).encode())
    assert (report.created, report.unchanged) == (0, 4)
    assert sorted(Lead.objects.values_list("crm_reference", flat=True)) == sorted(IDS_18)


# --- 6, 7, 8. what spreadsheets and newer exports write -------------------------------------


def test_empty_columns_at_the_end_of_each_line_are_ignored(cycle, rep):
    text = csv_text([HUBSPOT_HEADER, hubspot_row(1, rep.email)], ";").replace("\r\n", ";;;\r\n")
    table = csv_io.csv_read(text.encode())
    assert table.header == HUBSPOT_HEADER
    assert run(cycle, text.encode()).ok
    assert Lead.objects.get().company == "Acme 1"


def test_a_header_named_twice_is_left_out_with_a_note_unless_it_is_mapped(cycle, rep):
    header = [*HUBSPOT_HEADER, "Notes", "Notes"]
    rows = [[*hubspot_row(1, rep.email), "a", "b"]]
    data = csv_text([header, *rows]).encode()
    table = csv_io.csv_read(data)
    assert table.duplicates == {"Notes": [15, 16]}
    assert run(cycle, data).ok
    assert Lead.objects.get().crm_reference == "HS-1"
    _, mapping = csv_io.format_recognise(table.header)
    refused = run(cycle, data, mapping={**mapping, "Notes": "need_note"})
    assert "Column “Notes” is named twice (columns 15 and 16)" in refused.errors[0]["message"]


def test_hubspots_newer_export_is_recognised_with_its_company(cycle, rep):
    header = ["Record ID", "First Name", "Last Name", "Email", "Associated Company"]
    header += ["Contact owner", "Lifecycle Stage", "Create Date"]
    row = ["12345", "Ana", "Silva", "ana@acme.example", "Acme GmbH", rep.email, "lead"]
    data = csv_text([header, [*row, "2026-11-02 10:00"]]).encode()
    crm, mapping = csv_io.format_recognise(csv_io.csv_read(data).header)
    assert crm.key == "hubspot"
    assert mapping["Associated Company"] == "company"
    assert run(cycle, data).ok
    assert Lead.objects.get().company == "Acme GmbH"


# --- 9. grouped problems --------------------------------------------------------------------


def test_problems_of_a_kind_are_grouped_with_the_true_total_and_the_rest_stay_visible(cycle, rep):
    rows = [hubspot_row(n, "Pat Pipeline") for n in range(1, 513)]
    rows += [hubspot_row(n, rep.email) for n in range(513, 600)]
    rows.append(hubspot_row(600, rep.email, **{"Create Date": "2026-13-45"}))
    report = run(cycle, hubspot_file(600, rep.email, rows=rows))
    assert len(report.errors) == 513
    problems = report.problems()
    assert [(p["field"], p["count"], p["lines"][:2]) for p in problems] == [
        ("Contact owner", 512, [2, 3]),
        ("Create Date", 1, [601]),
    ]
    assert problems[0]["message"].startswith(
        "“Pat Pipeline”: 512 rows, no active sales rep of that name; choose a fallback rep"
    )
    assert not Lead.objects.exists()
    assert run(cycle, hubspot_file(600, rep.email, rows=rows[:-1]), fallback_rep=rep).ok
    assert Lead.objects.filter(rep=rep).count() == 599


# --- 12. one-line fields --------------------------------------------------------------------


def test_a_line_break_in_a_one_line_field_is_a_space_and_a_note_keeps_it(cycle, rep):
    header = [*HUBSPOT_HEADER, "Need"]
    row = hubspot_row(1, rep.email, **{"Job Title": "VP\r\nOperations"})
    data = csv_text([header, [*row, "Two lines:\nfirst, second"]]).encode()
    table = csv_io.csv_read(data)
    _, mapping = csv_io.format_recognise(table.header)
    assert run(cycle, data, mapping={**mapping, "Need": "need_note"}).ok
    lead = Lead.objects.get()
    assert (lead.title, lead.need_note) == ("VP Operations", "Two lines:\nfirst, second")


# --- NUL characters -------------------------------------------------------------------------


def test_a_nul_character_in_a_cell_is_refused_by_line_and_column(cycle, rep):
    rows = [hubspot_row(1, rep.email, **{"Company Name": "Ac\x00me", "Create Date": "x\x00"})]
    report = run(cycle, hubspot_file(1, rep.email, rows=rows), dry_run=True)
    assert [(e["line"], e["field"]) for e in report.errors] == [
        (2, "Company Name"),
        (2, "Create Date"),
    ]
    assert "NUL character" in report.errors[0]["message"]
    assert not Lead.objects.exists()


def test_a_nul_character_in_the_header_refuses_the_file():
    with pytest.raises(csv_io.CsvRejected, match="NUL character"):
        csv_io.csv_read(b"Record ID,Comp\x00any\r\n1,Acme\r\n")


def test_a_nul_upload_goes_through_the_page_steps_without_a_server_error(cycle, rep):
    """The errors and the file name are stored (JSON and text): PostgreSQL refuses NUL."""
    rows = [hubspot_row(1, rep.email, **{"Contact owner": "Pat\x00", "Email": "a\x00@b.example"})]
    lead_import = services.import_upload(
        data=hubspot_file(1, rep.email, rows=rows),
        filename="leads\x00.csv",
        by=cycle.definition.facilitator,
        cycle=cycle,
    )
    report = services.import_dry_run(lead_import=lead_import, by=cycle.definition.facilitator)
    assert not report.ok
    lead_import.refresh_from_db()
    assert lead_import.filename == "leads.csv"
    assert lead_import.problem_count == 2
    assert all("\x00" not in e["message"] for e in lead_import.errors)
