"""The API's lead endpoints: the check agrees with the lead page, submission follows the
CSV import's rules, feedback and outcomes obey the same services as the pages."""

import json
import re

import pytest
from django.core.cache import cache, caches

from accounts.services import api_token_create
from feedback import services as feedback_services
from feedback.models import Lead, LeadFeedback
from tests.accounts.factories import UserFactory
from tests.definitions.factories import DefinitionFactory, version_published

pytestmark = pytest.mark.django_db

# One rule per operator, and lead values that meet, miss or leave it unknown.
OPERATOR_CASES = [
    ({"field": "industry", "operator": "equals", "value": "Retail"}, {"industry": "retail"}),
    ({"field": "industry", "operator": "equals", "value": "Retail"}, {"industry": "Banking"}),
    ({"field": "seniority", "operator": "in", "value": ["vp", "c_level"]}, {"seniority": "vp"}),
    ({"field": "seniority", "operator": "in", "value": ["vp"]}, {"seniority": "manager"}),
    ({"field": "region", "operator": "not_in", "value": ["APAC"]}, {"region": "EMEA"}),
    ({"field": "region", "operator": "not_in", "value": ["APAC"]}, {"region": "apac"}),
    ({"field": "company_size", "operator": "at_least", "value": 50}, {"company_size": 50}),
    ({"field": "company_size", "operator": "at_least", "value": 50}, {"company_size": 49}),
    ({"field": "company_size", "operator": "at_most", "value": 500}, {"company_size": 501}),
    ({"field": "company_size", "operator": "between", "value": [50, 500]}, {"company_size": 500}),
    ({"field": "company_size", "operator": "between", "value": [50, 500]}, {}),
    (
        {"field": "budget_evidence", "operator": "at_least", "value": "verified"},
        {"budget_evidence": "proven"},
    ),
    (
        {"field": "budget_evidence", "operator": "at_least", "value": "verified"},
        {"budget_evidence": "stated"},
    ),
    (
        {"field": "asked_for_information", "operator": "is_true", "value": None},
        {"asked_for_information": True},
    ),
    (
        {"field": "asked_for_information", "operator": "is_true", "value": None},
        {"asked_for_information": False},
    ),
    ({"field": "phone", "operator": "is_present", "value": None}, {"phone": "+44 20 7946 0000"}),
    ({"field": "phone", "operator": "is_present", "value": None}, {}),
]


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    caches["throttle"].clear()


def ladder_with(rule) -> dict:
    return {
        "stages": [
            {
                "key": "mql",
                "level": "lead",
                "name": "Marketing Qualified Lead",
                "meaning": "",
                "owner": "",
                "routing": "",
                "follow_up": "",
                "criteria": [
                    {"key": "only", "statement": "The one rule", "evidence": "stated", "rule": rule}
                ],
            }
        ]
    }


def bearer(user) -> dict:
    return {"Authorization": f"Bearer {api_token_create(user=user, name='t')[1]}"}


@pytest.mark.parametrize(("rule", "values"), OPERATOR_CASES)
def test_the_api_check_and_the_lead_page_agree(
    client, client_as, facilitator, executive, sales_rep, rule, values
):
    definition = DefinitionFactory(facilitator=facilitator, executive_sponsor=executive)
    version_published(definition, content=ladder_with(rule))
    cycle = feedback_services.cycle_open(definition=definition, by=facilitator)
    stored = {"need_evidence": "none", "budget_evidence": "none", "authority_evidence": "none"}
    lead = feedback_services.lead_create(
        cycle=cycle,
        rep=sales_rep,
        by=facilitator,
        crm_reference="L-1",
        company="Acme",
        **{**stored, **values},
    )
    page = client_as(facilitator).get(f"/feedback/leads/{lead.pk}/").content.decode()
    on_page = re.search(r'checklist__item--(\w+)"\s+data-criterion="only"', page).group(1)

    sent = {**stored, **values}
    response = client.post(
        f"/api/v1/definitions/{definition.pk}/check",
        json.dumps(sent),
        content_type="application/json",
        headers=bearer(facilitator),
    )
    assert response.status_code == 200, response.content
    assert response.json()["criteria"][0]["result"] == on_page


