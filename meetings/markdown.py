"""Markdown for minutes, rendered through an allow-list so that hostile input stays inert."""

import re

import markdown as markdown_lib
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
# No event handlers, no style, no hx-* or data-*: only what a link needs.
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"scope"}, "td": set()}
ALLOWED_SCHEMES = {"http", "https", "mailto"}
# nh3 leaves headings without attributes, so the tag is exactly <hN> or </hN>.
HEADING = re.compile(r"<(/?)h([1-6])>")


def markdown_render(text: str) -> SafeString:
    """Minutes as HTML: Markdown first, then nh3 keeps only the allow-listed markup.

    The sanitiser runs last, on the final HTML, so neither raw HTML in the source nor
    anything Markdown itself generates can get past it.
    """
    html = markdown_lib.markdown(text or "", extensions=["tables", "sane_lists"])
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
        clean_content_tags={"script", "style"},
    )
    # Minutes sit under the page's h1 and a section's h2: their headings start at h3.
    clean = HEADING.sub(lambda m: f"<{m[1]}h{min(int(m[2]) + 2, 6)}>", clean)
    # Safe: nh3 has kept only the allow-listed tags, attributes and link schemes.
    return mark_safe(clean)
