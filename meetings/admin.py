from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from config.admin import RangedDatesAdmin
from meetings.models import ActionItem, Answer, Attendance, Meeting


class AttendanceInline(RangedDatesAdmin, admin.TabularInline):
    model = Attendance
    extra = 0
    raw_id_fields = ("person",)


@admin.register(Meeting)
class MeetingAdmin(RangedDatesAdmin, SimpleHistoryAdmin):
    list_display = ("title", "kind", "starts_at", "status", "facilitator", "definition")
    list_filter = ("kind", "status")
    search_fields = ("title",)
    raw_id_fields = ("facilitator", "sponsor", "follows")
    inlines = [AttendanceInline]


@admin.register(Answer)
class AnswerAdmin(RangedDatesAdmin, SimpleHistoryAdmin):
    list_display = ("question", "person", "answered_at")
    search_fields = ("text", "person__full_name")
    raw_id_fields = ("question", "person")
    filter_horizontal = ("proposals",)


@admin.register(ActionItem)
class ActionItemAdmin(RangedDatesAdmin, SimpleHistoryAdmin):
    list_display = ("text", "owner", "due", "done_at", "meeting")
    list_filter = ("done_at",)
    raw_id_fields = ("owner", "meeting")
