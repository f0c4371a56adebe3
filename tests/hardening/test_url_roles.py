"""Every URL, as every role, by GET and POST: the statuses of one table, and never a 500.

A URL added to the URLconf without a row here fails the test: decide who may open it.
Codes: L = sent to a sign-in page, R = another redirect, else the HTTP status. Columns:
anonymous, marketing, sales, facilitator, executive, admin, deactivated.
"""

import copy
import os

import pytest
from django.db import transaction
from django.test import Client

from tests.hardening.url_roles_table import EXPECTED
from tests.url_catalogue import ROLES, catalogue, world_build

pytestmark = pytest.mark.django_db


def _code(response) -> str:
    if response.status_code in (301, 302, 303, 307, 308):
        location = response.headers.get("Location", "")
        if "/sign-in/" in location or "/admin/login/" in location:
            return "L"
        return "R"
    return str(response.status_code)


def _clients(world) -> dict:
    clients = {}
    for role, person in world["people"].items():
        client = Client(raise_request_exception=False)
        if person is not None:
            client.force_login(person)
        clients[role] = client
    return clients


def _request(client, entry, method, token):
    headers = {"Authorization": f"Bearer {token}"} if entry.api and token else {}
    # Every request is undone (signing out included), so each role meets the same world.
    cookies = copy.deepcopy(client.cookies)
    with transaction.atomic():
        response = client.generic(method, entry.url, b"", headers=headers)
        transaction.set_rollback(True)
    client.cookies = cookies
    return _code(response)


def test_every_url_answers_every_role_as_the_table_says(settings):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    world = world_build()
    clients = _clients(world)
    observed = {}
    for entry in catalogue(world):
        row = []
        for method in ("GET", "POST"):
            codes = []
            for role in ROLES:
                client = Client(raise_request_exception=False) if entry.api else clients[role]
                codes.append(_request(client, entry, method, world["tokens"].get(role)))
            row.append(" ".join(codes))
        observed[entry.key] = tuple(row)
    if os.environ.get("URL_ROLES_WRITE"):
        with open(os.environ["URL_ROLES_WRITE"], "w") as out:
            for key, (get, post) in observed.items():
                out.write(f"    {key!r}: ({get!r}, {post!r}),\n")
    errors = {key: row for key, row in observed.items() if "500" in " ".join(row)}
    assert not errors, f"server errors: {errors}"
    missing = sorted(set(observed) - set(EXPECTED))
    assert not missing, f"URLs without a row in the table (decide who may open them): {missing}"
    gone = sorted(set(EXPECTED) - set(observed))
    assert not gone, f"rows for URLs that no longer exist: {gone}"
    differ = {
        key: {"expected": EXPECTED[key], "observed": row}
        for key, row in observed.items()
        if row != EXPECTED[key]
    }
    assert not differ, differ
