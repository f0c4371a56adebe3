"""Playwright drives Debian's Chromium against Django's live server."""

import pytest

from tests.accounts.factories import TEST_PASSWORD
from tests.find_chromium import chromium_path


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    path = chromium_path()
    if path is None:
        pytest.fail("No Chromium found: run `apt-get install -y chromium` or set CHROMIUM_PATH.")
    return {
        **browser_type_launch_args,
        "executable_path": path,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def sign_in(live_server, browser):
    """`sign_in(user)` opens a fresh browser session signed in as that person."""
    contexts = []

    def open_session(user, password: str = TEST_PASSWORD):
        context = browser.new_context(base_url=live_server.url)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.goto("/accounts/sign-in/")
        page.get_by_label("E-mail address").fill(user.email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        return page

    yield open_session
    for context in contexts:
        context.close()