def _cycle(facilitator, executive):
    definition = DefinitionFactory(facilitator=facilitator, executive_sponsor=executive)
    version_published(definition)
    feedback_services.cycle_open(definition=definition, by=facilitator)
    return definition


def post(client, url, body, headers):
    return client.post(url, json.dumps(body), content_type="application/json", headers=headers)


def test_submitted_leads_follow_the_import_rules(client, facilitator, executive, sales_rep):
    definition = _cycle(facilitator, executive)
    url = f"/api/v1/definitions/{definition.pk}/leads"
    auth = bearer(facilitator)
    good = {
        "crm_reference": "A-1",
        "company": "Acme",
        "owner": sales_rep.email,
        "company_size": 120,
    }
    bad = {"crm_reference": "A-2", "company": "Beta", "owner": "nobody@example.com"}
    refused = post(client, url, {"leads": [good, bad]}, auth)
    assert refused.status_code == 400
    assert list(refused.json()["errors"]) == ["leads.1.owner"]
    assert not Lead.objects.exists()  # all or nothing

    created = post(client, url, {"leads": [good]}, auth).json()
    assert (created["created"], created["changed"]) == (1, 0)
    again = post(client, url, {"leads": [good]}, auth).json()
    assert (again["created"], again["changed"], again["unchanged"]) == (0, 0, 1)
    changed = post(client, url, {"leads": [{**good, "company_size": 300}]}, auth).json()
    assert changed["changed"] == 1
    assert Lead.objects.get().company_size == 300


def test_only_a_facilitator_submits_leads_and_too_many_is_413(
    client, facilitator, executive, sales_rep, monkeypatch
):
    definition = _cycle(facilitator, executive)
    url = f"/api/v1/definitions/{definition.pk}/leads"
    lead = {"crm_reference": "A-1", "company": "Acme", "owner": sales_rep.email}
    assert post(client, url, {"leads": [lead]}, bearer(sales_rep)).status_code == 403
    monkeypatch.setattr("feedback.api.MAX_LEADS_PER_REQUEST", 1)
    too_many = post(
        client, url, {"leads": [lead, {**lead, "crm_reference": "A-2"}]}, bearer(facilitator)
    )
    assert too_many.status_code == 413


def test_without_an_open_cycle_leads_are_a_conflict(client, facilitator, executive, sales_rep):
    definition = DefinitionFactory(facilitator=facilitator, executive_sponsor=executive)
    version_published(definition)
    response = post(
        client,
        f"/api/v1/definitions/{definition.pk}/leads",
        {"leads": [{"crm_reference": "A-1", "company": "Acme", "owner": sales_rep.email}]},
        bearer(facilitator),
    )
    assert response.status_code == 409


def test_a_rep_records_feedback_and_an_outcome_on_their_own_lead_only(
    client, facilitator, executive, sales_rep
):
    definition = _cycle(facilitator, executive)
    post(
        client,
        f"/api/v1/definitions/{definition.pk}/leads",
        {"leads": [{"crm_reference": "A-1", "company": "Acme", "owner": sales_rep.email}]},
        bearer(facilitator),
    )
    url = f"/api/v1/definitions/{definition.pk}/leads/A-1/feedback"
    rejected = {"agrees_with_stage": False, "decision": "rejected", "reasons": []}
    assert post(client, url, rejected, bearer(sales_rep)).json()["errors"]["reasons"]
    with_reason = {**rejected, "reasons": ["Title below VP"]}
    assert post(client, url, with_reason, bearer(facilitator)).status_code == 403
    ok = post(client, url, with_reason, bearer(sales_rep))
    assert ok.status_code == 200
    assert ok.json() == {
        "lead": "A-1",
        "decision": "rejected",
        "version": 1,
        "reasons": ["Title below VP"],
    }
    assert LeadFeedback.objects.get().version.number == 1
    outcome = post(
        client,
        f"/api/v1/definitions/{definition.pk}/leads/A-1/outcome",
        {"result": "bought", "occurred_on": "2026-10-01", "amount": "1500.00"},
        bearer(sales_rep),
    )
    assert outcome.status_code == 201
    missing = post(
        client,
        f"/api/v1/definitions/{definition.pk}/leads/NOPE/feedback",
        with_reason,
        bearer(sales_rep),
    )
    assert missing.status_code == 404


