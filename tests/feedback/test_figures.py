"""The figures the numbers read (one LeadFigures row per lead) follow every write: each service
that changes what a lead's figures derive from leaves them as a fresh computation would."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from definitions.content import MAX_CRITERIA, content_apply
from feedback import csv_io, services
from feedback.catalogue import reasons_default_ensure
from feedback.models import LeadFigures, RejectionFigures, RejectionReason
from tests.feedback.csvs import hubspot_file, hubspot_row
from tests.feedback.factories import QUALIFIED, cycle_make, lead_make, rep_make
from tests.feedback.test_summaries import assert_summaries_fresh

pytestmark = pytest.mark.django_db

FIELDS = [f.attname for f in LeadFigures._meta.concrete_fields]


def stored(lead) -> dict:
    return LeadFigures.objects.filter(lead_id=lead.pk).values(*FIELDS).get()


def stored_reasons(lead) -> list[tuple]:
    return list(
        RejectionFigures.objects.filter(lead_id=lead.pk)
        .order_by("reason_id")
        .values_list(*(f.attname for f in RejectionFigures._meta.concrete_fields[1:]))
    )


def assert_fresh(lead) -> dict:
    """The stored figures (and the reasons of its rejection) equal what figures_refresh
    computes from the lead's rows now."""
    before, reasons_before = stored(lead), stored_reasons(lead)
    assert_summaries_fresh()  # and the sums the numbers read, what a rebuild would give
    services.figures_refresh([lead.pk])
    assert before == stored(lead)
    assert reasons_before == stored_reasons(lead)
    return before


@pytest.fixture
def cycle():
    return cycle_make()


def test_a_new_lead_has_figures_from_its_check(cycle):
    lead = lead_make(cycle, **QUALIFIED)
    figures = assert_fresh(lead)
    assert figures["level_reached"] == "opportunity"
    assert figures["rank"] == 3
    assert figures["decision"] == ""
    assert figures["met_bits"] == (1 << 9) - 1  # the starting ladder's nine criteria
    assert figures["missed_bits"] == 0


def test_feedback_and_outcomes_reach_the_figures(cycle):
    reasons_default_ensure(RejectionReason)
    lead = lead_make(cycle, **{**QUALIFIED, "company_size": 10})
    reason = RejectionReason.objects.filter(kind="unwritten").first()
    services.feedback_record(
        lead=lead, rep=lead.rep, agrees_with_stage=False, decision="rejected", reasons=[reason]
    )
    figures = assert_fresh(lead)
    assert figures["decision"] == "rejected"
    assert figures["feedback_id"] is not None
    assert not figures["rejected_then_bought"]
    assert [(r.reason_id, r.high) for r in RejectionFigures.objects.filter(lead=lead)] == [
        (reason.pk, False)
    ]

    services.outcome_record(
        lead=lead,
        result="bought",
        occurred_on=timezone.localdate(lead.handed_over_at) + timedelta(days=400),
        amount=Decimal("9000"),
        by=cycle.definition.facilitator,
    )
    figures = assert_fresh(lead)
    assert (figures["outcome_result"], figures["rank"]) == ("bought", 4)
    assert figures["rejected_then_bought"]
    assert figures["amount"] == Decimal("9000")

    services.feedback_record(
        lead=lead, rep=lead.rep, agrees_with_stage=True, decision="accepted", reasons=[]
    )
    assert assert_fresh(lead)["decision"] == "accepted"
    assert not RejectionFigures.objects.filter(lead=lead).exists()


def test_a_lead_changed_by_hand_moves_its_figures(cycle):
    lead = lead_make(cycle, **QUALIFIED)
    other = rep_make()
    services.lead_update(
        lead=lead, by=cycle.definition.facilitator, rep=other, source="webinar", company_size=10
    )
    figures = assert_fresh(lead)
    assert (figures["rep_id"], figures["source"]) == (other.pk, "webinar")
    assert figures["level_reached"] == "inquiry"


