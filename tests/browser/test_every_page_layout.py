"""Every page of the URLconf, as each role that may open it, at 390 px and at 1280 px:
no sideways scroll, and axe-core finds no serious or critical accessibility violation.

The pages come from the URLconf (tests/url_catalogue.py, with real ids into the demo
company) and who may open them from the URL-role table (tests/hardening/url_roles_table.py):
a page added later is visited without touching this file. Only what is not an HTML page
is left out, each with its reason.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.test import Client
from playwright.sync_api import Error as PlaywrightError

from tests.hardening.url_roles_table import EXPECTED
from tests.url_catalogue import ROLES, catalogue, world_build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Namespaces and pages that are not HTML pages a person reads in Accord.
EXCLUDED_NAMESPACES = {
    "api": "the JSON API, read by programs (its schema is tested by schemathesis)",
    "admin": "Django's own admin, with Django's stylesheet, for the site administrator",
}
EXCLUDED = {
    "healthz": "a JSON health check for the load balancer",
    "feedback:export_leads": "a CSV download",
    "feedback:export_feedback": "a CSV download",
    "numbers:export": "a CSV download",
    "meetings:calendar": "an iCalendar download",
    "definitions:latest_md": "the Markdown text of a version",
    "definitions:version_md": "the Markdown text of a version",
    "definitions:latest_json": "the JSON of a version",
    "definitions:version_json": "the JSON of a version",
    "definitions:feed": "an Atom feed",
    "feedback:import_progress": "a fragment that the import page polls, not a page",
    "feedback:cycle_recheck_progress": "a fragment that the cycle page polls, not a page",
    "numbers:backtest": "a fragment that the approval page loads, not a page",
}
SERIOUS = {"serious", "critical"}
VISITORS = [role for role in ROLES if role != "deactivated"]  # the deactivated sign in nowhere

_axe = Axe()

# What kinds of element a page holds (tag, classes, role, type, ARIA attributes), as one
# string: two roles who see the same kinds of element on a page get the same axe verdict,
# so axe runs once per distinct page; the sideways-scroll check runs on every visit.
SHAPE = """() => {
  const kinds = new Set();
  for (const e of document.body.querySelectorAll("*")) {
    const aria = [...e.attributes].filter(a => a.name.startsWith("aria-") || a.name === "role"
      || a.name === "type" || a.name === "tabindex").map(a => a.name + "=" + a.value.length);
    kinds.add(e.tagName + "." + e.className + "[" + aria.sort().join(",") + "]");
  }
  return [...kinds].sort().join("|");
}"""

# A table region is a tab stop exactly when its table is wider than it (accord.js).
WRONG_STOPS = """() => [...document.querySelectorAll(".table-scroll[role=region]")]
  .filter(r => (r.scrollWidth > r.clientWidth + 1) !== (r.tabIndex === 0)).length"""


def _settles(page, condition: str) -> bool:
    """Whether the page's script brings `condition` about within a second (it re-checks the
    table regions after late layout, which a check right after loading can beat)."""
    try:
        page.wait_for_function(condition, timeout=1000)
    except PlaywrightError:
        return False
    return True


def pages_for(role: str, entries) -> list:
    """The HTML pages the table says `role` opens with a 200, in URLconf order."""
    column = list(ROLES).index(role)
    found = []
    for entry in entries:
        namespace = entry.key.split(":", 1)[0]
        if namespace in EXCLUDED_NAMESPACES or entry.key in EXCLUDED:
            continue
        assert entry.key in EXPECTED, f"{entry.key} has no row in url_roles_table.py"
        if EXPECTED[entry.key][0].split()[column] == "200":
            found.append(entry)
    return found


def signed_in_context(browser, live_server, person, width: int):
    """A browser context at `width` px, signed in as `person` (None: signed out)."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": 900}
    )
    context.set_default_timeout(20_000)
    if person is not None:
        client = Client()
        client.force_login(person)
        cookie = client.cookies["sessionid"]
        context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])
    return context


def axe_serious(page) -> list[str]:
    """axe-core's serious and critical violations on the page, one line each."""
    results = _axe.run(page, options={"resultTypes": ["violations"]})
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] in SERIOUS:
            targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"][:3])
            found.append(f"{violation['id']} ({violation['impact']}): {targets}")
    return found


@pytest.mark.parametrize("width", [390, 1280])
def test_no_page_scrolls_sideways_and_axe_finds_nothing_serious(
    width, live_server, browser, settings
):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    world = world_build()
    entries = catalogue(world)
    keys = {entry.key for entry in entries}
    assert set(EXCLUDED) <= keys, f"excluded pages no longer in the URLconf: {set(EXCLUDED) - keys}"
    visited = {entry.key for role in VISITORS for entry in pages_for(role, entries)}
    assert {"home", "accounts:login", "definitions:proposal", "numbers:definition"} <= visited
    problems, csp, shapes = [], [], set()
    for role in VISITORS:
        context = signed_in_context(browser, live_server, world["people"][role], width)
        page = context.new_page()
        page.on(
            "console",
            lambda message: (
                csp.append(message.text) if "Content Security Policy" in message.text else None
            ),
        )
        for entry in pages_for(role, entries):
            where = f"{entry.key} ({entry.url}) as {role} at {width} px"
            try:
                response = page.goto(entry.url)
            except PlaywrightError as error:  # a download is not a page
                problems.append(f"{where}: {error.message}; add it to EXCLUDED with a reason")
                continue
            if response is None or response.status != 200:
                problems.append(f"{where}: status {response and response.status}")
                continue
            kind = response.headers.get("content-type", "")
            if not kind.startswith("text/html"):
                problems.append(f"{where}: {kind} is not HTML; add it to EXCLUDED with a reason")
                continue
            scroll = page.evaluate("document.documentElement.scrollWidth")
            if scroll > width:
                problems.append(f"{where}: the page is {scroll} px wide")
            if not _settles(page, f"() => ({WRONG_STOPS})() === 0"):
                problems.append(
                    f"{where}: a table region is a tab stop without scrolling, or not one"
                )
            shape = entry.key + page.evaluate(SHAPE)
            if shape not in shapes:
                shapes.add(shape)
                problems.extend(f"{where}: {found}" for found in axe_serious(page))
        context.close()
    assert not csp, csp
    assert not problems, "\n".join(problems)
