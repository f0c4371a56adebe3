from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "People"

    def ready(self):
        from config import (
            checks,  # noqa: F401  (registers the deploy checks)
            written,
        )

        # Every connection watches for writes: they move the stamp kept pages are read under.
        written.watch_connections()

        # After every `migrate` (and every test flush), the roles match accounts/roles.py.
        post_migrate.connect(roles_after_migrate, sender=self, dispatch_uid="accounts.roles")


def roles_after_migrate(sender, *, using, apps=None, **kwargs) -> None:
    """Create or update the roles (groups and their permissions) once the tables exist.

    A receiver rather than a data migration: the roles are a table in code
    (`accounts.roles.ROLE_PERMISSIONS`) that changes with the code, and a migration must not
    import application code. Idempotent; skipped when a partial `migrate` left out an app
    whose permissions a role needs. `flush` (a transactional test's teardown) sends the
    signal without `apps`: then the project's registry is the state.
    """
    from django.apps import apps as project_apps

    from accounts.roles import ROLE_PERMISSIONS, roles_sync

    apps = apps or project_apps

    labels = {perm.split(".", 1)[0] for perms in ROLE_PERMISSIONS.values() for perm in perms}
    state_labels = {config.label for config in apps.get_app_configs()}
    if not labels | {"auth", "contenttypes"} <= state_labels:
        return
    roles_sync(apps, using=using)
