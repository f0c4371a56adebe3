"""Create the roles (groups with explicit permissions), so a fresh database has them."""

from django.db import migrations

from accounts.roles import roles_sync


def create_roles(apps, schema_editor):
    roles_sync(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("definitions", "0001_initial"),
        ("meetings", "0001_initial"),
        ("feedback", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
