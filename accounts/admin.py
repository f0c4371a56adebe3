"""Admin pages for people: filter by department and role."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from simple_history.admin import SimpleHistoryAdmin

from accounts.models import Department, User
from accounts.roles import ROLE_PERMISSIONS
from accounts.services import person_roles_validate
from config.admin import RangedDatesAdmin


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
class UserAdmin(RangedDatesAdmin, SimpleHistoryAdmin, BaseUserAdmin):
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

    # Rights the Admin role may not hand out (to others or to itself): only a superuser
    # makes someone staff or superuser, or grants permissions outside the roles table.
    SUPERUSER_ONLY_FIELDS = ("is_staff", "is_superuser", "user_permissions")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        if request.user.is_superuser:
            return readonly
        return (*readonly, *self.SUPERUSER_ONLY_FIELDS)

    def has_change_permission(self, request, obj=None):
        # A superuser's account (its password, e-mail, roles) is a superuser's to change.
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups":
            # The roles of accounts/roles.py, nothing else.
            kwargs["queryset"] = Group.objects.filter(name__in=ROLE_PERMISSIONS)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description="Roles")
    def roles(self, obj: User) -> str:
        return ", ".join(obj.role_names)
