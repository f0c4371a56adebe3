"""Journey: a HubSpot export re-saved by a German Excel goes through the dry run, which says
how it read the file's dates, numbers, stages and hand-over dates; the import keeps them."""

import os

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from feedback.models import Lead
from tests.accounts.factories import UserFactory
from tests.feedback.factories import cycle_make
from tests.feedback.test_import_reading import german_excel_file

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_dry_run_says_how_a_german_excel_file_was_read(sign_in):
    facilitator = UserFactory(department="other", roles=["Facilitator"], full_name="Fran F")
    rep = UserFactory(department="sales", full_name="Sam Ortiz", email="sam@northwind.example")
    cycle = cycle_make()
    values = [
        {"Number of Employees": "1.200", "Create Date": "04.03.2025 11:54", "Last Name": "Müller"},
        {"Number of Employees": "12,0", "Create Date": "17.03.2025 09:10", "Last Name": "Groß"},
        {"Number of Employees": "50.000", "Create Date": "01.04.2025 16:02", "Last Name": "Weiß"},
    ]
    page = sign_in(facilitator)
    page.set_viewport_size({"width": 1100, "height": 900})
    page.goto("/feedback/imports/new/")
    page.get_by_label("What the file holds").select_option("leads")
    page.get_by_label("Cycle").select_option(str(cycle.pk))
    page.get_by_label("CSV file").set_input_files(
        files=[
            {
                "name": "hubspot-excel-de.csv",
                "mimeType": "text/csv",
                "buffer": german_excel_file(rep, values),
            }
        ]
    )
    page.get_by_role("button", name="Upload").click()
    page.get_by_role("button", name="Dry run").click()
    expect(page.locator("[data-dry-run-ok]")).to_contain_text("create 3")
    readings = page.locator("[data-readings]")
    expect(readings).to_contain_text("“Number of Employees”: numbers read with a decimal comma")
    expect(readings).to_contain_text("“Create Date”: dates read as day/month/year")
    expect(page.locator("[data-handed-over]")).to_contain_text("read from “Create Date”")
    expect(page.locator("[data-stages]")).to_contain_text("“marketingqualifiedlead” (3 rows)")
    if os.environ.get("IMPORT_SCREENSHOTS"):
        page.screenshot(path=os.environ["IMPORT_SCREENSHOTS"], full_page=True)
    page.get_by_role("button", name="Import 3 rows").click()
    expect(page.locator("[data-imported]")).to_contain_text("3 created")
    assert sorted(Lead.objects.values_list("company_size", flat=True)) == [12, 1200, 50000]
    days = sorted(timezone.localtime(lead.handed_over_at).date() for lead in Lead.objects.all())
    assert [(d.day, d.month) for d in days] == [(4, 3), (17, 3), (1, 4)]