def test_a_body_too_large_is_a_json_413(client, facilitator, executive, settings):
    definition = _cycle(facilitator, executive)
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    leads = [{"crm_reference": f"A-{n}", "company": "Acme " * 20} for n in range(20)]
    response = post(
        client, f"/api/v1/definitions/{definition.pk}/leads", {"leads": leads}, bearer(facilitator)
    )
    assert response.status_code == 413
    assert response.json()["detail"].startswith("The request body is too large")


def test_feedback_follows_the_version_of_a_re_imported_lead(
    client, facilitator, executive, sales_rep
):
    from django.utils import timezone

    definition = _cycle(facilitator, executive)
    url = f"/api/v1/definitions/{definition.pk}/leads"
    lead = {"crm_reference": "A-1", "company": "Acme", "owner": sales_rep.email}
    post(client, url, {"leads": [lead]}, bearer(facilitator))
    feedback_url = f"/api/v1/definitions/{definition.pk}/leads/A-1/feedback"
    accepted = {"agrees_with_stage": True, "decision": "accepted"}
    assert post(client, feedback_url, accepted, bearer(sales_rep)).json()["version"] == 1
    version_published(definition)
    moved = {**lead, "handed_over_at": timezone.now().isoformat()}
    assert post(client, url, {"leads": [moved]}, bearer(facilitator)).json()["changed"] == 1
    assert post(client, feedback_url, accepted, bearer(sales_rep)).json()["version"] == 2
    assert LeadFeedback.objects.get().version.number == 2


def test_one_response_names_every_problem_of_the_batch_in_items(
    client, facilitator, executive, sales_rep
):
    definition = _cycle(facilitator, executive)
    url = f"/api/v1/definitions/{definition.pk}/leads"
    leads = [
        {"crm_reference": "A-1", "company": "Acme", "owner": sales_rep.email, "title": "x" * 201}
        | {"email": "nope"},
        {"crm_reference": "A-2", "company": "Beta", "owner": "Pat Pipeline"},
        {"crm_reference": "A-1", "company": "Gamma", "owner": sales_rep.email},
        {"crm_reference": "A-4", "company": "Delta", "owner": sales_rep.email, "seniority": "boss"},
        {"crm_reference": "A-5", "company": "Epsilon"},
    ]
    response = post(client, url, {"leads": leads, "fallback_owner": "nobody"}, bearer(facilitator))
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert sorted(errors) == [
        "fallback_owner",
        "leads.0.email",
        "leads.0.title",
        "leads.1.owner",
        "leads.2.crm_reference",
        "leads.3.seniority",
        "leads.4.owner",
    ]
    assert errors["leads.2.crm_reference"] == [
        "“A-1” is already on item 0; each lead once per request."
    ]
    assert errors["leads.4.owner"] == ["The owner is missing."]
    words = " ".join(message for messages in errors.values() for message in messages)
    assert not re.search(r"\b[Ll]ines? \d", words)  # items, not lines
    assert not Lead.objects.exists()


def test_null_clears_a_field_and_a_left_out_field_keeps_it_whatever_the_other_items_carry(
    client, facilitator, executive, sales_rep
):
    definition = _cycle(facilitator, executive)
    url = f"/api/v1/definitions/{definition.pk}/leads"
    auth = bearer(facilitator)
    full = {"company": "Acme", "owner": sales_rep.email, "email": "a@acme.example"}
    full |= {"phone": "+49 30 1234567", "company_size": 40}
    created = post(client, url, {"leads": [{"crm_reference": "A-1", **full}]}, auth)
    assert created.json()["created"] == 1
    post(client, url, {"leads": [{"crm_reference": "B-1", **full}]}, auth)
    # Alone in its batch, a null clears the e-mail (it used to be ignored then).
    alone = {"crm_reference": "A-1", "company": "Acme", "email": None}
    assert post(client, url, {"leads": [alone]}, auth).json()["changed"] == 1
    lead = Lead.objects.get(crm_reference="A-1")
    assert (lead.email, lead.phone, lead.company_size, lead.rep) == (
        "",
        "+49 30 1234567",
        40,
        sales_rep,
    )
    # Left out, beside an item that gives one, the e-mail stays.
    kept = {"crm_reference": "B-1", "company": "Acme"}
    other = {"crm_reference": "C-1", "company": "Cee", "owner": sales_rep.email}
    other["email"] = "c@cee.example"
    assert post(client, url, {"leads": [kept, other]}, auth).json()["unchanged"] == 1
    assert Lead.objects.get(crm_reference="B-1").email == "a@acme.example"
    cleared = {"crm_reference": "B-1", "company": "Acme", "company_size": None}
    post(client, url, {"leads": [cleared, other]}, auth)
    assert Lead.objects.get(crm_reference="B-1").company_size is None


