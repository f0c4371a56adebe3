"""Journey: each role signs in and lands on "What needs me"; a wrong password is explained."""

import pytest
from playwright.sync_api import expect

from tests.accounts.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("department", "roles", "shown_role", "sees_facilitator_link", "sees_admin_link"),
    [
        ("marketing", [], "Member", False, False),
        ("sales", [], "Member", False, False),
        ("other", ["Facilitator"], "Facilitator", True, False),
        ("sales", ["Executive"], "Executive", False, False),
        ("other", ["Admin"], "Admin", False, True),
    ],
)
def test_each_role_signs_in_and_sees_its_home_page(
    sign_in, department, roles, shown_role, sees_facilitator_link, sees_admin_link
):
    user = UserFactory(
        department=department, roles=roles, full_name="Robin Example", is_staff="Admin" in roles
    )
    page = sign_in(user)
    expect(page.get_by_role("heading", name="Hello, Robin")).to_be_visible()
    expect(page.locator("[data-role]").first).to_have_text(shown_role)
    expect(page.get_by_role("heading", name="What needs me")).to_be_visible()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Start a definition")).to_have_count(
        1 if sees_facilitator_link else 0
    )
    expect(nav.get_by_role("link", name="Admin")).to_have_count(1 if sees_admin_link else 0)


def test_a_wrong_password_shows_a_clear_error_and_no_stack_trace(sign_in):
    user = UserFactory()
    page = sign_in(user, password="not-my-password")
    expect(page.get_by_role("alert")).to_contain_text("do not match an account")
    expect(page.locator("body")).not_to_contain_text("Traceback")
    expect(page).to_have_url("/accounts/sign-in/")


def test_a_member_opening_a_facilitator_page_gets_the_refusal_page(sign_in, live_server):
    page = sign_in(UserFactory(department="sales"))
    page.goto("/definitions/new/")
    expect(page.get_by_role("heading", name="You can’t do that here")).to_be_visible()
    expect(page.get_by_text("you need the Facilitator role")).to_be_visible()


def test_the_skip_link_moves_focus_to_the_main_content(sign_in):
    page = sign_in(UserFactory())
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()
