from django.urls import path

from feedback.views import cycles, imports, leads, reasons, review

app_name = "feedback"

urlpatterns = [
    path("", cycles.index, name="index"),
    path("cycles/new/", cycles.cycle_new, name="cycle_new"),
    path("cycles/<int:pk>/", cycles.cycle_detail, name="cycle"),
    path("cycles/<int:pk>/recheck/", cycles.cycle_recheck, name="cycle_recheck"),
    path(
        "cycles/<int:pk>/recheck/progress/",
        cycles.cycle_recheck_progress,
        name="cycle_recheck_progress",
    ),
    path("cycles/<int:pk>/leads.csv", cycles.export_leads, name="export_leads"),
    path("cycles/<int:pk>/feedback.csv", cycles.export_feedback, name="export_feedback"),
    path("cycles/<int:pk>/review/", review.review, name="review"),
    path("cycles/<int:pk>/review/bulk/", review.review_bulk, name="review_bulk"),
    path("cycles/<int:pk>/review/<int:lead_pk>/", review.review_save, name="review_save"),
    path("cycles/<int:pk>/review/<int:lead_pk>/undo/", review.review_undo, name="review_undo"),
    path("cycles/<int:pk>/suggestions/", review.suggestion_add, name="suggestion_add"),
    path("leads/new/", leads.lead_new, name="lead_new"),
    path("leads/<int:pk>/", leads.lead_detail, name="lead"),
    path(
        "leads/<int:pk>/criteria/<int:criterion_pk>/",
        leads.criterion_mark,
        name="criterion_mark",
    ),
    path("leads/<int:pk>/outcome/", leads.outcome_save, name="outcome"),
    path("imports/new/", imports.import_new, name="import_new"),
    path("imports/<int:pk>/", imports.import_detail, name="import"),
    path("imports/<int:pk>/progress/", imports.import_progress, name="import_progress"),
    path("reasons/", reasons.reasons, name="reasons"),
    path("reasons/<int:pk>/retire/", reasons.reason_retire, name="reason_retire"),
]
