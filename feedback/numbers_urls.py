"""URLs of the numbers pages (issue 7), kept apart from the review pages' URLs."""

from django.urls import path  # noqa: F401

app_name = "numbers"

urlpatterns: list = []
