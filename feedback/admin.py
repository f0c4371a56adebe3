from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from config.admin import RangedDatesAdmin
from definitions.admin import ReadOnlyMixin
from feedback.models import Lead, LeadFeedback, Outcome, RejectionReason, ReviewCycle


class WrittenByServicesAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    """Leads, feedback and outcomes are written by the feedback services, which also re-run
    the check and rewrite the figures the numbers read."""


@admin.register(ReviewCycle)
class ReviewCycleAdmin(RangedDatesAdmin, SimpleHistoryAdmin):
    list_display = ("__str__", "version", "starts_at", "ends_at")
    list_filter = ("definition",)


@admin.register(Lead)
class LeadAdmin(WrittenByServicesAdmin):
    list_display = ("company", "crm_reference", "rep", "cycle", "stage_handed_over")
    list_filter = ("cycle", "source", "stage_handed_over")
    search_fields = ("company", "crm_reference", "email", "contact_name")
    raw_id_fields = ("rep", "cycle", "version", "definition")


@admin.register(RejectionReason)
class RejectionReasonAdmin(SimpleHistoryAdmin):
    list_display = ("label", "kind", "criterion_key", "active")
    list_filter = ("kind", "active")

    def has_delete_permission(self, request, obj=None):
        # Feedback cites reasons: a reason is retired (not active), never deleted.
        return False


@admin.register(LeadFeedback)
class LeadFeedbackAdmin(WrittenByServicesAdmin):
    list_display = ("lead", "rep", "decision", "agrees_with_stage", "updated_at")
    list_filter = ("decision", "cycle")
    raw_id_fields = ("lead", "rep", "cycle", "version")


@admin.register(Outcome)
class OutcomeAdmin(WrittenByServicesAdmin):
    list_display = ("lead", "result", "occurred_on", "amount")
    list_filter = ("result",)
    raw_id_fields = ("lead", "recorded_by")
