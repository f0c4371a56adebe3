import calendar
from datetime import date

from django.db import migrations, models
from django.utils import timezone

MONTHS = 24


def _months_after(day: date, months: int) -> date:
    years, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _within(start: date, day: date | None) -> bool:
    return day is not None and start <= day <= _months_after(start, MONTHS)


def figures_recount(apps, schema_editor):
    """Rejected-then-bought now counts 24 calendar months after the rejection (was 730 days
    after the hand-over); "later bought" is new: 24 months after the hand-over."""
    LeadFigures = apps.get_model("feedback", "LeadFigures")
    LeadFeedback = apps.get_model("feedback", "LeadFeedback")
    rows = list(
        LeadFigures.objects.filter(outcome_result="bought").values_list(
            "pk", "handed_over_at", "outcome_on", "decision", "feedback_id"
        )
    )
    wanted = sorted({row[4] for row in rows if row[3] == "rejected" and row[4]})
    rejected_on = {}
    for i in range(0, len(wanted), 5000):
        for pk, created_at in LeadFeedback.objects.filter(pk__in=wanted[i : i + 5000]).values_list(
            "pk", "created_at"
        ):
            rejected_on[pk] = timezone.localdate(created_at)
    flags = {}
    for pk, handed_over_at, outcome_on, decision, feedback_id in rows:
        start = rejected_on.get(feedback_id) if decision == "rejected" else None
        rejected = start is not None and _within(start, outcome_on)
        later = _within(timezone.localdate(handed_over_at), outcome_on)
        flags.setdefault((rejected, later), []).append(pk)
    LeadFigures.objects.filter(rejected_then_bought=True).update(rejected_then_bought=False)
    for (rejected, later), pks in flags.items():
        for i in range(0, len(pks), 5000):
            LeadFigures.objects.filter(pk__in=pks[i : i + 5000]).update(
                rejected_then_bought=rejected, bought_later=later
            )


def recycled_reasons_add(apps, schema_editor):
    """Reasons given on recycled leads are shown beside the rejections' from now on."""
    LeadFigures = apps.get_model("feedback", "LeadFigures")
    LeadFeedback = apps.get_model("feedback", "LeadFeedback")
    RejectionFigures = apps.get_model("feedback", "RejectionFigures")
    high = ["opportunity", "customer"]
    recycled = {
        row[0]: row
        for row in LeadFigures.objects.filter(
            decision="recycled", feedback_id__isnull=False
        ).values_list(
            "feedback_id",
            "lead_id",
            "definition_id",
            "version_id",
            "rep_id",
            "source",
            "handed_over_at",
            "level_reached",
        )
    }
    links = LeadFeedback.reasons.through.objects.filter(
        leadfeedback_id__in=list(recycled)
    ).values_list("leadfeedback_id", "rejectionreason_id")
    RejectionFigures.objects.bulk_create(
        (
            RejectionFigures(
                lead_id=row[1],
                reason_id=reason_id,
                definition_id=row[2],
                version_id=row[3],
                rep_id=row[4],
                source=row[5],
                handed_over_at=row[6],
                high=row[7] in high,
                recycled=True,
            )
            for feedback_id, reason_id in links
            for row in [recycled[feedback_id]]
        ),
        batch_size=5000,
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0006_rule_results_not_stored"),
    ]

    operations = [
        migrations.AddField(
            model_name="leadfigures",
            name="bought_later",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="rejectionfigures",
            name="recycled",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(figures_recount, migrations.RunPython.noop),
        migrations.RunPython(recycled_reasons_add, migrations.RunPython.noop),
    ]
