"""A published version's stages and criteria, read and drawn once for every page.

A version never changes once published (refused by the models, the querysets and, on
PostgreSQL, a trigger), so its content and the HTML of `definitions/_content.html` for it
are kept in the shared cache under the version: the definition's page, the version's page
and the embed read two queries less and draw nothing for them. The key holds a digest of
the template and of the code that draws it, so entries drawn by other code (before a
deploy) are never read, and the version's publication time, so a database rebuilt with new
ids never reads another's. With DEBUG on, nothing is kept. A draft's content changes with every
passed proposal and is drawn as before.
"""

from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.cache import cache as shared_cache
from django.template.loader import get_template, render_to_string
from django.utils.safestring import SafeString, mark_safe

from config.code_digest import code_digest
from definitions.models import Version
from definitions.selectors import version_content

CONTENT_TEMPLATE = "definitions/_content.html"
CACHE_SECONDS = 7 * 24 * 3600


@cache
def _drawn_by() -> str:
    """A digest of the template, the modules its filters call, the module that reads the
    content (`selectors.version_content`: drafts are built on it) and Django's version,
    once per process."""
    from definitions import content, document, models, rules, selectors
    from definitions.templatetags import definitions_tags

    sources = [Path(get_template(CONTENT_TEMPLATE).origin.name)]
    modules = (content, document, models, rules, selectors, definitions_tags)
    return code_digest([*sources, *(Path(module.__file__) for module in modules)])


def version_content_drawn(version: Version) -> tuple[dict, SafeString]:
    """A published version's content (as `version_content` reads it) and its HTML. With
    DEBUG on (a development server, which keeps the digest while templates are edited) it
    is drawn each time."""
    if settings.DEBUG:
        content = version_content(version)
        return content, mark_safe(render_to_string(CONTENT_TEMPLATE, {"content": content}))
    key = f"version-content:{_drawn_by()}:{version.pk}:{version.published_at.timestamp()}"
    found = shared_cache.get(key)
    if found is None:
        content = version_content(version)
        found = (content, render_to_string(CONTENT_TEMPLATE, {"content": content}))
        shared_cache.set(key, found, CACHE_SECONDS)
    content, html = found
    return content, mark_safe(html)


def version_content_kept(version: Version | None) -> dict:
    """A version's content as `version_content` reads it, from the same kept entry as its
    HTML (a draft is built on it, a diff compares against it): no query once it is kept."""
    if version is None or settings.DEBUG:
        return version_content(version)
    return version_content_drawn(version)[0]
