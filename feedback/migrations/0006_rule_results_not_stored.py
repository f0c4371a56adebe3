from django.db import migrations


def forwards(apps, schema_editor):
    """Rule results are no longer stored (the check keeps bits; pages evaluate the rules):
    keep only the results a person marked. The checks and figures of existing leads are
    rebuilt by `manage.py figures_rebuild`, which `make migrate` runs after migrating."""
    CriterionResult = apps.get_model("feedback", "CriterionResult")
    CriterionResult.objects.filter(marked_by__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("feedback", "0005_lead_figures")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
