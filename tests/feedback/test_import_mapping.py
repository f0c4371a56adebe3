"""The import's mapping step: one row per column of the file, with its header, a few of its
values and the field it fills (the automatic guess chosen), and only for facilitators."""

from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from feedback.models import LeadImport
from tests.feedback.csvs import csv_text, hubspot_file, hubspot_row
from tests.feedback.factories import cycle_make, rep_make
from tests.permissions import assert_matrix

pytestmark = pytest.mark.django_db


class MappingRows(HTMLParser):
    """The rows of the mapping table as the page draws them: for each row its header cell,
    its sample values, the select's name and chosen value, and the label that names it."""

    def __init__(self, table="data-mapping", row="data-column"):
        super().__init__()
        self.table_marker, self.row_marker = table, row
        self.rows, self.labels, self.caption = [], {}, ""
        self._in_table = self._in = None
        self._label_for = None
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "table" and self.table_marker in attributes:
            self._in_table = True
        if not self._in_table:
            if tag == "label" and attributes.get("for"):
                self._label_for = attributes["for"]
            return
        if tag == "caption":
            self._in = "caption"
        elif tag == "tr" and self.row_marker in attributes:
            self.rows.append({"header": "", "samples": [], "select": None, "chosen": ""})
        elif tag == "th" and attributes.get("scope") == "row":
            self._in = "header"
        elif tag == "li" or (tag == "td" and attributes.get("data-label") == "Rows"):
            self.rows[-1]["samples"].append("")
            self._in = "sample"
        elif tag == "select":
            self.rows[-1]["select"] = attributes["name"]
            self.rows[-1]["select_id"] = attributes["id"]
        elif tag == "option" and "selected" in attributes:
            self.rows[-1]["chosen"] = attributes["value"]
        elif tag == "label":
            self._label_for = attributes["for"]

    def handle_endtag(self, tag):
        if tag in ("caption", "th", "li", "td"):
            self._in = None
        if tag == "label":
            self._label_for = None
        if tag == "table":
            self._in_table = False

    def handle_data(self, data):
        if self._label_for:
            self.labels[self._label_for] = self.labels.get(self._label_for, "") + data
        if self._in == "caption":
            self.caption += data
        elif self._in == "header":
            self.rows[-1]["header"] += data.strip()
        elif self._in == "sample":
            self.rows[-1]["samples"][-1] += data.strip()


def mapping_rows(html: str, **markers) -> MappingRows:
    parser = MappingRows(**markers)
    parser.feed(html)
    return parser


@pytest.fixture
def cycle():
    return cycle_make()


def upload(client, cycle, data: bytes) -> LeadImport:
    response = client.post(
        reverse("feedback:import_new"),
        {"kind": "leads", "cycle": cycle.pk, "file": SimpleUploadedFile("crm.csv", data)},
    )
    assert response.status_code == 302, response.content.decode()
    return LeadImport.objects.latest("pk")


LONG = "A note that goes on and on about the lead, far longer than a cell should show"


def a_file(owner: str) -> bytes:
    header = ["Ref", "Company", "E-mail", "Owner", "Notes", "Fax"]
    rows = [
        ["R-1", "Acme", "ana@acme.example", owner, LONG, ""],
        ["R-2", "Acme", "bo@beta.example", owner, "<b>bold</b>", ""],
        ["R-3", "Beta & Co", "cy@gamma.example", owner, "", ""],
        ["R-4", "Delta", "di@delta.example", owner, "fourth", ""],
    ]
    return csv_text([header, *rows]).encode()


