from django.urls import path

from definitions import views

app_name = "definitions"

urlpatterns = [
    path("", views.definition_list, name="list"),
    path("new/", views.definition_create, name="create"),
    path("<int:pk>/", views.definition_detail, name="detail"),
]
