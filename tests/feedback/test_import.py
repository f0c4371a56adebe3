"""CSV import: encodings, delimiters, limits, line-numbered errors, all or nothing, upsert."""

import codecs

import pytest

from feedback import csv_io, services
from feedback.models import CycleRecheck, Lead, LeadCheck, Outcome
from tests.feedback.csvs import HUBSPOT_HEADER, csv_text, hubspot_file, hubspot_row
from tests.feedback.factories import cycle_make, lead_make, rep_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle():
    return cycle_make()


@pytest.fixture
def rep():
    return rep_make(email="sam@northwind.example", full_name="Sam Ortiz")


def run(cycle, data: bytes, *, dry_run=False, fallback_rep=None):
    table = csv_io.csv_read(data)
    crm, mapping = csv_io.format_recognise(table.header)
    assert crm is not None, "the file should be recognised"
    call = dict(
        table=table,
        mapping=mapping,
        cycle=cycle,
        by=cycle.definition.facilitator,
        fallback_rep=fallback_rep,
        dry_run=dry_run,
    )
    if dry_run:
        return services.leads_import(**call)
    try:
        return services.leads_import(**call)
    except services.ImportFailed as failure:
        return failure.report


@pytest.mark.parametrize(
    "encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "latin-1", "cp1252"]
)
def test_each_encoding_imports_accents_intact(cycle, rep, encoding):
    rows = [hubspot_row(1, rep.email, **{"Company Name": "Société Générale Café"})]
    report = run(cycle, hubspot_file(1, rep.email, encoding=encoding, rows=rows))
    assert report.ok, report.errors
    assert Lead.objects.get().company == "Société Générale Café"


def test_a_utf8_bom_does_not_reach_the_first_column_name(rep):
    data = codecs.BOM_UTF8 + hubspot_file(1, rep.email)
    assert csv_io.csv_read(data).header[0] == "Record ID"


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_each_delimiter(cycle, rep, delimiter):
    rows = [hubspot_row(1, rep.email, **{"Company Name": "Acme, Ltd; Inc"})]
    report = run(cycle, hubspot_file(1, rep.email, delimiter=delimiter, rows=rows))
    assert report.ok, report.errors
    assert Lead.objects.get().company == "Acme, Ltd; Inc"


def test_quoted_newlines_count_lines_and_become_spaces_in_one_line_fields(cycle, rep):
    rows = [
        hubspot_row(1, rep.email, **{"Company Name": "Acme\nNorth\r\nDivision"}),
        hubspot_row(2, rep.email, Email="not-an-email"),
    ]
    report = run(cycle, hubspot_file(2, rep.email, rows=rows), dry_run=True)
    # The first record spans lines 2-4, so the second one starts on line 5.
    assert report.errors == [
        {"line": 5, "field": "Email", "message": "“not-an-email” is not an e-mail address."}
    ]
    rows[1] = hubspot_row(2, rep.email)
    assert run(cycle, hubspot_file(2, rep.email, rows=rows)).ok
    # A company name is one line: its line breaks are spaces; a note keeps its own.
    assert Lead.objects.get(crm_reference="HS-1").company == "Acme North Division"


def test_an_empty_file_is_refused_with_a_clear_message():
    with pytest.raises(csv_io.CsvRejected, match="empty"):
        csv_io.csv_read(b"")
    with pytest.raises(csv_io.CsvRejected, match="empty"):
        csv_io.csv_read(codecs.BOM_UTF8 + b"\r\n\r\n")


def test_a_header_alone_is_refused_with_a_clear_message():
    with pytest.raises(csv_io.CsvRejected, match="header row but no rows"):
        csv_io.csv_read(csv_text([HUBSPOT_HEADER]).encode())


def test_a_file_over_the_size_limit_is_refused_saying_what_to_do_next():
    with pytest.raises(csv_io.CsvRejected, match="the limit for an upload is 10 MB") as refused:
        csv_io.csv_read(b"a" * (10 * 1024 * 1024 + 1))
    assert "Split it into smaller files" in str(refused.value)
    assert "manage.py import_leads FILE --cycle ID" in str(refused.value)


