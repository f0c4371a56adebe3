"""On PostgreSQL, a trigger refuses UPDATE and DELETE of published version rows, even in plain SQL.

(TRUNCATE, used only by test flushes, is a different statement and is not affected.)
Each trigger is dropped before it is created, so a database made by the migrations before
they were squashed (where the trigger already exists) migrates too.
"""

from django.db import migrations

TABLES = ["definitions_version", "definitions_versionstage", "definitions_versioncriterion"]

FUNCTION = """
CREATE OR REPLACE FUNCTION definitions_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'A published version never changes (%% on %%)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=())
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_immutable ON {table};")
        schema_editor.execute(
            f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION definitions_refuse_change();"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_immutable ON {table};")
    schema_editor.execute("DROP FUNCTION IF EXISTS definitions_refuse_change();")


class Migration(migrations.Migration):
    dependencies = [("definitions", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
