"""URLs of the numbers pages."""

from django.urls import path

from numbers_app import views

app_name = "numbers"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.definition_numbers, name="definition"),
    path("<int:pk>/export/<str:table>.csv", views.export_csv, name="export"),
    path("<int:pk>/backtest/", views.backtest_partial, name="backtest"),
]
