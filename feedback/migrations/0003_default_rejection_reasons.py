from django.db import migrations


def forwards(apps, schema_editor):
    from feedback.catalogue import reasons_default_ensure

    reasons_default_ensure(apps.get_model("feedback", "RejectionReason"))


class Migration(migrations.Migration):
    dependencies = [("feedback", "0002_leads_cycles_feedback")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
