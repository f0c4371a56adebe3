import pytest
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction

from accounts.models import User
from accounts.roles import ROLE_PERMISSIONS, roles_needing
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_fresh_database_has_every_role_with_exactly_its_permissions():
    for role, perms in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role)
        held = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        assert held == set(perms), role


def test_people_sign_in_by_email_which_is_stored_lower_case():
    user = User.objects.create_user("Fran@Example.COM", "pw-123456", full_name="Fran")
    assert user.email == "fran@example.com"
    assert user.check_password("pw-123456")


def test_two_people_cannot_share_an_email_address_whatever_its_case():
    UserFactory(email="same@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="SAME@example.com", full_name="Twin")


def test_the_database_refuses_an_unknown_department():
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="x@example.com", full_name="X", department="finance")


def test_a_person_without_a_role_is_a_member():
    assert UserFactory().role_names == ["Member"]


def test_roles_carry_permissions_and_group_names_are_not_needed(facilitator, executive, member):
    assert facilitator.has_perm("definitions.facilitate")
    assert facilitator.has_perm("meetings.facilitate")
    assert not facilitator.has_perm("definitions.publish_version")
    assert executive.has_perm("definitions.publish_version")
    assert not member.has_perm("definitions.facilitate")


def test_people_with_a_permission_are_found_through_their_groups(facilitator, executive, member):
    found = set(User.objects.with_permission("definitions.approve_version"))
    assert found == {executive}


def test_a_refusal_names_the_role_that_is_needed():
    assert roles_needing("definitions.facilitate") == ["Facilitator"]