def test_the_mapping_has_one_row_per_column_with_its_samples_and_the_guess_chosen(
    client_as, facilitator, cycle
):
    rep = rep_make(email="sam@northwind.example")
    client = client_as(facilitator)
    lead_import = upload(client, cycle, a_file(rep.email))
    html = client.get(lead_import.get_absolute_url()).content.decode()
    page = mapping_rows(html)
    assert page.caption.strip().startswith("Each column of the file")
    assert [row["header"] for row in page.rows] == [
        "Ref",
        "Company",
        "E-mail",
        "Owner",
        "Notes",
        "Fax",
    ]
    assert [row["select"] for row in page.rows] == [f"col_{i}" for i in range(6)]
    by_header = {row["header"]: row for row in page.rows}
    # Three distinct values at most, the first ones of the file, each once.
    assert by_header["Ref"]["samples"] == ["R-1", "R-2", "R-3"]
    assert by_header["Company"]["samples"] == ["Acme", "Beta & Co", "Delta"]
    assert by_header["Fax"]["samples"] == []
    # Long values are cut short; markup in a cell is shown as text, never drawn.
    notes = by_header["Notes"]["samples"]
    assert notes[0].endswith("…") and len(notes[0]) == 40
    assert notes[1] == "<b>bold</b>"
    assert "&lt;b&gt;bold&lt;/b&gt;" in html and "<b>bold</b>" not in html
    # The automatic guesses stay chosen.
    assert lead_import.mapping == {"Company": "company", "E-mail": "email", "Owner": "owner"}
    assert [row["chosen"] for row in page.rows] == ["", "company", "email", "owner", "", ""]
    # Each select's label names its column.
    for row in page.rows:
        assert page.labels[row["select_id"]] == f"Field for the column “{row['header']}”"


def test_a_column_named_twice_still_gets_its_row_without_a_choice(client_as, facilitator, cycle):
    rep = rep_make(email="sam@northwind.example")
    data = csv_text([["Ref", "Owner", "Notes", "Notes"], ["R-1", rep.email, "a", "b"]]).encode()
    client = client_as(facilitator)
    lead_import = upload(client, cycle, data)
    page = mapping_rows(client.get(lead_import.get_absolute_url()).content.decode())
    assert [(row["header"], row["samples"]) for row in page.rows] == [
        ("Ref", ["R-1"]),
        ("Owner", [rep.email]),
        ("Notes", ["a"]),
        ("Notes", ["b"]),
    ]
    assert page.rows[2]["chosen"] == page.rows[3]["chosen"] == ""


def test_the_mapping_kept_after_a_dry_run_shows_as_chosen(client_as, facilitator, cycle):
    rep = rep_make(email="sam@northwind.example")
    client = client_as(facilitator)
    lead_import = upload(client, cycle, a_file(rep.email))
    post = {f"col_{i}": "" for i in range(6)}
    post.update(col_0="crm_reference", col_1="company", col_2="email", col_3="owner")
    post.update(col_4="need_note", action="dry_run")
    page = mapping_rows(client.post(lead_import.get_absolute_url(), post).content.decode())
    assert [row["chosen"] for row in page.rows] == [
        "crm_reference",
        "company",
        "email",
        "owner",
        "need_note",
        "",
    ]


def test_each_word_of_the_stage_column_gets_a_row_with_its_count_and_its_stage(
    client_as, facilitator, cycle
):
    rep = rep_make(email="sam@northwind.example")
    rows = [
        hubspot_row(1, rep.email),
        hubspot_row(2, rep.email),
        hubspot_row(3, rep.email, **{"Lifecycle Stage": "salesqualifiedlead"}),
        hubspot_row(4, rep.email, **{"Lifecycle Stage": "Tire kicker"}),
    ]
    client = client_as(facilitator)
    lead_import = upload(client, cycle, hubspot_file(0, rep.email, rows=rows))
    html = client.get(lead_import.get_absolute_url()).content.decode()
    page = mapping_rows(html, table="data-stage-mapping", row="data-stage-word")
    assert [(row["header"], row["samples"], row["chosen"]) for row in page.rows] == [
        ("“marketingqualifiedlead”", ["2 rows"], "lead"),
        ("“Tire kicker”", ["1 row"], ""),
        ("“salesqualifiedlead”", ["1 row"], "opportunity"),
    ]
    for row in page.rows:
        assert page.labels[row["select_id"]] == f"Stage meant by {row['header']}"


def test_a_sales_rep_cannot_reach_the_mapping(facilitator, sales_rep, cycle, client_as):
    rep = rep_make(email="sam@northwind.example")
    lead_import = upload(client_as(facilitator), cycle, a_file(rep.email))
    mapping = dict(lead_import.mapping)
    url = lead_import.get_absolute_url()
    assert_matrix(url, {sales_rep: 403, facilitator: 200})
    assert_matrix(url, {sales_rep: 403}, method="post", data={"action": "dry_run", "col_0": ""})
    lead_import.refresh_from_db()
    assert lead_import.mapping == mapping
