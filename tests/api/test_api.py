"""The JSON API: tokens, permissions, errors."""

import pytest
from django.core.cache import cache, caches

from accounts.models import ApiToken
from accounts.services import api_token_create, api_token_revoke, token_digest
from definitions.models import Submission
from tests.definitions.factories import DefinitionFactory, version_published

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    caches["throttle"].clear()


def bearer(raw: str) -> dict:
    return {"Authorization": f"Bearer {raw}"}


@pytest.fixture
def version(facilitator, executive):
    return version_published(
        DefinitionFactory(facilitator=facilitator, executive_sponsor=executive)
    )


def test_a_token_is_stored_hashed_and_shown_once_on_the_profile(client_as, marketer):
    client = client_as(marketer)
    response = client.post("/accounts/profile/", {"form": "token", "name": "HubSpot sync"})
    raw = response.context["new_token"]
    assert raw not in str(dict(client.session))
    token = ApiToken.objects.get()
    assert raw.startswith("acc_") and raw in response.content.decode()
    assert token.digest == token_digest(raw) and raw not in (token.digest, token.prefix)
    assert raw not in client.get("/accounts/profile/").content.decode()


def test_the_api_reads_definitions_and_versions_with_a_token(client, version, marketer):
    _, raw = api_token_create(user=marketer, name="CRM")
    listed = client.get("/api/v1/definitions", headers=bearer(raw)).json()
    assert listed == [
        {
            "id": version.definition_id,
            "name": version.definition.name,
            "scope": "company",
            "product_line": "",
            "url": f"http://127.0.0.1:8000/definitions/{version.definition_id}/",
            "latest_version": 1,
        }
    ]
    latest = client.get(
        f"/api/v1/definitions/{version.definition_id}/versions/latest", headers=bearer(raw)
    )
    assert latest.status_code == 200
    assert latest.json()["stages"][3]["criteria"][1]["rule"] == {
        "field": "budget_evidence",
        "operator": "at_least",
        "value": "verified",
    }


def test_no_token_or_a_revoked_one_gets_401(client, version, marketer):
    token, raw = api_token_create(user=marketer, name="CRM")
    url = "/api/v1/definitions"
    assert client.get(url).status_code == 401
    assert client.get(url, headers=bearer(raw)).status_code == 200
    api_token_revoke(token=token, by=marketer)
    response = client.get(url, headers=bearer(raw))
    assert response.status_code == 401
    assert response.json()["detail"].startswith("A valid API token is required")


def test_a_sales_reps_token_cannot_publish_but_an_executives_can(
    client, version, sales_rep, executive
):
    definition = version.definition
    submission = Submission.objects.create(
        definition=definition,
        content={"stages": []},
        change_summary="x",
        submitted_by=definition.facilitator,
        status="approved",
        reviewed_by=executive,
        reviewed_at=definition.created_at,
    )
    url = f"/api/v1/definitions/{definition.pk}/submissions/{submission.pk}/publish"
    _, rep = api_token_create(user=sales_rep, name="rep")
    refused = client.post(url, headers=bearer(rep))
    assert refused.status_code == 403
    assert "Executive role" in refused.json()["detail"]
    _, boss = api_token_create(user=executive, name="boss")
    published = client.post(url, headers=bearer(boss))
    assert published.status_code == 201
    assert published.json()["number"] == 2
    again = client.post(url, headers=bearer(boss))
    assert again.status_code == 409


def test_errors_are_json_with_messages_per_field(client, version, marketer):
    _, raw = api_token_create(user=marketer, name="CRM")
    bad = client.get("/api/v1/definitions/abc/versions/latest", headers=bearer(raw))
    assert bad.status_code == 400
    assert "path.definition_id" in bad.json()["errors"]
    missing = client.get(
        f"/api/v1/definitions/{version.definition_id}/versions/9", headers=bearer(raw)
    )
    assert missing.status_code == 404
    assert missing.json() == {"detail": "Not found."}


def test_the_api_is_rate_limited_per_token(client, version, marketer, settings):
    from config.api import api

    throttle = api.throttle[0]
    _, raw = api_token_create(user=marketer, name="CRM")
    original = throttle.rate, throttle.num_requests, throttle.duration
    throttle.rate, throttle.num_requests, throttle.duration = "3/m", 3, 60
    try:
        codes = [
            client.get("/api/v1/definitions", headers=bearer(raw)).status_code for _ in range(4)
        ]
    finally:
        throttle.rate, throttle.num_requests, throttle.duration = original
    assert codes == [200, 200, 200, 429]
