"""Pages kept drawn: a signed-in person's page, read again, comes from the shared cache
until anything it could show changes.

A page is kept under what it is drawn from: the person, their session's form token, the
address with its query, the htmx headers, the code that draws it, the minute (so that "in
3 hours" and "overdue" are never older than that) and the data stamp (`config.written`),
which every committed write to the apps' tables moves. A person therefore sees a kept page
only while nothing has been written since it was drawn, by anyone, on any server.

Not kept: requests other than GET, pages with messages waiting (drawing the page shows
and consumes them), a first visit without a form token, responses other than a plain 200
and any response that sets a cookie. With DEBUG on (a development server whose templates
change under it), or KEPT_PAGES off, nothing is kept.
"""

import hashlib
import time
from functools import cache, wraps
from pathlib import Path

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache as shared_cache
from django.http import HttpResponse

from config import written
from config.code_digest import code_digest

ROOT = Path(__file__).resolve().parent.parent
# Long enough for a person's rounds through the pages; the minute in the key already
# decides when a page is drawn again.
KEEP_SECONDS = 120


@cache
def _drawn_by() -> str:
    """The code that draws a page: every module of the apps, the templates, and the static
    files whose addresses a page holds (the collected manifest names every one, the
    packages' too, by its content's hash)."""
    apps = ("accounts", "config", "definitions", "feedback", "meetings", "numbers_app")
    paths = [path for app in apps for path in sorted((ROOT / app).rglob("*.py"))]
    for tree in ("templates", "static"):
        paths += sorted(path for path in (ROOT / tree).rglob("*") if path.is_file())
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    return code_digest([*paths, manifest] if manifest.is_file() else paths)


def _key(request, name: str) -> str | None:
    """The key of this request's page, or None when it is not to be kept."""
    token = request.META.get("CSRF_COOKIE")
    if settings.DEBUG or not settings.KEPT_PAGES or request.method != "GET" or not token:
        return None
    if len(get_messages(request)):
        return None
    htmx = sorted((k, v) for k, v in request.headers.items() if k.lower().startswith("hx-"))
    parts = (
        name,
        request.get_full_path(),
        request.user.pk,
        token,
        htmx,
        int(time.time() // 60),
        _drawn_by(),
        written.stamp(),
    )
    return "accord:page:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def kept_page(view):
    """Keep this view's page drawn (see above). The view must read nothing but the database,
    the request's address and the person: no session values, no other cache entries."""
    name = f"{view.__module__}.{view.__qualname__}"

    @wraps(view)
    def kept(request, *args, **kwargs):
        key = _key(request, name)
        found = shared_cache.get(key) if key else None
        if found is not None:
            content, headers = found
            response = HttpResponse(content)
            for header, value in headers:
                response.headers[header] = value
            return response
        response = view(request, *args, **kwargs)
        if (
            key
            and response.status_code == 200
            and not response.streaming
            and not response.cookies
            and getattr(response, "is_rendered", True)
        ):
            shared_cache.set(key, (response.content, list(response.headers.items())), KEEP_SECONDS)
        return response

    return kept
