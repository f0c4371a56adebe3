"""Admin pages for people: filter by department and role."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from simple_history.admin import SimpleHistoryAdmin

from accounts.models import User


class PersonCreationForm(UserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name", "title", "department")


class PersonChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User


@admin.register(User)
class UserAdmin(SimpleHistoryAdmin, BaseUserAdmin):
    add_form = PersonCreationForm
    form = PersonChangeForm
    list_display = ("full_name", "email", "title", "department", "roles", "is_active")
    list_filter = ("department", "groups", "is_active", "is_staff")
    search_fields = ("full_name", "email", "title")
    ordering = ("full_name",)
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Person", {"fields": ("full_name", "title", "department")}),
        ("Roles", {"fields": ("groups", "is_active", "is_staff", "is_superuser")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "full_name", "title", "department", "password1", "password2"),
            },
        ),
    )
    filter_horizontal = ("groups",)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="Roles")
    def roles(self, obj: User) -> str:
        return ", ".join(obj.role_names)