def test_a_file_over_the_row_limit_is_refused(rep):
    data = b"Record ID,Company Name\r\n" + b"x,y\r\n" * 100_001
    with pytest.raises(csv_io.CsvRejected, match="more than 100,000 rows"):
        csv_io.csv_read(data)


def test_a_crm_reference_twice_in_one_file_names_both_lines(cycle, rep):
    rows = [hubspot_row(1, rep.email), hubspot_row(2, rep.email), hubspot_row(1, rep.email)]
    report = run(cycle, hubspot_file(3, rep.email, rows=rows))
    assert report.errors == [
        {
            "line": 4,
            "field": "Record ID",
            "message": "“HS-1” is already on line 2; each lead once per file.",
        }
    ]
    assert not Lead.objects.exists()


def test_a_bad_row_in_the_middle_imports_nothing(cycle, rep):
    rows = [hubspot_row(n, rep.email) for n in range(1, 6)]
    rows[2] = hubspot_row(3, rep.email, **{"Number of Employees": "lots"})
    report = run(cycle, hubspot_file(5, rep.email, rows=rows))
    assert report.errors == [
        {
            "line": 4,
            "field": "Number of Employees",
            "message": "“lots” is not a number of employees.",
        }
    ]
    assert not Lead.objects.exists()
    assert not Lead.history.exists()
    assert not LeadCheck.objects.exists()


def test_every_bad_row_is_named_by_line_and_field(cycle, rep):
    rows = [
        hubspot_row(1, rep.email, **{"Company Name": ""}),
        hubspot_row(2, "nobody@example.com"),
        hubspot_row(3, rep.email, **{"Record ID": ""}),
    ]
    report = run(cycle, hubspot_file(3, rep.email, rows=rows), dry_run=True)
    assert [(e["line"], e["field"]) for e in report.errors] == [
        (2, "Company Name"),
        (3, "Contact owner"),
        (4, "Record ID"),
    ]
    assert "nobody@example.com" in report.errors[1]["message"]


def test_an_owner_is_found_by_name_or_falls_back(cycle, rep):
    fallback = rep_make()
    rows = [hubspot_row(1, "Sam Ortiz"), hubspot_row(2, "005xx000001Sv6A")]
    report = run(cycle, hubspot_file(2, rep.email, rows=rows), fallback_rep=fallback)
    assert report.ok, report.errors
    assert Lead.objects.get(crm_reference="HS-1").rep == rep
    assert Lead.objects.get(crm_reference="HS-2").rep == fallback


def test_a_reimport_creates_changes_and_records_nothing(cycle, rep):
    data = hubspot_file(20, rep.email)
    first = run(cycle, data)
    assert (first.created, first.changed, first.unchanged) == (20, 0, 0)
    history_rows = Lead.history.count()
    assert history_rows == 20

    again = run(cycle, data)
    assert (again.created, again.changed, again.unchanged) == (0, 0, 20)
    assert Lead.history.count() == history_rows


def test_each_created_lead_gets_one_history_row_equal_to_it(cycle, rep):
    rows = [hubspot_row(n, rep.email) for n in range(1, 6)]
    rows[2] = hubspot_row(
        3, rep.email, **{"Create Date": "", "Job Title": "", "Number of Employees": ""}
    )
    assert run(cycle, hubspot_file(5, rep.email, rows=rows)).created == 5
    leads = list(Lead.objects.order_by("pk"))
    history = list(Lead.history.order_by("history_id"))
    assert [row.id for row in history] == [lead.pk for lead in leads]
    for lead, row in zip(leads, history, strict=True):
        for field in Lead._meta.concrete_fields:
            assert getattr(row, field.attname) == getattr(lead, field.attname), field.name
        assert row.history_type == "+"
        assert row.history_user == cycle.definition.facilitator
        assert row.history_change_reason == "Imported from a CSV file"
    # One moment for the whole import; a lead without a date was handed over then.
    assert {row.history_date for row in history} == {leads[2].handed_over_at}


def test_fields_the_file_does_not_give_take_the_models_defaults(cycle, rep):
    run(cycle, hubspot_file(1, rep.email))
    lead, blank = Lead.objects.get(), Lead()
    for name in (
        "region",
        "permission_to_follow_up",
        "asked_for_information",
        "need_evidence",
        "need_note",
        "budget_evidence",
        "budget_note",
        "authority_evidence",
        "authority_note",
    ):
        assert getattr(lead, name) == getattr(blank, name), name


