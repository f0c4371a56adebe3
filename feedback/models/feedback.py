"""The reps' feedback on leads, the reason catalogue, and outcomes."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from definitions.models import Version
from feedback.models.cycles import ReviewCycle
from feedback.models.leads import Lead


class RejectionReasonQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)


class RejectionReason(models.Model):
    """A reason a rep gives: backed by a criterion (by its stable key) or unwritten."""

    class Kind(models.TextChoices):
        CRITERION = "criterion", "Backed by a criterion"
        UNWRITTEN = "unwritten", "Unwritten (not in the definition)"

    label = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    criterion_key = models.CharField(
        max_length=40, blank=True, help_text="The key of the criterion this reason points at."
    )
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    history = HistoricalRecords()
    objects = RejectionReasonQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "position", "label"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="criterion", criterion_key__gt="")
                | Q(kind="unwritten", criterion_key=""),
                name="reason_criterion_key_matches_kind",
            )
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def is_unwritten(self) -> bool:
        return self.kind == self.Kind.UNWRITTEN


# The feedback's history, kept where the service can write a record itself: a save writes
# one record once its reasons are set (simple-history's signals would write one for the row
# and one more for each change of the reasons, the first with the reasons before the save).
FEEDBACK_HISTORY = HistoricalRecords(m2m_fields=["reasons"])


class LeadFeedbackQuerySet(models.QuerySet):
    def in_cycle(self, cycle):
        return self.filter(cycle=cycle)

    def by(self, rep):
        return self.filter(rep=rep)


class LeadFeedback(models.Model):
    """A rep's verdict on one lead in one cycle."""

    class Decision(models.TextChoices):
        ACCEPTED = "accepted", "Accepted into the sales process"
        REJECTED = "rejected", "Rejected"
        RECYCLED = "recycled", "Recycled to nurture"

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="feedback")
    cycle = models.ForeignKey(ReviewCycle, on_delete=models.PROTECT, related_name="feedback")
    # The version in force when the lead was handed over (copied from the lead).
    version = models.ForeignKey(Version, on_delete=models.PROTECT, related_name="+")
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="lead_feedback"
    )
    agrees_with_stage = models.BooleanField("is it a lead at the stage it was handed over?")
    decision = models.CharField(max_length=10, choices=Decision.choices)
    reasons = models.ManyToManyField(RejectionReason, blank=True, related_name="feedback")
    wanted_to_know = models.TextField("what else would you have liked to know?", blank=True)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    history = FEEDBACK_HISTORY
    objects = LeadFeedbackQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["lead", "cycle"], name="feedback_one_per_lead_per_cycle"
            ),
            models.CheckConstraint(
                condition=Q(decision__in=["accepted", "rejected", "recycled"]),
                name="feedback_decision_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lead}: {self.get_decision_display()}"

    @property
    def decision_short(self) -> str:
        """The decision in one word, for the queue's compact rows."""
        return DECISION_SHORT.get(self.decision, self.get_decision_display())


DECISION_SHORT = {"accepted": "Accepted", "rejected": "Rejected", "recycled": "Recycled"}

# The decisions that must give a reason (and count as rejections in the health warning).
NEEDS_REASON = {LeadFeedback.Decision.REJECTED, LeadFeedback.Decision.RECYCLED}


class Outcome(models.Model):
    """What later became of a lead, so rejected leads that bought can be counted."""

    class Result(models.TextChoices):
        OPPORTUNITY = "opportunity", "Opportunity created"
        BOUGHT = "bought", "Bought"
        LOST = "lost", "Lost"
        NO_DECISION = "no_decision", "No decision"
        OPEN = "open", "Still open"

    lead = models.OneToOneField(Lead, on_delete=models.CASCADE, related_name="outcome")
    result = models.CharField(max_length=20, choices=Result.choices)
    occurred_on = models.DateField()
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(result__in=["opportunity", "bought", "lost", "no_decision", "open"]),
                name="outcome_result_valid",
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0), name="outcome_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lead}: {self.get_result_display()}"
