"""Redis down (CACHE_URL at a closed port): people still sign in, open pages, post a
review, ask for a password reset and call the API; no 500, and the rate limits still count."""

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from accounts.services import api_token_create
from config.settings import caches_for
from feedback.models import LeadFeedback
from tests.accounts.factories import TEST_PASSWORD
from tests.feedback.factories import QUALIFIED, cycle_make, lead_make

pytestmark = pytest.mark.django_db

NOBODY_LISTENS = "redis://127.0.0.1:1/0"


@pytest.fixture
def redis_down(settings, monkeypatch):
    settings.CACHES = caches_for(NOBODY_LISTENS)
    # The API's throttle holds the cache of its import; it is the Redis one in production.
    monkeypatch.setattr("config.api.PersonRateThrottle.cache", caches["throttle"])
    with pytest.raises(Exception, match=r"Connection refused|Error 111"):
        caches["default"]._cache.get_client().ping()  # nothing listens there


@pytest.fixture
def cycle():
    return cycle_make()


def test_with_redis_down_a_rep_signs_in_opens_pages_and_posts_a_review(redis_down, cycle):
    lead = lead_make(cycle, **QUALIFIED)
    rep = lead.rep
    client = Client(raise_request_exception=False)
    signed_in = client.post(
        reverse("accounts:login"), {"username": rep.email, "password": TEST_PASSWORD}
    )
    assert signed_in.status_code == 302, signed_in.content.decode()[:500]
    for url in [
        reverse("home"),
        reverse("feedback:review", args=[cycle.pk]),
        reverse("feedback:lead", args=[lead.pk]),
        reverse("definitions:detail", args=[cycle.definition_id]),
        reverse("numbers:definition", args=[cycle.definition_id]),
        reverse("accounts:profile"),
    ]:
        assert client.get(url).status_code == 200, url
    review = {f"lead-{lead.pk}-agrees_with_stage": "yes", f"lead-{lead.pk}-decision": "accepted"}
    saved = client.post(
        reverse("feedback:review_save", args=[cycle.pk, lead.pk]),
        review,
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET=f"lead-{lead.pk}",
    )
    assert saved.status_code == 200
    assert LeadFeedback.objects.get(lead=lead).decision == "accepted"


def test_with_redis_down_the_facilitator_pages_and_imports_serve(redis_down, cycle):
    client = Client(raise_request_exception=False)
    client.force_login(cycle.definition.facilitator)
    for url in [
        reverse("feedback:cycle", args=[cycle.pk]),
        reverse("feedback:import_new"),
        reverse("numbers:index"),
        reverse("meetings:list"),
    ]:
        assert client.get(url).status_code == 200, url


def test_with_redis_down_password_resets_and_api_tokens_are_still_limited(
    redis_down, settings, cycle
):
    settings.PASSWORD_RESET_RATE_LIMIT = "2/h"
    settings.API_TOKEN_FAILURE_RATE_LIMIT = "2/h"
    client = Client(raise_request_exception=False)
    url = reverse("accounts:password_reset")
    answers = [client.post(url, {"email": "someone@example.com"}).status_code for _ in range(4)]
    assert 500 not in answers and answers[:2] == [302, 302]
    assert answers[-1] != 302  # the limit held, counted in the database meanwhile
    token = api_token_create(user=cycle.definition.facilitator, name="t")[1]
    ok = client.get("/api/v1/definitions", headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 200
    wrong = [
        client.get("/api/v1/definitions", headers={"Authorization": "Bearer wrong"}).status_code
        for _ in range(4)
    ]
    assert wrong == [401, 401, 429, 429]
