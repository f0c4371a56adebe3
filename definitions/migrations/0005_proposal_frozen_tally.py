from django.db import migrations, models

from definitions.consensus import consensus_evaluate


def freeze_closed_tallies(apps, schema_editor):
    """Votes closed before tallies were stored keep the tally they have today from now on."""
    Proposal = apps.get_model("definitions", "Proposal")
    User = apps.get_model("accounts", "User")
    voters = dict(
        User.objects.filter(is_active=True, department__in=["marketing", "sales"]).values_list(
            "pk", "department"
        )
    )
    eligible: dict[str, int] = {}
    for department in voters.values():
        eligible[department] = eligible.get(department, 0) + 1
    for proposal in Proposal.objects.exclude(status="open").filter(tally__isnull=True):
        verdict = consensus_evaluate(
            quorum_percent=proposal.quorum_percent,
            threshold_percent=proposal.threshold_percent,
            eligible=eligible,
            positions=[
                (voters[voter_id], position)
                for voter_id, position in proposal.votes.values_list("voter_id", "position")
                if voter_id in voters
            ],
        )
        # Keep the sentence the vote closed with: it is what people were told then.
        frozen = verdict.frozen()
        frozen["sentence"] = proposal.outcome or frozen["sentence"]
        frozen["passes"] = proposal.status == "passed"
        Proposal.objects.filter(pk=proposal.pk).update(tally=frozen)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("definitions", "0004_versions_base_manager_refuses_changes"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalproposal",
            name="tally",
            field=models.JSONField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="proposal",
            name="tally",
            field=models.JSONField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(freeze_closed_tallies, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="proposal",
            constraint=models.CheckConstraint(
                condition=models.Q(status="open") | models.Q(tally__isnull=False),
                name="proposal_closed_keeps_its_tally",
            ),
        ),
    ]
