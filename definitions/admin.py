from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from definitions.models import Definition


@admin.register(Definition)
class DefinitionAdmin(SimpleHistoryAdmin):
    list_display = ("name", "scope", "facilitator", "executive_sponsor")
    list_filter = ("scope",)
    search_fields = ("name",)
