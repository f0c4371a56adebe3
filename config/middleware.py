"""When the database goes away mid-request: a clear 503 page, and nothing half-written.

Every write that matters runs in a service's transaction, which the failing query rolls
back; this turns the error into a page that says so instead of a bare 500. The page is
rendered without a request context: no session, no menu, nothing that needs the database.
"""

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string

log = logging.getLogger("accord.database")

RETRY_AFTER_SECONDS = 30


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, (OperationalError, InterfaceError)):
            return unavailable(request, exception)
        return None


def unavailable(request, error) -> HttpResponse:
    log.error("Database unavailable during %s %s: %s", request.method, request.path, error)
    if request.path.startswith("/api/"):
        response = HttpResponse(
            b'{"detail": "The database is unavailable; try again shortly."}',
            content_type="application/json",
            status=503,
        )
    else:
        response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request):
    """handler500: a database that went away before any view ran (loading the session or
    the person) still gets the 503 page; anything else the usual 500 page."""
    import sys

    from django.views.defaults import server_error as default_server_error

    error = sys.exc_info()[1]
    if isinstance(error, (OperationalError, InterfaceError)):
        return unavailable(request, error)
    return default_server_error(request)
