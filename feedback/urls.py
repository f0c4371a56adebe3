from django.urls import path

from feedback import views

app_name = "feedback"

urlpatterns = [
    path("", views.index, name="index"),
    path("cycles/new/", views.cycle_new, name="cycle_new"),
    path("cycles/<int:pk>/", views.cycle_detail, name="cycle"),
    path("cycles/<int:pk>/recheck/", views.cycle_recheck, name="cycle_recheck"),
    path("cycles/<int:pk>/leads.csv", views.export_leads, name="export_leads"),
    path("cycles/<int:pk>/feedback.csv", views.export_feedback, name="export_feedback"),
    path("cycles/<int:pk>/review/", views.review, name="review"),
    path("cycles/<int:pk>/review/bulk/", views.review_bulk, name="review_bulk"),
    path("cycles/<int:pk>/review/<int:lead_pk>/", views.review_save, name="review_save"),
    path("cycles/<int:pk>/suggestions/", views.suggestion_add, name="suggestion_add"),
    path("leads/new/", views.lead_new, name="lead_new"),
    path("leads/<int:pk>/", views.lead_detail, name="lead"),
    path(
        "leads/<int:pk>/criteria/<int:criterion_pk>/",
        views.criterion_mark,
        name="criterion_mark",
    ),
    path("leads/<int:pk>/outcome/", views.outcome_save, name="outcome"),
    path("imports/new/", views.import_new, name="import_new"),
    path("imports/<int:pk>/", views.import_detail, name="import"),
    path("imports/<int:pk>/progress/", views.import_progress, name="import_progress"),
    path("reasons/", views.reasons, name="reasons"),
]
