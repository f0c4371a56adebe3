import django.db.models.deletion
from django.db import migrations, models


def forget_results(apps, schema_editor):
    # Results are derived from the lead and its version: "Re-run the check" rebuilds them.
    apps.get_model("feedback", "CriterionResult").objects.all().delete()
    apps.get_model("feedback", "LeadCheck").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("feedback", "0003_default_rejection_reasons")]

    operations = [
        migrations.RunPython(forget_results, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="criterionresult", name="criterion_result_unique"),
        migrations.RemoveField(model_name="criterionresult", name="lead_check"),
        migrations.AddField(
            model_name="criterionresult",
            name="lead",
            field=models.ForeignKey(
                default=0,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="criterion_results",
                to="feedback.lead",
            ),
            preserve_default=False,
        ),
        migrations.AddConstraint(
            model_name="criterionresult",
            constraint=models.UniqueConstraint(
                fields=("lead", "criterion"), name="criterion_result_unique"
            ),
        ),
    ]
