"""The API and the admin hold typed text and dates to the forms' rules: text at most 5 000
characters (a short field its model's length), invisible-only text blank, dates 2000–2100;
a refusal is the API's 400 naming the field, or the admin form's message."""

import json

import pytest
from django.contrib import admin
from django.core.cache import cache, caches
from django.core.exceptions import ValidationError
from django.forms import DateField, DateTimeField, SplitDateTimeField
from django.test import RequestFactory

from accounts.services import api_token_create
from config.fields import OUT_OF_RANGE
from feedback import services as feedback_services
from feedback.models import Lead, LeadFeedback, Outcome, ReviewCycle
from tests.accounts.factories import UserFactory
from tests.definitions.factories import DefinitionFactory, version_published
from tests.hardening.test_text_limits import INVISIBLE_ONLY

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    caches["throttle"].clear()


@pytest.fixture
def definition(facilitator, executive):
    definition = DefinitionFactory(facilitator=facilitator, executive_sponsor=executive)
    version_published(definition)
    feedback_services.cycle_open(definition=definition, by=facilitator)
    return definition


def call(client, user, url, body):
    token = api_token_create(user=user, name="t")[1]
    return client.post(
        url,
        json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


def leads_post(client, facilitator, definition, **fields):
    lead = {"crm_reference": "A-1", "company": "Acme", **fields}
    url = f"/api/v1/definitions/{definition.pk}/leads"
    return call(client, facilitator, url, {"leads": [lead]})


@pytest.fixture
def lead_url(client, facilitator, definition, sales_rep):
    assert leads_post(client, facilitator, definition, owner=sales_rep.email).status_code == 200
    return f"/api/v1/definitions/{definition.pk}/leads/A-1"


ACCEPTED = {"agrees_with_stage": True, "decision": "accepted"}


@pytest.mark.parametrize("field", ["comment", "wanted_to_know"])
def test_an_api_feedback_text_over_5000_characters_is_a_400_naming_the_field(
    client, sales_rep, lead_url, field
):
    response = call(client, sales_rep, f"{lead_url}/feedback", {**ACCEPTED, field: "x" * 5001})
    assert response.status_code == 400
    assert response.json()["errors"] == {field: ["String should have at most 5000 characters"]}
    assert not LeadFeedback.objects.exists()
    big = call(client, sales_rep, f"{lead_url}/feedback", {**ACCEPTED, field: "x" * 5_000_000})
    assert big.status_code == 400 and field in big.json()["errors"]
    ok = call(client, sales_rep, f"{lead_url}/feedback", {**ACCEPTED, field: "x" * 5000})
    assert ok.status_code == 200, ok.content


@pytest.mark.parametrize(
    ("field", "limit"),
    [("need_note", 5000), ("authority_note", 5000), ("company", 200), ("contact_name", 200)],
)
def test_an_api_lead_text_over_its_forms_limit_is_a_400_naming_the_field(
    client, facilitator, sales_rep, definition, field, limit
):
    assert limit == (Lead._meta.get_field(field).max_length or 5000)
    too_long = {field: "x" * (limit + 1)}
    response = leads_post(client, facilitator, definition, owner=sales_rep.email, **too_long)
    assert response.status_code == 400
    assert response.json()["errors"] == {
        f"leads.0.{field}": [f"String should have at most {limit} characters"]
    }
    assert not Lead.objects.exists()


@pytest.mark.parametrize("text", INVISIBLE_ONLY)
def test_invisible_only_text_is_blank_in_the_api(client, facilitator, sales_rep, definition, text):
    refused = leads_post(client, facilitator, definition, company=text, owner=sales_rep.email)
    assert refused.status_code == 400
    assert list(refused.json()["errors"]) == ["leads.0.company"]
    kept = leads_post(client, facilitator, definition, owner=sales_rep.email, need_note=text)
    assert kept.status_code == 200, kept.content
    assert Lead.objects.get().need_note == ""
    url = f"/api/v1/definitions/{definition.pk}/leads/A-1/feedback"
    answered = call(client, sales_rep, url, {**ACCEPTED, "comment": text, "wanted_to_know": text})
    assert answered.status_code == 200, answered.content
    assert (LeadFeedback.objects.get().comment, LeadFeedback.objects.get().wanted_to_know) == (
        "",
        "",
    )


@pytest.mark.parametrize("day", ["9999-12-31", "1999-12-31", "0001-01-01", "2101-01-01"])
def test_an_api_outcome_date_outside_2000_to_2100_is_a_400_naming_the_field(
    client, sales_rep, lead_url, day
):
    body = {"result": "bought", "occurred_on": day}
    response = call(client, sales_rep, f"{lead_url}/outcome", body)
    assert response.status_code == 400
    assert response.json()["errors"] == {"occurred_on": [f"Value error, {OUT_OF_RANGE}"]}
    assert not Outcome.objects.exists()
    body["occurred_on"] = "2100-12-31"
    assert call(client, sales_rep, f"{lead_url}/outcome", body).status_code == 201


@pytest.mark.parametrize("moment", ["9999-12-31T10:00:00", "1970-01-01", "31/12/9999"])
def test_an_api_hand_over_time_outside_2000_to_2100_is_a_400_naming_the_field(
    client, facilitator, sales_rep, definition, moment
):
    response = leads_post(
        client, facilitator, definition, owner=sales_rep.email, handed_over_at=moment
    )
    assert response.status_code == 400
    (message,) = response.json()["errors"]["leads.0.handed_over_at"]
    assert "between 2000 and 2100" in message
    assert not Lead.objects.exists()


FAR = {
    SplitDateTimeField: ["9999-12-31", "10:00"],
    DateTimeField: "9999-12-31 10:00",
    DateField: "9999-12-31",
}


def writes(model_admin, request, *obj) -> bool:
    """Whether these admin pages accept a form (an inline's permissions take the parent)."""
    adds = model_admin.has_add_permission(request, *obj)
    return adds or model_admin.has_change_permission(request, *obj)


def admin_date_fields(request):
    """Every date box of every admin form and inline that can write: (where, form field)."""
    for model, model_admin in admin.site._registry.items():
        inlines = [i for i in model_admin.get_inline_instances(request) if writes(i, request, None)]
        forms = [i.get_formset(request).form for i in inlines]
        if writes(model_admin, request):
            forms.append(model_admin.get_form(request))  # the add form
            if (instance := model._default_manager.first()) is not None:
                forms.append(model_admin.get_form(request, instance))  # the change form
        for form in forms:
            for name, field in form.base_fields.items():
                if isinstance(field, (DateField, DateTimeField, SplitDateTimeField)):
                    yield f"{model._meta.label}.{name}", field


def test_every_date_typed_in_the_admin_gets_the_forms_range():
    request = RequestFactory().get("/admin/")
    request.user = UserFactory(is_superuser=True, is_staff=True)
    checked, accepted = [], []
    for where, field in admin_date_fields(request):
        kind = next(kind for kind in FAR if isinstance(field, kind))
        try:
            field.clean(FAR[kind])
        except ValidationError as refused:
            assert OUT_OF_RANGE in refused.messages, where
        else:
            accepted.append(where)
        checked.append(where)
    assert not accepted
    assert {"feedback.ReviewCycle.starts_at", "meetings.ActionItem.due"} <= set(checked)
    assert "accounts.User.date_joined" in checked


def test_a_cycle_ending_in_year_9999_is_refused_in_the_admin(client, definition):
    superuser = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(superuser)
    cycle = ReviewCycle.objects.get()
    response = client.post(
        f"/admin/feedback/reviewcycle/{cycle.pk}/change/",
        {
            "definition": cycle.definition_id,
            "version": cycle.version_id,
            "starts_at_0": cycle.starts_at.date().isoformat(),
            "starts_at_1": "09:00",
            "ends_at_0": "9999-12-31",
            "ends_at_1": "09:00",
        },
    )
    assert response.status_code == 200
    assert OUT_OF_RANGE in response.content.decode()
    cycle.refresh_from_db()
    assert cycle.ends_at.year < 9999
