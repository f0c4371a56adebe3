"""Journey: a facilitator maps a file no CRM format knows, column by column, reading each
column's values beside the field it fills, at phone width and at desk width; a sales rep
is refused the page."""

import os

import pytest
from playwright.sync_api import expect

from feedback.models import Lead, LeadImport
from tests.accounts.factories import UserFactory
from tests.feedback.csvs import csv_text
from tests.feedback.factories import cycle_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def a_file(owner: str) -> bytes:
    header = ["Ref", "Account", "Mail", "Owner", "Notes"]
    rows = [
        ["R-1", "Acme Logistics", "ana@acme.example", owner, "Asked for a demo at the fair"],
        ["R-2", "Beta Freight", "bo@beta.example", owner, "<script>alert(1)</script>"],
        ["R-3", "Gamma Ports", "cy@gamma.example", owner, ""],
    ]
    return csv_text([header, *rows]).encode()


def upload(page, cycle, data: bytes) -> None:
    page.goto("/feedback/imports/new/")
    page.get_by_label("What the file holds").select_option("leads")
    page.get_by_label("Cycle").select_option(str(cycle.pk))
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "trade-fair.csv", "mimeType": "text/csv", "buffer": data}]
    )
    page.get_by_role("button", name="Upload").click()


@pytest.mark.parametrize("width", [390, 1280])
def test_a_facilitator_maps_each_column_reading_its_values(sign_in, width):
    facilitator = UserFactory(department="other", roles=["Facilitator"], full_name="Fran F")
    rep = UserFactory(department="sales", full_name="Sam Ortiz", email="sam@northwind.example")
    cycle = cycle_make()
    page = sign_in(facilitator)
    page.set_viewport_size({"width": width, "height": 900})
    upload(page, cycle, a_file(rep.email))

    table = page.get_by_role("table", name="Each column of the file")
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(5)
    account = table.locator("tr", has=page.get_by_role("rowheader", name="Account"))
    expect(account.locator("[data-samples] li")).to_have_text(
        ["Acme Logistics", "Beta Freight", "Gamma Ports"]
    )
    notes = table.locator("tr", has=page.get_by_role("rowheader", name="Notes"))
    expect(notes.locator("[data-samples] li").nth(1)).to_have_text("<script>alert(1)</script>")
    # The guess from the header names is chosen; the others are the facilitator's to map.
    expect(page.get_by_label("Field for the column “Owner”")).to_have_value("owner")
    expect(page.get_by_label("Field for the column “Ref”")).to_have_value("")
    assert page.evaluate(NO_SIDEWAYS_SCROLL), "the mapping scrolls sideways"
    if os.environ.get("MAPPING_SCREENSHOTS"):
        page.screenshot(
            path=f"{os.environ['MAPPING_SCREENSHOTS']}/import-mapping-{width}.png", full_page=True
        )

    page.get_by_label("Field for the column “Ref”").select_option("crm_reference")
    page.get_by_label("Field for the column “Account”").select_option("company")
    page.get_by_label("Field for the column “Mail”").select_option("email")
    page.get_by_label("Field for the column “Notes”").select_option("need_note")
    page.get_by_role("button", name="Dry run").click()
    expect(page.locator("[data-dry-run-ok]")).to_contain_text("create 3")
    # What was chosen is what the page shows after the dry run.
    expect(page.get_by_label("Field for the column “Account”")).to_have_value("company")
    assert LeadImport.objects.get().mapping == {
        "Ref": "crm_reference",
        "Account": "company",
        "Mail": "email",
        "Owner": "owner",
        "Notes": "need_note",
    }
    page.get_by_role("button", name="Import 3 rows").click()
    expect(page.locator("[data-imported]")).to_contain_text("3 created")
    assert sorted(Lead.objects.values_list("company", flat=True)) == [
        "Acme Logistics",
        "Beta Freight",
        "Gamma Ports",
    ]


def test_a_sales_rep_is_refused_the_mapping(sign_in):
    facilitator = UserFactory(department="other", roles=["Facilitator"], full_name="Fran F")
    rep = UserFactory(department="sales", full_name="Sam Ortiz", email="sam@northwind.example")
    cycle = cycle_make()
    upload(sign_in(facilitator), cycle, a_file(rep.email))
    lead_import = LeadImport.objects.get()

    sam = sign_in(rep)
    response = sam.goto(lead_import.get_absolute_url())
    assert response.status == 403
    expect(sam.get_by_role("heading", name="You can’t do that here")).to_be_visible()
    expect(sam.get_by_role("table", name="Each column of the file")).to_have_count(0)
