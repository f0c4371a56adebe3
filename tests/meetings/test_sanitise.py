"""Hostile input in minutes, answers, comments, action items and summaries renders inert."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings import services
from meetings.markdown import markdown_render

pytestmark = pytest.mark.django_db

# Known XSS payloads: script tags, event attributes, javascript: links (plain, encoded, mixed
# case, with whitespace), hx-* attributes, SVG and MathML tricks, entity tricks, CSS.
PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<svg><a xlink:href='javascript:alert(1)'><text>x</text></a></svg>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "![img](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href="&#x6A;&#x61;&#x76;&#x61;script:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="javascript&colon;alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<div hx-on:click="alert(1)">x</div>',
    '<button hx-on::before-request="alert(1)">x</button>',
    '<div hx-get="/admin/" hx-trigger="load">x</div>',
    '<a href="https://ok.example" data-hx-post="/x">ok</a>',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>x</details>",
    "<input autofocus onfocus=alert(1)>",
    '<form action="javascript:alert(1)"><button>x</button></form>',
    '<p style="background:url(javascript:alert(1))">x</p>',
    "<style>@import 'https://evil.example/x.css';</style>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '"><script>alert(1)</script>',
    "<scr<script>ipt>alert(1)</script>",
    "<!--<script>alert(1)</script>-->",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    '[x](https://ok.example "t" onmouseover="alert(1)")',
    "<a href='https://ok.example' onclick='alert(1)'>ok</a>",
]

DANGEROUS_TAGS = {
    "script", "style", "iframe", "object", "embed", "svg", "math", "img", "form", "input",
    "button", "base", "meta", "link", "body", "details", "textarea", "select",
}  # fmt: skip
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href", "srcset"}
SAFE_SCHEMES = ("http:", "https:", "mailto:")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


class UserContentAudit(HTMLParser):
    """Collects every element and attribute found inside [data-user-content] regions, and
    every <script> on the page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []  # for each open element: does it start user content?
        self.problems: list[str] = []
        self.regions = 0

    @property
    def inside(self) -> bool:
        return any(self.stack)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and (not attributes.get("src", "").startswith("/static/")):
            self.problems.append(f"inline or foreign script: {attrs}")
        if self.inside:
            self._audit(tag, attrs)
        starts = "data-user-content" in attributes
        self.regions += starts
        if tag not in VOID:
            self.stack.append(starts)

    def handle_startendtag(self, tag, attrs):
        if self.inside:
            self._audit(tag, attrs)

    def handle_endtag(self, tag):
        if tag not in VOID and self.stack:
            self.stack.pop()

    def _audit(self, tag, attrs):
        if tag in DANGEROUS_TAGS:
            self.problems.append(f"<{tag}> in user content")
        for name, value in attrs:
            if name.startswith(("on", "hx-", "data-")) or name in {"style", "srcdoc"}:
                self.problems.append(f"attribute {name} on <{tag}> in user content")
            if name in URL_ATTRIBUTES and value is not None:
                compact = "".join(value.split()).lower()
                if ":" in compact.split("/")[0] and not compact.startswith(SAFE_SCHEMES):
                    self.problems.append(f"{name}={value!r} on <{tag}> in user content")


def audit(html: str) -> UserContentAudit:
    parser = UserContentAudit()
    parser.feed(html)
    parser.close()
    return parser


def test_the_audit_catches_what_it_should():
    """The checker itself: unsanitised markup inside a user-content region is reported."""
    html = (
        '<div data-user-content><img src=x onerror=alert(1)><a href="javascript:x">a</a>'
        '<p hx-on:click="x">p</p></div><script>alert(1)</script>'
    )
    assert len(audit(html).problems) == 5


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markdown_rendering_leaves_no_active_markup(payload):
    html = f"<div data-user-content>{markdown_render(payload)}</div>"
    assert audit(html).problems == []


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_minutes_answers_and_comments_render_inert(
    payload, client_as, meeting, facilitator, marketer, sales_rep
):
    services.minutes_save(meeting=meeting, by=facilitator, text=f"# Notes\n\n{payload}")
    for question in meeting.questions.all():
        services.answer_save(question=question, person=marketer, text=payload)
    services.action_item_add(
        meeting=meeting, by=facilitator, text=payload, owner=marketer, due=timezone.localdate()
    )
    services.summary_publish(meeting=meeting, by=facilitator, text=payload)
    services.confirmation_give(
        meeting=meeting, person=sales_rep, position="concern", comment=payload
    )
    client = client_as(facilitator)
    meeting_page = client.get(reverse("meetings:detail", args=[meeting.pk])).text
    answers_page = client.get(reverse("meetings:answers", args=[meeting.pk])).text

    page_audit = audit(meeting_page)
    # minutes, action item, summary, the concern's comment
    assert page_audit.regions >= 4
    assert page_audit.problems == []
    answers_audit = audit(answers_page)
    assert answers_audit.regions == meeting.questions.count()
    assert answers_audit.problems == []


@pytest.mark.parametrize("payload", PAYLOADS[:12])
def test_hostile_vote_comments_render_inert(payload, client_as, meeting, facilitator, marketer):
    answer = services.answer_save(question=meeting.questions.first(), person=marketer, text="x")
    proposal = services.proposal_from_answers(
        meeting=meeting,
        by=facilitator,
        answers=[answer],
        stage_key="mql",
        statement="Asked for a demo",
        origin_url="/",
    )
    services.agenda_item_add(meeting=meeting, by=facilitator, proposal=proposal)
    services.vote_from_meeting(
        meeting=meeting, proposal=proposal, voter=marketer, position="disagree", comment=payload
    )
    page = client_as(marketer).get(reverse("meetings:detail", args=[meeting.pk])).text
    result = audit(page)
    assert result.regions >= 1
    assert result.problems == []
