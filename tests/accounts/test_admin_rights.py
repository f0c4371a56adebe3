"""The Admin role manages people and their roles; only a superuser hands out admin rights."""

from django.contrib.auth.models import Group
from django.urls import reverse

from tests.accounts.factories import UserFactory


def _change_form_data(person, **overrides):
    data = {
        "email": person.email,
        "full_name": person.full_name,
        "title": person.title,
        "department": person.department,
        "groups": [group.pk for group in person.groups.all()],
        "is_active": "on",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": person.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": person.date_joined.strftime("%H:%M:%S"),
    }
    data.update(overrides)
    return data


def test_the_admin_role_cannot_make_itself_superuser(client_as, admin_user):
    url = reverse("admin:accounts_user_change", args=[admin_user.pk])
    client = client_as(admin_user)
    response = client.post(
        url, _change_form_data(admin_user, is_superuser="on", is_staff="on", title="Boss")
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    admin_user.refresh_from_db()
    assert admin_user.title == "Boss"  # the rest of the form still saves
    assert admin_user.is_superuser is False


def test_the_admin_role_cannot_make_someone_else_staff_or_superuser(client_as, admin_user):
    person = UserFactory(department="sales")
    client = client_as(admin_user)
    url = reverse("admin:accounts_user_change", args=[person.pk])
    facilitator = Group.objects.get(name="Facilitator")
    response = client.post(
        url,
        _change_form_data(person, is_superuser="on", is_staff="on", groups=[facilitator.pk]),
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.is_staff, person.is_superuser) == (False, False)
    # Roles from accounts/roles.py are the Admin role's to give.
    assert list(person.groups.values_list("name", flat=True)) == ["Facilitator"]


def test_the_admin_role_cannot_change_a_superusers_account(client_as, admin_user):
    boss = UserFactory(is_superuser=True, is_staff=True)
    client = client_as(admin_user)
    url = reverse("admin:accounts_user_change", args=[boss.pk])
    response = client.post(url, _change_form_data(boss, email="taken-over@example.com"))
    assert response.status_code == 403
    boss.refresh_from_db()
    assert boss.email != "taken-over@example.com"


def test_a_superuser_still_grants_superuser_rights(client_as):
    boss = UserFactory(is_superuser=True, is_staff=True)
    person = UserFactory()
    url = reverse("admin:accounts_user_change", args=[person.pk])
    response = client_as(boss).post(url, _change_form_data(person, is_superuser="on"))
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.is_superuser is True
