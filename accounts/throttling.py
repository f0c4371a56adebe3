"""Limits on guessing: sign-in lockouts (django-axes), password-reset and API-token rates.

Every counter lives in the database (axes' attempts, the "throttle" cache), so all app
servers share it. Nothing here says whether an account exists: attempts are counted for
any e-mail address typed, and a lockout reads the same for a real and an unknown one.
"""

import time

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.core.cache import caches
from django.db.models import Sum
from django.shortcuts import render

LOCKED_MESSAGE = (
    "Too many failed sign-ins for this e-mail address or from this network. "
    "Sign-in is paused for {minutes} minutes; an admin can lift the pause sooner."
)


def client_address(request) -> str | None:
    """The client's address: the connection's, or the one the trusted load balancer saw."""
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        # Each trusted proxy appends the address it received the request from.
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR")


def sign_in_name(request, credentials) -> str | None:
    """The typed e-mail address, normalised, so "Sam@X" and " sam@x " count as one account."""
    source = credentials if credentials else getattr(request, "POST", {})
    name = source.get("username") if source else None
    return name.strip().lower()[:255] if isinstance(name, str) else name


class SignInAttemptHandler(AxesDatabaseHandler):
    """Axes' database handler with two limits: one per account, a looser one per address.

    Axes compares a single failure count with one limit; an address's count is scaled so
    that it reaches that limit after SIGN_IN_ADDRESS_FAILURE_LIMIT failures.
    """

    def get_failures(self, request, credentials=None) -> int:
        counts = [
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        ]
        by_account, by_address = [*counts, 0, 0][:2]
        limit, address_limit = (
            settings.SIGN_IN_FAILURE_LIMIT,
            settings.SIGN_IN_ADDRESS_FAILURE_LIMIT,
        )
        scaled = by_address * limit // address_limit
        return max(by_account, scaled)


def sign_in_locked(request, original_response=None, credentials=None):
    """The sign-in page again, with a message that names no account, answered as 429."""
    from accounts.forms import EmailAuthenticationForm

    form = EmailAuthenticationForm(request)
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    form.locked_message = LOCKED_MESSAGE.format(minutes=minutes)
    context = {"form": form, "next": request.POST.get("next", ""), "locked": True}
    return render(request, "registration/login.html", context, status=429)


class RateLimit:
    """A fixed-window counter in the shared throttle cache: `hit(key)` is False once over."""

    def __init__(self, scope: str, rate: str):
        count, period = rate.split("/", 1)
        self.scope = scope
        self.limit = int(count)
        self.seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}[period.strip()[-1]]

    def _key(self, ident: str) -> str:
        window = int(time.time() // self.seconds)
        return f"{self.scope}:{ident}:{window}"

    def hit(self, ident: str) -> bool:
        cache = caches["throttle"]
        key = self._key(ident)
        if cache.add(key, 1, self.seconds):
            return self.limit >= 1
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, self.seconds)
            count = 1
        return count <= self.limit

    def exceeded(self, ident: str) -> bool:
        count = caches["throttle"].get(self._key(ident), 0)
        return count >= self.limit