def test_imports_of_leads_and_outcomes_keep_the_figures(cycle):
    rep = rep_make(email="sam@northwind.example", full_name="Sam Ortiz")
    facilitator = cycle.definition.facilitator

    def leads_import(data):
        table = csv_io.csv_read(data)
        _, mapping = csv_io.format_recognise(table.header)
        return services.leads_import(table=table, mapping=mapping, cycle=cycle, by=facilitator)

    leads_import(hubspot_file(3, rep.email))
    assert LeadFigures.objects.filter(cycle=cycle).count() == 3
    rows = [hubspot_row(n, rep.email) for n in range(1, 4)]
    rows[1] = hubspot_row(2, rep.email, **{"Original Source": "OFFLINE"})
    leads_import(hubspot_file(3, rep.email, rows=rows))
    for lead in cycle.leads.all():
        assert_fresh(lead)

    table = csv_io.csv_read(b"CRM reference,Outcome,Date\r\nHS-1,Bought,2027-01-10\r\n")
    mapping = csv_io.mapping_guess(table.header, csv_io.OUTCOME_TARGETS)
    services.outcomes_import(
        table=table, mapping=mapping, definition=cycle.definition, by=facilitator
    )
    lead = cycle.leads.get(crm_reference="HS-1")
    assert assert_fresh(lead)["outcome_result"] == "bought"


def test_a_draft_holds_at_most_max_criteria_criteria():
    """The check keeps one bit per criterion in a signed 64-bit integer."""

    class Proposal:
        kind, target_key, stage_key = "add_criterion", "one-more", "s"
        payload = {"statement": "One more"}

    full = {
        "stages": [
            {
                "key": "s",
                "criteria": [{"key": f"c{n}"} for n in range(MAX_CRITERIA)],
            }
        ]
    }
    content, problem = content_apply(full, Proposal)
    assert content is full
    assert problem == f"the draft already holds {MAX_CRITERIA} criteria, the most it can"
    full["stages"][0]["criteria"].pop()
    content, problem = content_apply(full, Proposal)
    assert problem is None
    assert len(content["stages"][0]["criteria"]) == MAX_CRITERIA


def test_the_rebuild_checks_and_fills_leads_without_figures(cycle):
    """After an upgrade (`make migrate` runs it): leads with no figures get them."""
    from django.core.management import call_command

    from feedback.models import LeadCheck

    lead = lead_make(cycle, **QUALIFIED)
    other = lead_make(cycle)
    LeadFigures.objects.filter(lead=lead).delete()
    LeadCheck.objects.filter(lead=lead).delete()
    call_command("figures_rebuild")
    assert assert_fresh(lead)["met_bits"] == (1 << 9) - 1
    assert LeadCheck.objects.get(lead=lead).level_reached == "opportunity"
    assert services.figures_rebuild() == 0  # nothing left to do
    assert services.figures_rebuild(every_lead=True) == 2
    assert_fresh(other)


def test_the_admin_shows_leads_feedback_and_outcomes_but_does_not_edit_them(cycle, client_as):
    """Edits there would bypass the check and the figures the services keep: not even a
    superuser makes them."""
    from tests.accounts.factories import UserFactory

    lead = lead_make(cycle, **QUALIFIED)
    client = client_as(UserFactory(is_superuser=True, is_staff=True))
    page = f"/admin/feedback/lead/{lead.pk}/change/"
    assert client.get(page).status_code == 200
    assert client.post(page, {"company": "Changed"}).status_code == 403
    assert (
        client.post(f"/admin/feedback/lead/{lead.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert client.get("/admin/feedback/outcome/add/").status_code == 403
    assert client.get("/admin/feedback/leadfeedback/add/").status_code == 403
    reason = RejectionReason.objects.create(label="Gone quiet", kind="unwritten")
    url = f"/admin/feedback/rejectionreason/{reason.pk}/delete/"
    assert client.post(url, {"post": "yes"}).status_code == 403


def test_a_leads_derived_rows_hold_no_constraint_and_go_with_it(cycle):
    """Its check and its figures are written for each of an import's leads and checked by
    nobody at commit (the database checks only the lead's own keys); they go with the lead
    through the ORM's cascade."""
    from django.db import connection

    from feedback.models import Lead, LeadCheck

    with connection.cursor() as cursor:
        for model in (LeadCheck, LeadFigures, RejectionFigures):
            constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
            keys = [name for name, c in constraints.items() if c["foreign_key"]]
            assert keys == [], f"{model.__name__} has foreign-key constraints {keys}"
    lead = lead_make(cycle, **QUALIFIED)
    assert LeadCheck.objects.filter(lead=lead).exists()
    Lead.objects.filter(pk=lead.pk).delete()
    assert not LeadCheck.objects.filter(lead_id=lead.pk).exists()
    assert not LeadFigures.objects.filter(lead_id=lead.pk).exists()
