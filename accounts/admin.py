"""Admin pages for people: filter by department and role."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.core.exceptions import ValidationError
from simple_history.admin import SimpleHistoryAdmin

from accounts.models import Department, User
from accounts.services import person_roles_validate


class PersonCreationForm(UserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name", "title", "department")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # No department chosen for the admin: a person left in "other" by default would be
        # silently left out of every vote.
        department = self.fields["department"]
        department.choices = [("", "Choose a department"), *Department.choices]
        department.initial = ""
        department.help_text = "Only people in marketing and sales vote on the definition."
        department.error_messages["required"] = "Choose the person's department."


class PersonChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User

    def clean(self):
        cleaned = super().clean()
        if "department" in cleaned and "groups" in cleaned:
            try:
                person_roles_validate(department=cleaned["department"], groups=cleaned["groups"])
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned


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