def test_nul_characters_never_reach_the_database_through_the_api(
    client, facilitator, executive, sales_rep
):
    definition = _cycle(facilitator, executive)
    url = f"/api/v1/definitions/{definition.pk}/leads"
    lead = {"crm_reference": "A-1\u0000", "company": "Ac\u0000me", "owner": sales_rep.email}
    lead["title"] = "VP\u0000 Sales\nEMEA"
    response = post(client, url, {"leads": [lead]}, bearer(facilitator))
    assert response.status_code == 200, response.content
    stored = Lead.objects.get()
    assert (stored.crm_reference, stored.company, stored.title) == ("A-1", "Acme", "VP Sales EMEA")
    feedback = {"agrees_with_stage": True, "decision": "accepted", "comment": "fi\u0000ne"}
    answered = post(client, f"{url}/A-1/feedback", feedback, bearer(sales_rep))
    assert answered.status_code == 200, answered.content
    assert LeadFeedback.objects.get().comment == "fine"
    assert post(client, f"{url}/A%00-1/feedback", feedback, bearer(sales_rep)).status_code == 404
    assert client.get("/api/v1/definitions/?q=%00", headers=bearer(sales_rep)).status_code in (
        200,
        404,
    )


def test_another_reps_lead_answers_like_an_unknown_reference(
    client, facilitator, executive, sales_rep
):
    other = UserFactory(department="sales")
    definition = _cycle(facilitator, executive)
    post(
        client,
        f"/api/v1/definitions/{definition.pk}/leads",
        {"leads": [{"crm_reference": "B-1", "company": "Beta", "owner": other.email}]},
        bearer(facilitator),
    )
    body = {"agrees_with_stage": True, "decision": "accepted", "reasons": []}
    base = f"/api/v1/definitions/{definition.pk}/leads"
    theirs = post(client, f"{base}/B-1/feedback", body, bearer(sales_rep))
    unknown = post(client, f"{base}/NOPE/feedback", body, bearer(sales_rep))
    assert (theirs.status_code, theirs.json()) == (unknown.status_code, unknown.json())
    assert theirs.status_code == 404
    outcome = {"result": "bought", "occurred_on": "2026-10-01"}
    theirs = post(client, f"{base}/B-1/outcome", outcome, bearer(sales_rep))
    unknown = post(client, f"{base}/NOPE/outcome", outcome, bearer(sales_rep))
    assert (theirs.status_code, theirs.json()) == (unknown.status_code, unknown.json())


def test_a_crm_reference_with_a_slash_is_addressable(client, facilitator, executive, sales_rep):
    definition = _cycle(facilitator, executive)
    post(
        client,
        f"/api/v1/definitions/{definition.pk}/leads",
        {"leads": [{"crm_reference": "EU/2026/7", "company": "Acme", "owner": sales_rep.email}]},
        bearer(facilitator),
    )
    body = {"agrees_with_stage": True, "decision": "accepted", "reasons": []}
    for path in ("EU/2026/7", "EU%2F2026%2F7"):
        response = post(
            client,
            f"/api/v1/definitions/{definition.pk}/leads/{path}/feedback",
            body,
            bearer(sales_rep),
        )
        assert response.status_code == 200, response.content
        assert response.json()["lead"] == "EU/2026/7"


def test_a_crm_reference_with_a_line_break_is_the_apis_own_404(client, facilitator, sales_rep):
    body = {"agrees_with_stage": True, "decision": "accepted", "reasons": []}
    response = post(client, "/api/v1/definitions/1/leads/A%0A1/feedback", body, bearer(sales_rep))
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("application/json")
