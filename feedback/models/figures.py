"""Rows derived from leads, checks, feedback and outcomes: the figures and the tallies."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from definitions.models import Definition, StageLevel, Version
from feedback.models.cycles import ReviewCycle
from feedback.models.feedback import LeadFeedback, RejectionReason
from feedback.models.leads import Lead

# "Rejected leads that later bought" counts purchases within 24 calendar months after the
# rejection (SiriusDecisions: "within two years"); "later bought" in the criteria table counts
# purchases within the same 24 months after the hand-over.
BOUGHT_WITHIN_MONTHS = 24


def _copied_key(model):
    """A key a derived row copies from its lead: no constraint of its own to check row by row
    when an import commits, no index, nothing done when the row it points at goes (the lead
    itself protects it)."""
    return models.ForeignKey(
        model, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )


class LeadFigures(models.Model):
    """What the numbers count of one lead, in one narrow row: its place (definition, cycle,
    version, rep, source, stage, hand-over time), its check (level reached, and one bit per
    criterion of its version, in ladder order, for met and for missed), its feedback in its
    hand-over cycle and its outcome.

    Derived, never edited: the feedback services rewrite a lead's row whenever they write
    anything it is derived from (`services.figures_refresh`), so the numbers pages aggregate
    one table instead of joining five (docs/benchmarks.md, "Numbers").
    """

    # Deleted with its lead by the ORM's cascade, like the lead's other derived rows; no
    # constraint to check for each of an import's 100 000 rows at commit.
    lead = models.OneToOneField(
        Lead,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="figures",
        db_constraint=False,
    )
    # Copies of the lead's own (and its feedback's) keys, written only from there: no
    # foreign-key constraints of their own to check row by row when an import commits, and
    # no index but the one the numbers read by (definition, hand-over time).
    definition = _copied_key(Definition)
    cycle = _copied_key(ReviewCycle)
    version = _copied_key(Version)
    rep = _copied_key(settings.AUTH_USER_MODEL)
    source = models.CharField(max_length=20)
    stage_handed_over = models.CharField(max_length=20)
    handed_over_at = models.DateTimeField()
    level_reached = models.CharField(max_length=20, blank=True)
    met_bits = models.BigIntegerField(default=0)
    missed_bits = models.BigIntegerField(default=0)
    feedback = models.ForeignKey(
        LeadFeedback,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="figures",
        db_constraint=False,
        db_index=False,
    )
    decision = models.CharField(max_length=10, blank=True)
    outcome_result = models.CharField(max_length=20, blank=True)
    outcome_on = models.DateField(null=True, blank=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    # How far the lead got (0 handed over ... 4 customer): the check's level, sales
    # accepting it, or its outcome, whichever went furthest.
    rank = models.PositiveSmallIntegerField(default=0)
    # Rejected, then bought within BOUGHT_WITHIN_MONTHS calendar months after the rejection
    # (the day the feedback rejecting it was given), that day included.
    rejected_then_bought = models.BooleanField(default=False)
    # Bought within BOUGHT_WITHIN_MONTHS calendar months after the hand-over, that day
    # included: a purchase before the hand-over is not "later bought".
    bought_later = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["definition", "handed_over_at"]),
            # The list of rejected leads that later bought, latest purchase first: few rows.
            models.Index(
                fields=["definition", "-outcome_on"],
                condition=Q(rejected_then_bought=True),
                name="figures_rejected_bought",
            ),
            # What the check made of a cycle's leads (the backtest's "now"), from the index.
            models.Index(fields=["cycle", "level_reached"], name="figures_cycle_level"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(met_bits__gte=0) & Q(missed_bits__gte=0), name="figures_bits_positive"
            ),
            models.CheckConstraint(condition=Q(rank__lte=4), name="figures_rank_range"),
        ]

    def __str__(self) -> str:
        return f"Figures of lead {self.lead_id}"


# "The check placed it at Opportunity (or above)": the disagreements' high end.
HIGH_LEVELS = [StageLevel.OPPORTUNITY, StageLevel.CUSTOMER]


class RejectionFigures(models.Model):
    """One row per reason a rejection (or a recycle) gave (the feedback in the lead's hand-over
    cycle), with what the numbers filter by; derived and rewritten with the lead's figures, so
    ranking the reasons reads one table."""

    # Indexed by the unique (lead, reason) constraint, which starts with it.
    lead = models.ForeignKey(
        Lead,
        on_delete=models.CASCADE,
        related_name="rejection_figures",
        db_constraint=False,
        db_index=False,
    )
    # Gone with its reason (the ORM's cascade), as the feedback's link to it is.
    reason = models.ForeignKey(
        RejectionReason,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    definition = _copied_key(Definition)
    version = _copied_key(Version)
    rep = _copied_key(settings.AUTH_USER_MODEL)
    source = models.CharField(max_length=20)
    handed_over_at = models.DateTimeField()
    # The check placed the lead at one of HIGH_LEVELS.
    high = models.BooleanField(default=False)
    # A reason given for recycling the lead to nurture: shown beside the rejections, never
    # counted as one.
    recycled = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["lead", "reason"], name="rejection_figures_unique")
        ]

    def __str__(self) -> str:
        return f"Lead {self.lead_id}: reason {self.reason_id}"


class RejectionDay(models.Model):
    """A definition's rejections (and recycles) given on one day, and how many cite an
    unwritten reason: kept current by the feedback services, so the health warning over the
    last 90 days adds up at most 90 rows, whatever the feedback holds."""

    definition = _copied_key(Definition)
    # The day the feedback was first given, in the company's time zone.
    day = models.DateField()
    rejections = models.PositiveIntegerField(default=0)
    unwritten = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["definition", "day"], name="rejection_day_unique"),
            models.CheckConstraint(
                condition=Q(unwritten__lte=F("rejections")), name="rejection_day_unwritten_le"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day}: {self.unwritten} of {self.rejections} unwritten"
