"""A CSV wider than any CRM export is refused at its header, quickly, with the limit named:
on the import page (leads and outcomes) and by the import_leads command."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from feedback import csv_io
from feedback.models import LeadImport
from tests.feedback.csvs import HUBSPOT_HEADER, csv_text, hubspot_row
from tests.feedback.factories import cycle_make, rep_make

pytestmark = pytest.mark.django_db

LIMIT_NAMED = "Accord reads at most 500 columns per file"


def wide_file(width: int, rows: int = 3, email: str = "sam@northwind.example") -> bytes:
    extra = [f"Extra {number}" for number in range(width - len(HUBSPOT_HEADER))]
    body = [[*hubspot_row(number, email), *["v"] * len(extra)] for number in range(1, rows + 1)]
    return csv_text([[*HUBSPOT_HEADER, *extra], *body]).encode()


@pytest.fixture
def cycle():
    rep_make(email="sam@northwind.example", full_name="Sam Ortiz")
    return cycle_make()


@pytest.mark.parametrize("kind", ["leads", "outcomes"])
def test_a_file_of_ten_thousand_columns_is_refused_quickly_on_the_import_page(
    client_as, facilitator, cycle, kind
):
    data = wide_file(10_000)
    started = time.perf_counter()
    response = client_as(facilitator).post(
        reverse("feedback:import_new"),
        {"kind": kind, "cycle": cycle.pk, "file": SimpleUploadedFile("wide.csv", data)},
    )
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    page = response.content.decode()
    assert "The file has 10,000 columns" in page and LIMIT_NAMED in page
    assert not LeadImport.objects.exists()
    # Before the limit the upload was kept and its page took minutes to show.
    assert elapsed < 10, elapsed


def test_the_command_refuses_a_file_of_ten_thousand_columns(tmp_path, cycle):
    path = tmp_path / "wide.csv"
    path.write_bytes(wide_file(10_000))
    by = cycle.definition.facilitator
    with pytest.raises(CommandError, match=LIMIT_NAMED):
        call_command("import_leads", str(path), "--cycle", str(cycle.pk), "--by", by.email)
    assert not LeadImport.objects.exists()


def test_the_column_limit_is_checked_on_the_header_before_any_row():
    # With no rows allowed, any row read would be refused for the row limit first.
    with pytest.raises(csv_io.CsvRejected, match=LIMIT_NAMED):
        csv_io.csv_read(wide_file(501), max_rows=0)


def test_a_file_at_the_limit_is_read_and_empty_trailing_columns_do_not_count():
    assert len(csv_io.csv_read(wide_file(500)).header) == 500
    data = wide_file(500).replace(b"\r\n", b"," * 40 + b"\r\n")
    assert len(csv_io.csv_read(data).header) == 500
