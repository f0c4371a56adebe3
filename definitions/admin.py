from django.contrib import admin
from django.utils.html import format_html_join
from simple_history.admin import SimpleHistoryAdmin

from config.admin import RangedDatesAdmin
from definitions.models import Definition, Version, VersionCriterion, VersionStage


@admin.register(Definition)
class DefinitionAdmin(RangedDatesAdmin, SimpleHistoryAdmin):
    list_display = ("name", "scope", "facilitator", "executive_sponsor")
    list_filter = ("scope",)
    search_fields = ("name",)


class ReadOnlyMixin:
    """Shown, never added, changed or deleted here (a published version never changes; the
    feedback app's rows are written by its services)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class VersionStageInline(ReadOnlyMixin, admin.TabularInline):
    model = VersionStage
    fields = ("position", "key", "level", "name", "meaning", "owner", "routing", "follow_up")
    readonly_fields = fields
    extra = 0


@admin.register(Version)
class VersionAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("definition", "number", "published_at", "published_by", "approved_by")
    list_filter = ("definition",)
    fields = (
        "definition",
        "number",
        "change_summary",
        "ideal_customer_profile",
        "submitted_by",
        "approved_by",
        "approved_at",
        "published_by",
        "published_at",
        "criteria",
    )
    readonly_fields = fields
    inlines = [VersionStageInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("definition", "published_by")

    @admin.display(description="Criteria")
    def criteria(self, obj):
        rows = (
            VersionCriterion.objects.filter(stage__version=obj)
            .select_related("stage")
            .order_by("stage__position", "position")
        )
        return format_html_join(
            "\n",
            "<p>{}: {} ({})</p>",
            ((c.stage.name, c.statement, c.get_evidence_display()) for c in rows),
        )
