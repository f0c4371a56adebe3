"""46 script payloads in every text a person can type, and every page, export, feed entry,
embed and e-mail that shows them opened in Chromium: nothing runs.

Every text column of every row of the demo company is overwritten with a payload, and a new
version is published whose stage names, criteria and change summary are payloads too. Then
every page of the URL catalogue is opened as the roles that see the most (in the app, with
its Content-Security-Policy), and the outputs others render (the feed's entries, the e-mail,
the Markdown export made HTML) are loaded into a blank page with no CSP at all.
An execution is any alert/confirm/prompt dialog, or a script blocked by the CSP.
"""

import copy
import xml.etree.ElementTree as ET

import markdown
import pytest
from django.apps import apps
from django.core import mail
from django.db import IntegrityError, models, transaction
from django.test import Client
from django.utils import timezone

from definitions.models import Definition, Submission
from tests.definitions.factories import version_published
from tests.url_catalogue import catalogue, world_build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    "<svg onload=alert(3)>",
    "<svg><script>alert(4)</script></svg>",
    '"><script>alert(5)</script>',
    "'><img src=x onerror=alert(6)>",
    "</textarea><script>alert(7)</script>",
    "</title><script>alert(8)</script>",
    "</style><script>alert(9)</script>",
    "<body onload=alert(10)>",
    "<iframe srcdoc='<script>parent.alert(11)</script>'></iframe>",
    "<iframe src=javascript:alert(12)></iframe>",
    "<details open ontoggle=alert(13)>",
    "<input autofocus onfocus=alert(14)>",
    "<video><source onerror=alert(15)></video>",
    "<audio src=x onerror=alert(16)>",
    "<object data=javascript:alert(17)></object>",
    "<embed src=javascript:alert(18)>",
    "<math><mtext></p><img src=x onerror=alert(19)></mtext></math>",
    '<noscript><p title="</noscript><img src=x onerror=alert(20)>">',
    "<a href=javascript:alert(21) id=x21>x</a>",
    "[link](javascript:alert(22))",
    '![img](x" onerror="alert(23))',
    "<div hx-get=/ hx-trigger=load hx-on::after-request=alert(24)>",
    '<div hx-on:click="alert(25)" hx-trigger="load">',
    "<div data-hx-on::load=alert(26)>",
    "{{7*7}}<script>alert(27)</script>",
    "${alert(28)}",
    "'-alert(29)-'",
    '";alert(30);//',
    "\\u003cscript\\u003ealert(31)\\u003c/script\\u003e",
    "&lt;script&gt;alert(32)&lt;/script&gt;",
    "<scr<script>ipt>alert(33)</scr</script>ipt>",
    "<ScRiPt>alert(34)</sCrIpT>",
    "<img src=x:alert(35) onerror=eval(src)>",
    "<svg><animate onbegin=alert(36) attributeName=x dur=1s>",
    "<marquee onstart=alert(37)>x</marquee>",
    "<form><button formaction=javascript:alert(38)>x</button></form>",
    "<isindex action=javascript:alert(39) type=image>",
    "<base href=javascript:alert(40)//>",
    "<meta http-equiv=refresh content='0;url=javascript:alert(41)'>",
    "<link rel=import href=data:text/html,<script>alert(42)</script>>",
    "<style>@import 'javascript:alert(43)';</style>",
    '<img src="x"\nonerror="alert(44)">',
    "<![CDATA[<script>alert(45)</script>]]>",
    "<!--<img src=x onerror=alert(46)>-->",
]

# Columns that are not typed text: identifiers, keys and values with a fixed format.
NOT_TYPED = {"password", "email", "digest", "prefix", "crm_reference", "key", "token"}


def _typed_text_fields(model):
    for field in model._meta.concrete_fields:
        if not isinstance(field, (models.CharField, models.TextField)):
            continue
        if field.choices or isinstance(field, (models.EmailField, models.URLField)):
            continue
        if field.primary_key or field.name in NOT_TYPED or field.name.endswith(("_key", "key")):
            continue
        if field.name.startswith("history_"):
            continue
        yield field


def payloads_everywhere() -> int:
    """Overwrite every typed-text column of every row with a payload; returns how many."""
    n = 0
    for model in apps.get_models():
        label = model._meta.label_lower
        if not label.startswith(("accounts.", "definitions.", "meetings.", "feedback.")):
            continue
        if model._meta.model_name.startswith("version") or model.__name__.startswith("Historical"):
            continue  # published versions never change; a new one carries payloads below
        for field in _typed_text_fields(model):
            payload = PAYLOADS[n % len(PAYLOADS)]
            if field.max_length:
                payload = payload[: field.max_length]
            try:
                with transaction.atomic():
                    model._default_manager.update(**{field.name: payload})
            except IntegrityError:  # a unique column: one payload per row, numbered first
                for i, pk in enumerate(model._default_manager.values_list("pk", flat=True)):
                    value = f"{i} {payload}"[: field.max_length or None]  # short columns too
                    model._default_manager.filter(pk=pk).update(**{field.name: value})
            n += 1
    return n


