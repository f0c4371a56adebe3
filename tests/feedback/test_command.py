"""The import as a management command, for files over the page's limits."""

import pytest
from django.core.management import CommandError, call_command

from feedback.models import Lead
from tests.feedback.csvs import hubspot_file, hubspot_row
from tests.feedback.factories import cycle_make, rep_make

pytestmark = pytest.mark.django_db


def test_the_command_imports_and_reimports_nothing(tmp_path, capsys):
    cycle = cycle_make()
    rep = rep_make()
    path = tmp_path / "leads.csv"
    path.write_bytes(hubspot_file(3, rep.email))
    args = [str(path), "--cycle", str(cycle.pk), "--by", cycle.definition.facilitator.email]
    call_command("import_leads", *args)
    assert "Created 3, changed 0" in capsys.readouterr().out
    call_command("import_leads", *args)
    assert "Created 0, changed 0, left 3 unchanged" in capsys.readouterr().out
    assert Lead.objects.count() == 3


def test_the_command_names_bad_lines_and_imports_nothing(tmp_path, capsys):
    cycle = cycle_make()
    rep = rep_make()
    rows = [hubspot_row(1, rep.email), hubspot_row(2, rep.email, Email="x@")]
    path = tmp_path / "leads.csv"
    path.write_bytes(hubspot_file(2, rep.email, rows=rows))
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command(
            "import_leads",
            str(path),
            "--cycle",
            str(cycle.pk),
            "--by",
            cycle.definition.facilitator.email,
        )
    assert "Line 3, Email" in capsys.readouterr().err
    assert not Lead.objects.exists()


def test_the_command_needs_a_facilitator(tmp_path, sales_rep):
    cycle = cycle_make()
    path = tmp_path / "leads.csv"
    path.write_bytes(hubspot_file(1, sales_rep.email))
    with pytest.raises(CommandError, match="not a facilitator"):
        call_command("import_leads", str(path), "--cycle", str(cycle.pk), "--by", sales_rep.email)


def test_the_command_maps_other_files_and_imports_outcomes(tmp_path, capsys):
    import json

    cycle = cycle_make()
    rep = rep_make(email="jo@northwind.example")
    leads = tmp_path / "leads.csv"
    leads.write_bytes(b"Ref;Firm;Rep\r\nX-1;Initech;jo@northwind.example\r\n")
    facilitator = cycle.definition.facilitator.email
    mapping = json.dumps({"Ref": "crm_reference", "Firm": "company", "Rep": "owner"})
    call_command(
        "import_leads",
        str(leads),
        "--cycle",
        str(cycle.pk),
        "--by",
        facilitator,
        "--mapping",
        mapping,
    )
    assert Lead.objects.get().rep == rep
    outcomes = tmp_path / "outcomes.csv"
    outcomes.write_bytes(b"CRM reference,Outcome,Date\r\nX-1,Lost,2027-02-02\r\n")
    call_command(
        "import_leads",
        str(outcomes),
        "--cycle",
        str(cycle.pk),
        "--by",
        facilitator,
        "--kind",
        "outcomes",
    )
    assert "Created 1" in capsys.readouterr().out
    assert Lead.objects.get().outcome.result == "lost"
