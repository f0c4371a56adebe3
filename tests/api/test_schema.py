"""Schemathesis: generated requests against the OpenAPI schema find no server error and no
response that breaks the schema (a bounded number of examples per operation)."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from accounts.services import api_token_create
from config.wsgi import application
from tests.accounts.factories import UserFactory
from tests.definitions.factories import DefinitionFactory, version_published

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture
def _keep_the_test_connection():
    """Calling the WSGI app directly fires request_finished, whose close_old_connections would
    close the test's connection (and its transaction); Django's test client disconnects it
    the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(db, _keep_the_test_connection):
    executive = UserFactory(department="sales", roles=["Executive"])
    version_published(DefinitionFactory(executive_sponsor=executive))
    return api_token_create(user=executive, name="schemathesis")[1]


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_honours_its_schema(case, token):
    from django.core.cache import caches

    caches["throttle"].clear()  # the rate limit is not what this test is about
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"})
