"""API errors that routers raise for statuses Django has no exception for."""

from ninja import Schema
from ninja.errors import HttpError


class Conflict(HttpError):
    """409: the request is valid but the state of things forbids it now."""

    def __init__(self, message: str):
        super().__init__(409, message)


class PayloadTooLarge(HttpError):
    """413: more rows or bytes than one request may carry."""

    def __init__(self, message: str):
        super().__init__(413, message)


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] | None = None


def with_errors(ok: dict, *codes: int) -> dict:
    """A response map: the success schemas plus the errors every authenticated call can give
    (400 invalid, 401 no token, 429 too many requests) and the extra `codes` named."""
    return {**ok, **{code: ErrorOut for code in (400, 401, 429, *codes)}}
