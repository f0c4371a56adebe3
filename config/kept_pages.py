"""Pages kept drawn: a signed-in person's page, read again, comes from the shared cache
until anything it could show changes.

A page is kept under what it is drawn from: the person, their session's form token, the
address with its query, the htmx headers, the code and settings that draw it and the
minute (so that "in 3 hours" and "overdue" are never older than that); with it is kept the
data stamp (`config.written`) read before it was drawn, which every committed write to the
apps' tables moves. A kept page is read only while its stamp is the stamp now (both are
read in one round trip), so a person sees one only while nothing has been written since it
was drawn, by anyone, on any server.

Not kept: requests other than GET, pages with messages waiting (drawing the page shows
and consumes them), a first visit without a form token, responses other than a plain 200
and any response that sets a cookie. With DEBUG on (a development server whose templates
change under it), or KEPT_PAGES off, nothing is kept.
"""

import hashlib
import logging
import time
from functools import cache, wraps
from pathlib import Path

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.messages import get_messages
from django.core.cache import cache as shared_cache
from django.http import HttpResponse

from config import written
from config.code_digest import code_digest

log = logging.getLogger("accord.cache")

ROOT = Path(__file__).resolve().parent.parent
# Settings a page is drawn with, which can differ between servers sharing one cache.
SETTINGS_DRAWN = ("TIME_ZONE", "LANGUAGE_CODE", "DEAL_CURRENCY", "SITE_URL", "STATIC_URL")
# Long enough for a person's rounds through the pages; the minute in the key already
# decides when a page is drawn again.
KEEP_SECONDS = 120


@cache
def _drawn_by() -> str:
    """The code that draws a page: every module of the apps, the packages' versions, the
    templates, and the static files whose addresses a page holds (the collected manifest
    names every one, the packages' too, by its content's hash)."""
    apps = ("accounts", "config", "definitions", "feedback", "meetings", "numbers_app")
    paths = [path for app in apps for path in sorted((ROOT / app).rglob("*.py"))]
    paths += [path for path in [ROOT / "uv.lock"] if path.is_file()]  # the packages' versions
    for tree in ("templates", "static"):
        paths += sorted(path for path in (ROOT / tree).rglob("*") if path.is_file())
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    return code_digest([*paths, manifest] if manifest.is_file() else paths)


def _keeps(request) -> bool:
    """Whether this request's page may be kept or read as kept (nothing of the person read)."""
    if settings.DEBUG or not settings.KEPT_PAGES or request.method != "GET":
        return False
    return bool(request.META.get("CSRF_COOKIE")) and not len(get_messages(request))


def _key(request, name: str, person: str) -> str:
    htmx = sorted((k, v) for k, v in request.headers.items() if k.lower().startswith("hx-"))
    parts = (
        name,
        request.get_full_path(),
        person,
        request.META["CSRF_COOKIE"],
        htmx,
        int(time.time() // 60),
        _drawn_by(),
        [getattr(settings, setting) for setting in SETTINGS_DRAWN],
    )
    return "accord:page:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def _cache(method: str, *args):
    """The shared cache's get or set; a cache that fails only means the page is drawn."""
    try:
        return getattr(shared_cache, method)(*args)
    except Exception:
        log.exception("Kept pages: the cache's %s failed; the page is drawn.", method)
        return None


def kept_page(view):
    """Keep this view's page drawn (see above). The view must read nothing but the database,
    the request's address and the person: no other session values, no other cache entries
    but those keyed by what they hold. It goes above `login_required`: the stamp is read before
    anything of the person, so that a page drawn from a row written after the stamp moved
    is kept under a stamp nobody reads any more, never under the new one."""
    name = f"{view.__module__}.{view.__qualname__}"

    @wraps(view)
    def kept(request, *args, **kwargs):
        person = request.session.get(SESSION_KEY) if _keeps(request) else None
        if person is None:
            return view(request, *args, **kwargs)
        key = _key(request, name, person)
        # The stamp and the page in one round trip, before the person's row is read.
        stamp, found = written.stamp_and(key)
        if not request.user.is_authenticated:
            return view(request, *args, **kwargs)  # to the sign-in page
        if found is not None and found[0] == stamp:
            _, content, headers = found
            response = HttpResponse(content)
            for header, value in headers:
                response.headers[header] = value
            return response
        response = view(request, *args, **kwargs)
        if (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and getattr(response, "is_rendered", True)
        ):
            kept_value = (stamp, response.content, list(response.headers.items()))
            _cache("set", key, kept_value, KEEP_SECONDS)
        return response

    return kept
