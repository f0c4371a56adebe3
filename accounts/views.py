"""The home page ("What needs me"), the profile page and the health check."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import mailing, selectors, services
from accounts.forms import PreferencesForm, TokenForm
from accounts.models import ApiToken, Mailing
from accounts.throttling import RateLimit, client_address
from config.kept_pages import kept_page

RESET_LIMITED = (
    "Too many password-reset requests from this network or for this e-mail address. "
    "Try again in an hour, or ask an admin to reset your password."
)


@require_GET
@kept_page
@login_required
def home(request):
    context = {
        "sections": selectors.home_sections(request.user),
        "roles": selectors.role_summary(request.user),
    }
    return render(request, "accounts/home.html", context)


@require_http_methods(["GET", "POST"])
@login_required
@never_cache
def profile(request):
    """Preferences and personal API tokens. A new token's secret is in the response to the
    POST that created it and nowhere else: not stored, not in the session, never shown again."""
    preferences = PreferencesForm(initial={"announcements": request.user.announcements})
    token_form = TokenForm()
    new_token = None
    if request.method == "POST" and request.POST.get("form") == "preferences":
        preferences = PreferencesForm(request.POST)
        if preferences.is_valid():
            services.profile_preferences_update(user=request.user, **preferences.cleaned_data)
            messages.success(request, "Your preferences are saved.")
            return redirect("accounts:profile")
    elif request.method == "POST" and request.POST.get("form") == "read_keys":
        services.read_keys_replace(user=request.user)
        messages.success(
            request,
            "Your earlier feed and embed links no longer work. "
            "Copy the new ones from a version's page.",
        )
        return redirect("accounts:profile")
    elif request.method == "POST" and request.POST.get("form") == "token":
        token_form = TokenForm(request.POST)
        if token_form.is_valid():
            try:
                _, raw = services.api_token_create(
                    user=request.user, name=token_form.cleaned_data["name"]
                )
            except ValidationError as error:
                token_form.add_error("name", error.messages)
            else:
                new_token, token_form = raw, TokenForm()
    context = {
        "preferences": preferences,
        "token_form": token_form,
        "new_token": new_token,
        "tokens": services.tokens_with_last_use(request.user.api_tokens.all()),
    }
    return render(request, "accounts/profile.html", context)


@require_POST
@login_required
def token_revoke(request, pk: int):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    services.api_token_revoke(token=token, by=request.user)
    messages.success(request, f"The token “{token.name}” is revoked: it no longer works.")
    return redirect("accounts:profile")


@require_GET
@never_cache
def healthz(request):
    """For the load balancer: answers without touching the session or the database."""
    return HttpResponse("ok", content_type="text/plain")


@require_POST
@login_required
def mailing_retry(request, pk: int):
    """Send again mail that could not be sent (from the home page's item)."""
    found = get_object_or_404(Mailing, pk=pk, notify=request.user)
    try:
        mailing.mailing_retry(mailing=found, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"“{found.subject}” is queued to be sent again.")
    return redirect("home")


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset page, limited per network address and per typed e-mail address."""

    def form_valid(self, form):
        limit = RateLimit("password-reset", settings.PASSWORD_RESET_RATE_LIMIT)
        email = form.cleaned_data["email"].strip().lower()
        # Both counters move on every request, so neither tells whether the account exists.
        by_address = limit.hit(f"address:{client_address(self.request)}")
        by_email = limit.hit(f"email:{email}")
        if not (by_address and by_email):
            form.add_error(None, RESET_LIMITED)
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().form_valid(form)
