"""Accord's read-only-first JSON API, version 1, with its OpenAPI schema at /api/v1/openapi.json.

Token authentication (personal tokens, created on the profile page); a token carries its
owner's permissions. Errors are JSON: 400 with messages per field, 401, 403, 404, 409, 413, 429.
"""

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser
from ninja.security import HttpBearer
from ninja.throttling import SimpleRateThrottle

from accounts.services import api_token_authenticate
from accounts.throttling import RateLimit, client_address

TOKEN_GUESSES_LIMITED = "Too many requests with a wrong API token from this network; try later."

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def _nul_strip(data):
    """The JSON document without NUL characters in its strings: no database stores them
    (PostgreSQL refuses the whole statement), and no person meant them."""
    if isinstance(data, str):
        return data.replace("\x00", "") if "\x00" in data else data
    if isinstance(data, dict):
        return {_nul_strip(key): _nul_strip(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_nul_strip(value) for value in data]
    return data


class TextParser(Parser):
    """JSON bodies and query strings with NUL characters taken out before any validation,
    so that they are never a 500 on PostgreSQL."""

    def parse_body(self, request):
        return _nul_strip(super().parse_body(request))

    def parse_querydict(self, data, list_fields, request):
        return _nul_strip(super().parse_querydict(data, list_fields, request))


class TokenAuth(HttpBearer):
    openapi_description = "A personal API token from your Accord profile page."

    def authenticate(self, request, token):
        # Wrong tokens are counted per address, so nobody can try tokens at full speed.
        guesses = RateLimit("api-token-failures", settings.API_TOKEN_FAILURE_RATE_LIMIT)
        address = client_address(request)
        if guesses.exceeded(address):
            raise HttpError(429, TOKEN_GUESSES_LIMITED)
        found = api_token_authenticate(token, writes=request.method not in SAFE_METHODS)
        if found is None:
            guesses.hit(address)
            return None
        request.user = found.user
        return found


class PersonRateThrottle(SimpleRateThrottle):
    """API_RATE_LIMIT per person, whichever of their tokens they use, in the shared cache."""

    cache = caches["throttle"]
    scope = "person"

    def get_cache_key(self, request):
        token = getattr(request, "auth", None)
        if token is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": token.user_id}


api = NinjaAPI(
    title="Accord API",
    version="1",
    description="Read the lead definition, check leads against it, submit leads and feedback.",
    auth=TokenAuth(),
    throttle=[PersonRateThrottle(settings.API_RATE_LIMIT)],
    urls_namespace="api",
    parser=TextParser(),
    docs_url=None,  # the interactive docs load assets from a CDN; the schema is enough
)


def _error(request, status: int, detail: str, errors: dict | None = None):
    body = {"detail": detail}
    if errors:
        body["errors"] = errors
    return api.create_response(request, body, status=status)


@api.exception_handler(NinjaValidationError)
def request_invalid(request, exc):
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        location = [str(part) for part in error.get("loc", []) if part not in ("body", "payload")]
        errors.setdefault(".".join(location) or "__all__", []).append(error.get("msg", "Invalid"))
    return _error(request, 400, "The request is invalid.", errors)


@api.exception_handler(DjangoValidationError)
def rule_refused(request, exc):
    if hasattr(exc, "error_dict"):
        return _error(request, 400, "The request is invalid.", exc.message_dict)
    return _error(request, 400, " ".join(exc.messages))


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    return _error(request, 401, "A valid API token is required (Authorization: Bearer <token>).")


@api.exception_handler(PermissionDenied)
def forbidden(request, exc):
    return _error(request, 403, str(exc) or "Your role does not allow this.")


@api.exception_handler(Http404)
def not_found(request, exc):
    return _error(request, 404, "Not found.")


@api.exception_handler(RequestDataTooBig)
def too_big(request, exc):
    return _error(request, 413, "The request body is too large; send fewer leads at a time.")


@api.exception_handler(HttpError)
def http_error(request, exc):
    return _error(request, exc.status_code, str(exc))


@api.exception_handler(ObjectDoesNotExist)
def object_not_found(request, exc):
    return _error(request, 404, "Not found.")


api.add_router("/definitions", "definitions.api.router")
api.add_router("/definitions", "feedback.api.router")
