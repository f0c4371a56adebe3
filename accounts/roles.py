"""Roles are groups carrying explicit permissions; code asks for permissions, never group names.

This module is the one place that says which permission belongs to which role. After every
`migrate`, a `post_migrate` receiver (accounts/apps.py) calls `roles_sync`, so a fresh
database has every role and a change to this table reaches the database with the next deploy.
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


def roles_sync(apps, using: str = "default") -> None:
    """Create every role's group with exactly its permissions (idempotent).

    `apps` is a registry (the project's, or the one `post_migrate` hands over).
    """
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        # The registry post_migrate hands over has no models modules; create_permissions
        # skips an app without one.
        had = getattr(app_config, "models_module", None)
        app_config.models_module = had or True
        create_permissions(app_config, apps=apps, verbosity=0, using=using)
        app_config.models_module = had

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.using(using).get_or_create(name=role)
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".", 1)
            wanted.append(
                Permission.objects.using(using).get(
                    content_type__app_label=app_label, codename=codename
                )
            )
        group.permissions.set(wanted)


def roles_needing(perm: str) -> list[str]:
    """The roles that carry `perm`, to tell a refused person what they would need."""
    return [role for role, perms in ROLE_PERMISSIONS.items() if perm in perms]


def roles_of(user) -> list[str]:
    names = sorted(group.name for group in user.groups.all())
    return [name for name in names if name in ROLE_PERMISSIONS] or [MEMBER]
