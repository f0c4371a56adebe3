"""The migrations: one clean start per app, no application code inside, roles after migrate."""

import ast
import importlib
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection

from accounts.roles import ROLE_PERMISSIONS

ROOT = Path(__file__).resolve().parent.parent
APPS = ("accounts", "definitions", "meetings", "feedback", "numbers")
# What a migration may import: Django, the libraries whose fields it uses, the standard library.
ALLOWED_ROOTS = {"django", "simple_history", "__future__"}


def migration_files():
    return sorted(
        path
        for app in APPS
        for path in (ROOT / app / "migrations").glob("*.py")
        if path.name != "__init__.py"
    )


def imported_roots(path: Path):
    """(line, module) for every import in the file, at any depth (function-level too)."""
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                yield node.lineno, "." * node.level + (node.module or "")
            else:
                yield node.lineno, node.module


def test_every_app_starts_from_one_initial_migration():
    for app in ("accounts", "definitions", "meetings", "feedback"):
        assert (ROOT / app / "migrations" / "0001_initial.py").exists(), app


def test_no_migration_imports_application_code():
    import sys

    stdlib = set(sys.stdlib_module_names)
    offending = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in migration_files()
        for line, module in imported_roots(path)
        if module.startswith(".") or module.split(".")[0] not in ALLOWED_ROOTS | stdlib
    ]
    assert migration_files(), "no migration files found"
    assert offending == []


@pytest.mark.django_db
def test_the_models_and_the_migrations_agree():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    assert "No changes detected" in out.getvalue()


def test_the_default_reasons_written_by_the_migration_are_the_catalogues():
    from feedback.catalogue import DEFAULT_REASONS

    migration = importlib.import_module("feedback.migrations.0002_default_rejection_reasons")
    assert migration.DEFAULT_REASONS == DEFAULT_REASONS


@pytest.mark.django_db
def test_a_migrated_database_has_the_default_reasons():
    from feedback.catalogue import DEFAULT_REASONS
    from feedback.models import RejectionReason

    labels = set(RejectionReason.objects.values_list("label", flat=True))
    assert {label for label, _ in DEFAULT_REASONS} <= labels


def role_permissions():
    return {
        group.name: sorted(
            f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()
        )
        for group in Group.objects.prefetch_related("permissions__content_type")
    }


@pytest.mark.django_db
def test_a_migrated_database_has_every_role_with_exactly_its_permissions():
    assert role_permissions() == {role: sorted(p) for role, p in ROLE_PERMISSIONS.items()}


@pytest.mark.django_db
def test_migrate_puts_a_role_back_as_the_code_says_and_changes_nothing_else():
    Group.objects.get(name="Executive").permissions.clear()
    Group.objects.get(name="Admin").delete()
    call_command("migrate", verbosity=0)
    call_command("migrate", verbosity=0)
    assert role_permissions() == {role: sorted(p) for role, p in ROLE_PERMISSIONS.items()}


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_on_postgresql_the_published_version_tables_have_the_refusing_trigger():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT event_object_table FROM information_schema.triggers WHERE trigger_name LIKE %s",
            ["definitions_%_immutable"],
        )
        tables = {row[0] for row in cursor.fetchall()}
    assert tables == {
        "definitions_version",
        "definitions_versionstage",
        "definitions_versioncriterion",
    }


@pytest.mark.django_db
def test_a_flush_puts_the_roles_back_as_a_transactional_test_needs_them():
    """`flush` (a transactional test's teardown) sends post_migrate without a state."""
    from django.core.management.sql import emit_post_migrate_signal

    Group.objects.all().delete()
    emit_post_migrate_signal(0, False, "default")
    assert role_permissions() == {role: sorted(p) for role, p in ROLE_PERMISSIONS.items()}
