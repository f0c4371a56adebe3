from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from feedback.models import Lead, LeadFeedback, Outcome, RejectionReason, ReviewCycle


@admin.register(ReviewCycle)
class ReviewCycleAdmin(SimpleHistoryAdmin):
    list_display = ("__str__", "version", "starts_at", "ends_at")
    list_filter = ("definition",)


@admin.register(Lead)
class LeadAdmin(SimpleHistoryAdmin):
    list_display = ("company", "crm_reference", "rep", "cycle", "stage_handed_over")
    list_filter = ("cycle", "source", "stage_handed_over")
    search_fields = ("company", "crm_reference", "email", "contact_name")
    raw_id_fields = ("rep", "cycle", "version", "definition")


@admin.register(RejectionReason)
class RejectionReasonAdmin(SimpleHistoryAdmin):
    list_display = ("label", "kind", "criterion_key", "active")
    list_filter = ("kind", "active")


@admin.register(LeadFeedback)
class LeadFeedbackAdmin(SimpleHistoryAdmin):
    list_display = ("lead", "rep", "decision", "agrees_with_stage", "updated_at")
    list_filter = ("decision", "cycle")
    raw_id_fields = ("lead", "rep", "cycle", "version")


@admin.register(Outcome)
class OutcomeAdmin(SimpleHistoryAdmin):
    list_display = ("lead", "result", "occurred_on", "amount")
    list_filter = ("result",)
    raw_id_fields = ("lead", "recorded_by")
