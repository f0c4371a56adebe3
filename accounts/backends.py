"""Permissions read in one query per request, not two."""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Q


class ModelPermissionsBackend(ModelBackend):
    """Django's ModelBackend, with a person's own and their roles' permissions read together.

    Every signed-in page asks for permissions (the navigation, the views' decorators), and
    ModelBackend reads them in two queries (the person's, then their groups'); one query with
    both joins returns the same set. Kept on the user object for the request, as Django does.
    """

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            if user_obj.is_superuser:
                rows = Permission.objects.all()
            else:
                rows = Permission.objects.filter(Q(user=user_obj) | Q(group__user=user_obj))
            user_obj._perm_cache = {
                f"{app_label}.{codename}"
                for app_label, codename in rows.order_by()
                .values_list("content_type__app_label", "codename")
                .distinct()
            }
        return user_obj._perm_cache
