"""Per-cycle sums of the leads' figures: what the numbers pages add up instead of every lead.

One row per cell of what the pages group and filter by (definition, cycle, rep, version,
source, stage handed over), holding counts that add: a page sums a few thousand rows
whatever the number of leads. Derived, never edited by hand: whenever a few leads' figures
are rewritten, the service adds what they changed to the rows they touch
(`services.summaries_shift`); an import or a recheck rebuilds the rows of each (cycle, rep)
it touched from the leads' figures (`services.summaries_refresh`).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from definitions.models import Definition, Version
from feedback.models.cycles import ReviewCycle
from feedback.models.feedback import RejectionReason
from feedback.models.figures import HIGH_LEVELS, _copied_key

# The check placed the lead below Lead (no level, or an inquiry).
LOW_LEVELS = ["", "inquiry"]
ACCEPTED = Q(decision="accepted")
BOUGHT = Q(outcome_result="bought")

# What a summary row counts of its leads' figures (None: every lead).
LEAD_MEASURES = {
    "handed": None,
    "reviewed": ~Q(decision=""),
    "accepted": ACCEPTED,
    "rejected": Q(decision="rejected"),
    "recycled": Q(decision="recycled"),
    "bought": BOUGHT,
    "rejected_bought": Q(rejected_then_bought=True),
    "high_rejected": Q(level_reached__in=HIGH_LEVELS, decision="rejected"),
    "accepted_low": Q(decision="accepted", level_reached__in=LOW_LEVELS),
    **{f"reached{k}": Q(rank__gte=k) for k in range(1, 5)},
}
CRITERION_COUNTS = ["met", "met_accepted", "missed", "missed_accepted_or_bought", "missed_low"]


class FiguresSummary(models.Model):
    """The leads of one cell: how many were handed over, reviewed, accepted, rejected,
    recycled, bought, rejected then bought, the two disagreements, how many reached each
    step of the funnel, and the amounts of their purchases."""

    definition = _copied_key(Definition)
    cycle = _copied_key(ReviewCycle)
    version = _copied_key(Version)
    rep = _copied_key(settings.AUTH_USER_MODEL)
    source = models.CharField(max_length=20)
    stage_handed_over = models.CharField(max_length=20)
    handed = models.PositiveIntegerField(default=0)
    reviewed = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    recycled = models.PositiveIntegerField(default=0)
    bought = models.PositiveIntegerField(default=0)
    rejected_bought = models.PositiveIntegerField(default=0)
    # The check placed it at Opportunity or above and sales rejected it; sales accepted a
    # lead the check placed below Lead.
    high_rejected = models.PositiveIntegerField(default=0)
    accepted_low = models.PositiveIntegerField(default=0)
    # Leads that got at least this far (1 marketing qualified ... 4 customer); every lead
    # was handed over (0).
    reached1 = models.PositiveIntegerField(default=0)
    reached2 = models.PositiveIntegerField(default=0)
    reached3 = models.PositiveIntegerField(default=0)
    reached4 = models.PositiveIntegerField(default=0)
    # The bought leads with an amount, and the sum of those amounts.
    deals_priced = models.PositiveIntegerField(default=0)
    deal_total = models.DecimalField(max_digits=20, decimal_places=2, default=0)

    class Meta:
        constraints = [
            # Also the index the pages read by (definition) and the service rewrites by
            # (definition, cycle, rep).
            models.UniqueConstraint(
                fields=["definition", "cycle", "rep", "version", "source", "stage_handed_over"],
                name="figures_summary_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(reviewed__lte=models.F("handed")),
                name="figures_summary_reviewed_le",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.handed} leads of cycle {self.cycle_id}, rep {self.rep_id}"


class CriterionSummary(models.Model):
    """One criterion (its bit in the check's ladder order) over the leads of one cell: how
    many met it, met it and were accepted, missed it, missed it and were still accepted or
    later bought, and missed it, were accepted and placed below Lead."""

    definition = _copied_key(Definition)
    cycle = _copied_key(ReviewCycle)
    version = _copied_key(Version)
    rep = _copied_key(settings.AUTH_USER_MODEL)
    source = models.CharField(max_length=20)
    bit = models.PositiveSmallIntegerField()
    met = models.PositiveIntegerField(default=0)
    met_accepted = models.PositiveIntegerField(default=0)
    missed = models.PositiveIntegerField(default=0)
    missed_accepted_or_bought = models.PositiveIntegerField(default=0)
    missed_low = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["definition", "cycle", "rep", "version", "source", "bit"],
                name="criterion_summary_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(bit__lte=62), name="criterion_summary_bit_range"
            ),
        ]

    def __str__(self) -> str:
        return f"Criterion {self.bit} of cycle {self.cycle_id}, rep {self.rep_id}"


class ReasonSummary(models.Model):
    """One reason over the rejections and recycles of one cell: how many rejections gave it,
    how many of those the check had placed at Opportunity or above, how many recycles."""

    definition = _copied_key(Definition)
    cycle = _copied_key(ReviewCycle)
    version = _copied_key(Version)
    rep = _copied_key(settings.AUTH_USER_MODEL)
    source = models.CharField(max_length=20)
    reason = models.ForeignKey(
        RejectionReason,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    rejections = models.PositiveIntegerField(default=0)
    high = models.PositiveIntegerField(default=0)
    recycles = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["definition", "cycle", "rep", "version", "source", "reason"],
                name="reason_summary_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"Reason {self.reason_id} of cycle {self.cycle_id}, rep {self.rep_id}"
