"""What every signed-in page costs before its own work: the session, the person, their
permissions, the navigation, the layout."""

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db import connection
from django.template import engines
from django.template.loaders.cached import Loader as CachedLoader
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.backends import ModelPermissionsBackend
from accounts.models import User
from tests.accounts.factories import UserFactory

# What drawing a page costs, measured: no page is kept drawn here.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pages_drawn")]


def fresh(user) -> User:
    """The person as a new request loads them: no permissions remembered yet."""
    return User.objects.get(pk=user.pk)


def test_permissions_are_read_in_one_query_and_are_django_s_own(django_assert_num_queries):
    person = UserFactory(roles=["Facilitator"])
    person.user_permissions.add(Permission.objects.get(codename="approve_version"))
    expected = ModelBackend().get_all_permissions(fresh(person))
    assert "definitions.approve_version" in expected
    assert any(p.startswith("meetings.") for p in expected)
    person = fresh(person)
    with django_assert_num_queries(1):
        assert ModelPermissionsBackend().get_all_permissions(person) == expected
        assert person.has_perm("definitions.approve_version")
        assert not person.has_perm("accounts.delete_user")


def test_a_superuser_has_every_permission_and_an_inactive_person_none():
    boss = UserFactory(is_superuser=True)
    gone = UserFactory(roles=["Facilitator"], is_active=False)
    backend = ModelPermissionsBackend()
    assert backend.get_all_permissions(fresh(boss)) == ModelBackend().get_all_permissions(
        fresh(boss)
    )
    assert len(backend.get_all_permissions(fresh(boss))) == Permission.objects.count()
    assert backend.get_all_permissions(fresh(gone)) == set()
    assert not fresh(gone).has_perm("meetings.facilitate")


def test_a_signed_in_page_reads_its_session_from_the_cache_and_its_permissions_once(client):
    person = UserFactory(roles=["Facilitator"])
    client.force_login(person)
    client.get(reverse("meetings:list"))  # the first request puts the session in the cache
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("meetings:list"))
    assert response.status_code == 200
    sql = [q["sql"] for q in queries.captured_queries]
    assert not [s for s in sql if "django_session" in s]
    assert len([s for s in sql if '"auth_permission"' in s]) == 1
    assert len([s for s in sql if 'FROM "accounts_user"' in s and "password" in s]) == 1


def test_templates_are_compiled_once_per_process():
    loaders = engines["django"].engine.template_loaders
    assert [type(loader) for loader in loaders] == [CachedLoader]
