"""htmx plumbing used by every app: partial rendering, Vary, and htmx-safe redirects."""

from collections.abc import Iterable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers


def render_htmx(
    request: HttpRequest,
    template_name: str,
    context: dict | None = None,
    *,
    partials: Iterable[str] = (),
    status: int = 200,
) -> HttpResponse:
    """Render the whole page, or only the named partial that an htmx request targets.

    Partials are named after the DOM id they replace, so HX-Target picks one directly;
    a request targeting anything else gets the page.
    """
    target = request.htmx.target if request.htmx else None
    if target and target in partials:
        template_name = f"{template_name}#{target}"
    return render(request, template_name, context, status=status)


class HtmxResponseMiddleware:
    """Add `Vary: HX-Request` everywhere and turn redirects of htmx requests into HX-Location.

    An htmx request that is answered with a 302 would have the redirected page swapped into
    whatever element made the request; HX-Location makes htmx navigate instead.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        patch_vary_headers(response, ("HX-Request",))
        if request.htmx and response.status_code in (301, 302, 303, 307, 308):
            location = response["Location"]
            redirect = HttpResponse(status=204)
            redirect["HX-Location"] = location
            patch_vary_headers(redirect, ("HX-Request",))
            for cookie in response.cookies.values():
                redirect.cookies[cookie.key] = cookie
            return redirect
        return response