def test_a_lead_entered_after_an_import_gets_a_fresh_id(cycle, rep):
    run(cycle, hubspot_file(3, rep.email))
    imported = set(Lead.objects.values_list("pk", flat=True))
    lead = lead_make(cycle, rep=rep)
    assert lead.pk > max(imported)


def test_the_check_at_import_reads_the_same_values_as_a_recheck(
    cycle, rep, django_capture_on_commit_callbacks
):
    header = [
        "crm_reference",
        "company",
        "owner",
        "email",
        "phone",
        "title",
        "company_size",
        "source",
        "permission_to_follow_up",
        "asked_for_information",
        "need_evidence",
        "budget_evidence",
        "authority_evidence",
    ]
    rows = [
        f"L1|Acme|{rep.email}|a@acme.example||Analyst|||||||",
        f"L2|Beta|{rep.email}|b@beta.example|+1 555|VP Sales|250|Webinar|yes|yes|stated|none|"
        "stated",
        f"L3|Gamma|{rep.email}|c@gamma.example|+1 556|CFO|5000|Referral|yes|yes|verified|verified|"
        "proven",
        f"L4|Delta|{rep.email}|||Owner|12|Trade show|no||believed||",
    ]
    rows = [row.split("|") for row in rows]
    table = csv_io.csv_read(csv_text([header, *rows]).encode())
    facilitator = cycle.definition.facilitator
    report = services.leads_import(
        table=table, mapping={name: name for name in header}, cycle=cycle, by=facilitator
    )
    assert report.created == 4
    at_import = set(LeadCheck.objects.values_list("lead_id", "stage_reached_id", "level_reached"))
    assert len({level for _, _, level in at_import}) > 1, "the rows should reach different stages"
    with django_capture_on_commit_callbacks(execute=True):
        services.cycle_recheck(cycle=cycle, by=facilitator)
    assert CycleRecheck.objects.get().status == "done", "the re-run ran"
    assert (
        set(LeadCheck.objects.values_list("lead_id", "stage_reached_id", "level_reached"))
        == at_import
    )


def test_a_changed_row_is_updated_with_history_and_rechecked(cycle, rep):
    run(cycle, hubspot_file(3, rep.email))
    rows = [hubspot_row(n, rep.email) for n in range(1, 4)]
    rows[1] = hubspot_row(2, rep.email, **{"Number of Employees": "10"})
    report = run(cycle, hubspot_file(3, rep.email, rows=rows))
    assert (report.created, report.changed, report.unchanged) == (0, 1, 2)
    lead = Lead.objects.get(crm_reference="HS-2")
    assert lead.company_size == 10
    assert lead.history.count() == 2
    assert Lead.history.count() == 4
    assert LeadCheck.objects.get(lead=lead).level_reached == "inquiry"


def test_imported_leads_are_checked_and_read_their_seniority_from_the_title(cycle, rep):
    rows = [hubspot_row(1, rep.email, **{"Job Title": "Marketing Analyst"})]
    run(cycle, hubspot_file(1, rep.email, rows=rows))
    lead = Lead.objects.get()
    assert lead.seniority == "individual"
    assert lead.contact_name == "Ana1 Silva"
    assert lead.source == "web_inquiry"
    assert lead.stage_handed_over == "lead"
    # Permission and the request for information are not in a HubSpot export: unknown.
    assert LeadCheck.objects.get(lead=lead).level_reached == "inquiry"


def test_the_dry_run_counts_and_writes_nothing(cycle, rep):
    report = run(cycle, hubspot_file(4, rep.email), dry_run=True)
    assert (report.created, report.changed, report.unchanged) == (4, 0, 0)
    assert not Lead.objects.exists()


