"""The home page ("What needs me"), the profile page and the health check."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts import selectors


@require_GET
@login_required
def home(request):
    context = {
        "sections": selectors.home_sections(request.user),
        "roles": selectors.role_summary(request.user),
    }
    return render(request, "accounts/home.html", context)


@require_GET
@login_required
def profile(request):
    return render(request, "accounts/profile.html")


@require_GET
@never_cache
def healthz(request):
    """For the load balancer: answers without touching the session or the database."""
    return HttpResponse("ok", content_type="text/plain")
