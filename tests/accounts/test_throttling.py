"""Guessing is slowed: sign-in lockouts, password-reset and API-token limits, lifted by an admin."""

import re

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from accounts.services import api_token_create
from tests.accounts.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

SIGN_IN = "/accounts/sign-in/"


@pytest.fixture(autouse=True)
def _fresh_counters():
    caches["throttle"].clear()


def sign_in(client, email, password, address="203.0.113.5"):
    return client.post(SIGN_IN, {"username": email, "password": password}, REMOTE_ADDR=address)


def test_ten_wrong_passwords_lock_the_account_even_against_the_right_one():
    person = UserFactory(email="sam@example.com")
    client = Client()
    codes = [sign_in(client, person.email, f"wrong-{n}").status_code for n in range(10)]
    assert codes[:9] == [200] * 9  # the form again, with its error
    assert codes[9] == 429
    locked = sign_in(client, person.email, TEST_PASSWORD)
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    # From another network, and typed in capitals: still the same locked account.
    elsewhere = sign_in(Client(), "SAM@example.com ", TEST_PASSWORD, address="198.51.100.7")
    assert elsewhere.status_code == 429


def test_a_lockout_reads_the_same_for_an_unknown_address():
    UserFactory(email="real@example.com")
    bodies = []
    for email in ("real@example.com", "nobody@example.com"):
        client = Client()
        for n in range(10):
            response = sign_in(client, email, f"wrong-{n}", address=f"192.0.2.{len(bodies) + 1}")
        assert response.status_code == 429
        body = response.content.decode()
        assert "Sign-in is paused" in body
        bodies.append(body.replace(email, "EMAIL"))
    # Same page, same words (only the CSRF token and the CSP nonce differ).
    strip = [re.sub(r'(nonce=|value=|CSRFToken": )"[^"]*"', "", body) for body in bodies]
    assert strip[0] == strip[1]


def test_one_address_trying_many_accounts_is_paused(settings):
    settings.SIGN_IN_ADDRESS_FAILURE_LIMIT = 20
    client = Client()
    codes = [
        sign_in(client, f"guess{n}@example.com", "wrong", address="203.0.113.9").status_code
        for n in range(20)
    ]
    assert 429 not in codes[:19] and codes[19] == 429
    person = UserFactory()
    assert sign_in(client, person.email, TEST_PASSWORD, address="203.0.113.9").status_code == 429
    # Another address is not affected.
    assert sign_in(Client(), person.email, TEST_PASSWORD, address="203.0.113.10").status_code == 302


def test_a_successful_sign_in_resets_the_count():
    person = UserFactory()
    client = Client()
    for n in range(9):
        sign_in(client, person.email, f"wrong-{n}")
    assert sign_in(client, person.email, TEST_PASSWORD).status_code == 302
    Client().post(reverse("accounts:logout"))
    for n in range(9):
        assert sign_in(Client(), person.email, f"wrong-{n}").status_code == 200


def test_forged_forwarded_for_does_not_give_a_fresh_address(settings):
    settings.SIGN_IN_ADDRESS_FAILURE_LIMIT = 10
    client = Client()
    for n in range(10):
        response = client.post(
            SIGN_IN,
            {"username": f"g{n}@example.com", "password": "x"},
            REMOTE_ADDR="203.0.113.20",
            HTTP_X_FORWARDED_FOR=f"10.0.0.{n}",
        )
    assert response.status_code == 429


def test_an_admin_sees_and_lifts_a_lockout(client_as, admin_user):
    person = UserFactory()
    for n in range(10):
        sign_in(Client(), person.email, f"wrong-{n}")
    assert sign_in(Client(), person.email, TEST_PASSWORD).status_code == 429
    admin = client_as(admin_user)
    listing = admin.get(reverse("admin:axes_accessattempt_changelist"))
    assert listing.status_code == 200
    assert person.email in listing.content.decode()
    attempt = AccessAttempt.objects.get(username=person.email)
    lifted = admin.post(
        reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"}
    )
    assert lifted.status_code == 302
    assert sign_in(Client(), person.email, TEST_PASSWORD).status_code == 302


def test_password_reset_requests_are_limited_per_address_and_per_email(settings):
    settings.PASSWORD_RESET_RATE_LIMIT = "3/h"
    person = UserFactory()
    url = reverse("accounts:password_reset")
    codes = [
        Client().post(url, {"email": person.email}, REMOTE_ADDR=f"192.0.2.{n}").status_code
        for n in range(4)
    ]
    assert codes == [302, 302, 302, 429]
    assert len(mail.outbox) == 3
    # One address asking for many accounts is limited too.
    caches["throttle"].clear()
    codes = [
        Client().post(url, {"email": f"x{n}@example.com"}, REMOTE_ADDR="192.0.2.99").status_code
        for n in range(4)
    ]
    assert codes == [302, 302, 302, 429]


def test_wrong_api_tokens_are_limited_per_address(settings):
    settings.API_TOKEN_FAILURE_RATE_LIMIT = "5/h"
    client = Client()
    codes = [
        client.get(
            "/api/v1/definitions", headers={"Authorization": f"Bearer acc_guess{n}"}
        ).status_code
        for n in range(6)
    ]
    assert codes == [401] * 5 + [429]


def test_a_second_token_does_not_escape_the_rate_limit(marketer):
    from config.api import api

    throttle = api.throttle[0]
    _, first = api_token_create(user=marketer, name="CRM")
    _, second = api_token_create(user=marketer, name="CRM again")
    original = throttle.rate, throttle.num_requests, throttle.duration
    throttle.rate, throttle.num_requests, throttle.duration = "3/m", 3, 60
    try:
        codes = [
            Client()
            .get("/api/v1/definitions", headers={"Authorization": f"Bearer {raw}"})
            .status_code
            for raw in (first, first, first, second)
        ]
    finally:
        throttle.rate, throttle.num_requests, throttle.duration = original
    assert codes == [200, 200, 200, 429]


def test_tokens_per_person_are_capped(client_as, marketer, settings):
    settings.API_TOKENS_PER_PERSON = 2
    client = client_as(marketer)
    for name in ("one", "two"):
        assert client.post("/accounts/profile/", {"form": "token", "name": name}).context[
            "new_token"
        ]
    refused = client.post("/accounts/profile/", {"form": "token", "name": "three"})
    assert refused.context["new_token"] is None
    assert "revoke one" in refused.content.decode()
    assert marketer.api_tokens.count() == 2