def test_salesforce_formats_are_recognised():
    report_header = [
        "Lead ID",
        "First Name",
        "Last Name",
        "Company / Account",
        "Title",
        "Lead Source",
        "No. of Employees",
        "Lead Status",
        "Lead Owner",
    ]
    crm, mapping = csv_io.format_recognise(report_header)
    assert crm.key == "salesforce_report"
    assert mapping["Lead Owner"] == "owner"
    api_header = [
        "Id",
        "FirstName",
        "LastName",
        "Company",
        "Title",
        "LeadSource",
        "NumberOfEmployees",
        "Status",
        "OwnerId",
        "HasOptedOutOfEmail",
        "CreatedDate",
    ]
    crm, mapping = csv_io.format_recognise(api_header)
    assert crm.key == "salesforce_api"
    assert mapping["HasOptedOutOfEmail"] == "opted_out"
    assert csv_io.format_recognise(["Ref", "Firm"]) == (None, {})


def test_a_salesforce_api_export_imports_with_a_fallback_rep(cycle, rep):
    rows = [
        [
            "Id",
            "FirstName",
            "LastName",
            "Company",
            "Title",
            "LeadSource",
            "NumberOfEmployees",
            "Status",
            "OwnerId",
            "HasOptedOutOfEmail",
            "CreatedDate",
        ],
        [
            "00Q1",
            "Li",
            "Wei",
            "Globex",
            "CFO",
            "Trade Show",
            "1200",
            "Open",
            "005A",
            "false",
            "2026-11-01T10:00:00.000+0000",
        ],
    ]
    report = run(cycle, csv_text(rows).encode(), fallback_rep=rep)
    assert report.ok, report.errors
    lead = Lead.objects.get()
    assert (lead.seniority, lead.source, lead.permission_to_follow_up) == (
        "c_level",
        "trade_show",
        True,
    )


def test_a_mapped_file_needs_a_reference_and_a_company(cycle, rep):
    table = csv_io.csv_read(b"Ref;Firm;Rep\r\nA1;Initech;sam@northwind.example\r\n")
    report = services.leads_import(
        table=table,
        mapping={"Ref": "crm_reference", "Rep": "owner"},
        cycle=cycle,
        by=cycle.definition.facilitator,
        dry_run=True,
    )
    assert report.errors[0]["message"] == "Map a column to company."
    report = services.leads_import(
        table=table,
        mapping={"Ref": "crm_reference", "Firm": "company", "Rep": "owner"},
        cycle=cycle,
        by=cycle.definition.facilitator,
    )
    assert report.ok and Lead.objects.get().company == "Initech"


def test_outcomes_import_by_the_same_rules(cycle, rep):
    run(cycle, hubspot_file(2, rep.email))
    table = csv_io.csv_read(
        b'CRM reference,Outcome,Date,Amount\r\nHS-1,Bought,2027-01-10,"12,500.00"\r\n'
        b"HS-9,Lost,2027-01-11,\r\n"
    )
    mapping = csv_io.mapping_guess(table.header, csv_io.OUTCOME_TARGETS)
    assert mapping == {
        "CRM reference": "crm_reference",
        "Outcome": "result",
        "Date": "occurred_on",
        "Amount": "amount",
    }
    kwargs = dict(
        table=table, mapping=mapping, definition=cycle.definition, by=cycle.definition.facilitator
    )
    with pytest.raises(services.ImportFailed) as failure:
        services.outcomes_import(**kwargs)
    assert failure.value.report.errors == [
        {"line": 3, "field": "CRM reference", "message": "No lead has the CRM reference “HS-9”."}
    ]
    assert not Outcome.objects.exists()
    table.rows = table.rows[:1]
    assert services.outcomes_import(**kwargs).created == 1
    assert services.outcomes_import(**kwargs).unchanged == 1
    assert str(Outcome.objects.get().amount) == "12500.00"


def test_a_row_with_more_cells_than_the_header_is_named(cycle, rep):
    rows = [hubspot_row(1, rep.email), [*hubspot_row(2, rep.email), "extra"]]
    report = run(cycle, hubspot_file(2, rep.email, rows=rows), dry_run=True)
    assert report.errors == [
        {"line": 3, "field": "", "message": "The row has 15 cells; the header has 14."}
    ]


def test_latin1_bytes_that_are_not_windows_1252_still_decode():
    text, encoding = csv_io.csv_decode("Ref,Firm\r\nA,Caf\u00e9 \x81\r\n".encode("latin-1"))
    assert encoding == "latin-1"
    assert "Café \x81" in text
