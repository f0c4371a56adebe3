"""Accord's URLs: each app owns its own namespace."""

from django.contrib import admin
from django.urls import include, path

from accounts import views as account_views
from config.api import api

urlpatterns = [
    path("", account_views.home, name="home"),
    path("healthz", account_views.healthz, name="healthz"),
    path("accounts/", include("accounts.urls")),
    path("definitions/", include("definitions.urls")),
    path("meetings/", include("meetings.urls")),
    path("feedback/", include("feedback.urls")),
    path("numbers/", include("numbers_app.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

handler500 = "config.middleware.server_error"
