"""Fixtures shared by every test: people per role, signed-in clients, fast hashing."""

import os

import pytest
from django.test import Client

from tests.accounts.factories import UserFactory

# Playwright's sync API keeps an event loop running in the test process, which makes
# Django refuse ORM calls from live_server tests unless this is set. Tests only.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def marketer(db):
    return UserFactory(department="marketing", full_name="Maya Marketer")


@pytest.fixture
def member(marketer):
    """A person with no role: everyone who is not a facilitator, executive or admin."""
    return marketer


@pytest.fixture
def sales_rep(db):
    return UserFactory(department="sales", full_name="Sam Seller")


@pytest.fixture
def facilitator(db):
    return UserFactory(department="other", full_name="Fran Facilitator", roles=["Facilitator"])


@pytest.fixture
def executive(db):
    return UserFactory(department="sales", full_name="Elena Executive", roles=["Executive"])


@pytest.fixture
def admin_user(db):
    return UserFactory(department="other", full_name="Ada Admin", roles=["Admin"], is_staff=True)


@pytest.fixture
def client_as(db):
    """`client_as(user)` gives a Client signed in as that person."""

    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make
