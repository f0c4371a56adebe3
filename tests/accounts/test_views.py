import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse

from accounts.models import User
from tests.accounts.factories import TEST_PASSWORD, UserFactory
from tests.permissions import LOGIN, assert_matrix

pytestmark = pytest.mark.django_db


def test_the_home_page_needs_a_sign_in():
    assert_matrix(reverse("home"), {None: LOGIN})


def test_the_home_page_greets_the_person_and_shows_their_role(client_as, facilitator):
    response = client_as(facilitator).get(reverse("home"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Hello, Fran" in body
    assert "Facilitator" in body
    assert "What needs me" in body


def test_a_member_sees_no_facilitator_or_executive_links(client_as, member):
    body = client_as(member).get(reverse("home")).content.decode()
    assert reverse("definitions:create") not in body
    assert reverse("admin:index") not in body
    assert "Member" in body


def test_a_facilitator_sees_the_facilitator_links(client_as, facilitator):
    body = client_as(facilitator).get(reverse("home")).content.decode()
    assert reverse("definitions:create") in body


def test_a_facilitator_only_page_refuses_a_member_with_the_403_page(client_as, member):
    response = client_as(member).get(reverse("definitions:create"))
    body = response.content.decode()
    assert response.status_code == 403
    assert "You can’t do that here" in body
    assert "To start a definition, you need the Facilitator role." in body
    assert 'href="/"' in body  # rendered inside the layout, with a way back


def test_the_facilitator_only_page_matrix(facilitator, member, executive, sales_rep):
    assert_matrix(
        reverse("definitions:create"),
        {None: LOGIN, member: 403, sales_rep: 403, executive: 403, facilitator: 200},
    )


def test_signing_in_with_email_and_password_lands_on_home(client, marketer):
    response = client.post(
        reverse("accounts:login"), {"username": marketer.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_a_wrong_password_gets_a_clear_message(client, marketer):
    response = client.post(
        reverse("accounts:login"), {"username": marketer.email, "password": "nope"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "do not match an account" in body
    assert "Traceback" not in body


def test_signing_out_is_a_post(client_as, marketer):
    client = client_as(marketer)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_a_password_reset_sends_an_email_with_a_link(client, marketer):
    response = client.post(reverse("accounts:password_reset"), {"email": marketer.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/" in mail.outbox[0].body
    assert mail.outbox[0].subject == "Reset your Accord password"


def test_a_password_change_needs_the_old_password(client_as, marketer):
    client = client_as(marketer)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "wrong",
            "new_password1": "A-new-pass-99",
            "new_password2": "A-new-pass-99",
        },
    )
    assert response.status_code == 200
    assert "Old password" in response.content.decode()
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "A-new-pass-99",
            "new_password2": "A-new-pass-99",
        },
    )
    assert response.status_code == 302
    marketer.refresh_from_db()
    assert marketer.check_password("A-new-pass-99")


def test_every_response_varies_on_hx_request(client_as, marketer):
    response = client_as(marketer).get(reverse("home"))
    assert "HX-Request" in response["Vary"]


def test_a_redirect_answering_htmx_becomes_hx_location(client_as, facilitator, executive):
    response = client_as(facilitator).post(
        reverse("definitions:create"),
        {
            "name": "Company-wide",
            "scope": "company",
            "facilitator": facilitator.pk,
            "executive_sponsor": executive.pk,
            "quorum_percent": 60,
            "threshold_percent": 75,
            "start": "empty",
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 204
    assert response["HX-Location"].startswith("/definitions/")


def test_pages_carry_a_content_security_policy_with_a_nonce_for_htmx(client_as, marketer):
    response = client_as(marketer).get(reverse("home"))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in csp
    nonce = csp.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in response.content.decode()


def test_an_unknown_page_is_the_404_page_in_the_layout(client_as, marketer, settings):
    settings.DEBUG = False
    response = client_as(marketer).get("/definitions/999999/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_the_health_check_answers_without_a_session(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.content == b"ok"


def test_the_admin_lists_people_with_department_and_role_filters(client_as, admin_user):
    response = client_as(admin_user).get(reverse("admin:accounts_user_changelist"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "By department" in body
    assert "By group" in body or "By roles" in body


def test_a_member_cannot_open_the_admin(client_as, member):
    response = client_as(member).get(reverse("admin:index"))
    assert response.status_code == 302


def test_the_admin_refuses_an_executive_outside_marketing_and_sales(client_as, admin_user):
    person = UserFactory(department="other", full_name="Cee Eeo")
    executive = Group.objects.get(name="Executive")

    response = client_as(admin_user).post(
        reverse("admin:accounts_user_change", args=[person.pk]),
        {
            "email": person.email,
            "full_name": person.full_name,
            "title": "",
            "department": "other",
            "groups": [executive.pk],
            "is_active": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "09:00:00",
        },
    )

    assert response.status_code == 200
    assert "An executive votes on the definition" in response.content.decode()
    person.refresh_from_db()
    assert not person.groups.exists()


def test_the_admin_makes_an_executive_in_sales(client_as, admin_user):
    person = UserFactory(department="other", full_name="Cee Eeo")
    executive = Group.objects.get(name="Executive")

    response = client_as(admin_user).post(
        reverse("admin:accounts_user_change", args=[person.pk]),
        {
            "email": person.email,
            "full_name": person.full_name,
            "title": "",
            "department": "sales",
            "groups": [executive.pk],
            "is_active": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "09:00:00",
        },
    )

    assert response.status_code == 302
    assert person.groups.get() == executive


def test_the_admin_asks_for_the_department_of_a_new_person(client_as, admin_user):
    response = client_as(admin_user).post(
        reverse("admin:accounts_user_add"),
        {
            "email": "new@example.com",
            "full_name": "New Person",
            "password1": "a-long-pass-phrase-42",
            "password2": "a-long-pass-phrase-42",
        },
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert (
        "Choose the person&#x27;s department." in body or "Choose the person's department." in body
    )
    assert not User.objects.filter(email="new@example.com").exists()
