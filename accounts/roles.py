"""Roles are groups carrying explicit permissions; code asks for permissions, never group names.

This module is the one place that says which permission belongs to which role. A migration
calls `roles_sync` whenever this table changes, so a fresh database has every role.
"""

MEMBER = "Member"

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "Facilitator": [
        "definitions.facilitate",
        "meetings.facilitate",
        "feedback.facilitate",
    ],
    "Executive": [
        "definitions.approve_version",
        "definitions.publish_version",
    ],
    "Admin": [
        "accounts.view_user",
        "accounts.add_user",
        "accounts.change_user",
        "auth.view_group",
        # Sign-in lockouts (django-axes): seeing them, and lifting one by deleting it.
        "axes.view_accessattempt",
        "axes.delete_accessattempt",
    ],
}

ROLE_DESCRIPTIONS = {
    "Facilitator": "runs alignment meetings, proposals, votes and review cycles",
    "Executive": "approves and publishes versions of the definition",
    "Admin": "manages people, departments and roles",
    MEMBER: "answers questions, votes, and logs feedback on leads",
}


def roles_sync(apps) -> None:
    """Create every role's group with exactly its permissions (idempotent; migration-safe)."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".", 1)
            wanted.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(wanted)


def roles_needing(perm: str) -> list[str]:
    """The roles that carry `perm`, to tell a refused person what they would need."""
    return [role for role, perms in ROLE_PERMISSIONS.items() if perm in perms]


def roles_of(user) -> list[str]:
    names = sorted(group.name for group in user.groups.all())
    return [name for name in names if name in ROLE_PERMISSIONS] or [MEMBER]