def _ladder_with_payloads(ladder):
    ladder = copy.deepcopy(ladder)
    n = 0
    for stage in ladder:
        stage["name"] = PAYLOADS[n % len(PAYLOADS)][:80]
        n += 1
        for criterion in stage.get("criteria", []):
            criterion["statement"] = PAYLOADS[n % len(PAYLOADS)]
            criterion["guidance"] = PAYLOADS[(n + 1) % len(PAYLOADS)]
            n += 2
    return ladder


def _session_cookie(live_server, person) -> dict:
    client = Client()
    client.force_login(person)
    cookie = client.cookies["sessionid"]
    return {"name": "sessionid", "value": cookie.value, "url": live_server.url}


class Watcher:
    """Counts dialogs and CSP-blocked scripts on a page."""

    def __init__(self, page):
        self.executions: list[str] = []
        page.on("dialog", self._dialog)
        page.add_init_script(
            "document.addEventListener('securitypolicyviolation', e => "
            "console.log('CSP-BLOCKED ' + e.violatedDirective + ' ' + e.blockedURI));"
        )
        page.on("console", self._console)
        self.where = ""

    def _dialog(self, dialog):
        self.executions.append(f"{self.where}: dialog {dialog.message}")
        dialog.dismiss()

    def _console(self, message):
        if message.text.startswith("CSP-BLOCKED") and "script" in message.text:
            self.executions.append(f"{self.where}: {message.text}")


def _render_without_csp(page, watcher, where: str, html: str):
    watcher.where = where
    page.set_content(f"<!doctype html><html><body>{html}</body></html>")
    page.wait_for_timeout(50)


def test_no_payload_runs_on_any_page_export_feed_embed_or_email(live_server, browser, settings):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    world = world_build()
    definition: Definition = world["definition"]
    from definitions import selectors

    latest = selectors.version_content(definition.versions.order_by("-number").first())
    # The demo's draft in review waits while a version full of payloads is published.
    in_review = Submission.objects.filter(definition=definition, status="submitted")
    waiting = list(in_review.values_list("pk", flat=True))
    in_review.update(
        status="sent_back",
        review_comment="Waits for the payload version.",
        reviewed_by=definition.executive_sponsor,
        reviewed_at=timezone.now(),
    )
    version = version_published(
        definition,
        {"stages": _ladder_with_payloads(latest["stages"])},
        change_summary=" ".join(PAYLOADS[:6]),
    )
    Submission.objects.filter(pk__in=waiting).update(
        status="submitted", review_comment="", reviewed_by=None, reviewed_at=None
    )
    fields = payloads_everywhere()
    assert fields >= 40 and len(PAYLOADS) >= 40

    from definitions.publication import version_announce

    mail.outbox.clear()
    assert version_announce(version.pk) > 0
    entries = [e for e in catalogue(world) if not e.api and "<" not in e.url]

    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    watcher = Watcher(page)
    opened = 0
    for role in ("facilitator", "executive", "sales", "admin"):
        context.clear_cookies()
        context.add_cookies([_session_cookie(live_server, world["people"][role])])
        for entry in entries:
            if entry.key.startswith("admin:") != (role == "admin"):
                continue
            if entry.key in ("accounts:logout", "admin:logout"):
                continue
            watcher.where = f"{role} {entry.url}"
            response = page.request.get(live_server.url + entry.url, max_redirects=0)
            if response.status != 200 or "text/html" not in response.headers.get(
                "content-type", ""
            ):
                continue
            page.goto(entry.url, wait_until="load")
            page.wait_for_timeout(30)
            opened += 1
    assert opened >= 80, opened

    # What others render: feed entries, the announcement e-mail, the Markdown export.
    context.clear_cookies()
    context.add_cookies([_session_cookie(live_server, world["people"]["facilitator"])])
    feed = page.request.get(f"{live_server.url}/definitions/{definition.pk}/feed.atom").text()
    atom = "{http://www.w3.org/2005/Atom}"
    root = ET.fromstring(feed)
    for n, entry in enumerate(root.iter(f"{atom}entry")):
        for tag in ("title", "summary"):
            element = entry.find(f"{atom}{tag}")
            if element is None:
                continue
            text = element.text or ""
            # As a feed reader does: HTML content as HTML, text content as text.
            html = text if element.get("type") == "html" else _escape(text)
            _render_without_csp(page, watcher, f"feed entry {n} {tag}", html)
    for n, message in enumerate(mail.outbox[:3]):
        for body, kind in message.alternatives:
            if kind == "text/html":
                _render_without_csp(page, watcher, f"e-mail {n}", body)
        _render_without_csp(
            page, watcher, f"e-mail {n} text", f"<pre>{_escape(message.body)}</pre>"
        )
    md = page.request.get(
        f"{live_server.url}/definitions/{definition.pk}/versions/latest.md"
    ).text()
    _render_without_csp(page, watcher, "markdown export", markdown.markdown(md))
    context.close()
    assert watcher.executions == []


def _escape(text: str) -> str:
    from html import escape

    return escape(text)
