"""Review cycles, their cadence, the reps' suggestions, and the app's rights."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from definitions.models import Definition, Version


class Rights(models.Model):
    """Holds the feedback app's role permissions; it has no table."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("facilitate", "Can import leads, run review cycles and keep the reason catalogue")
        ]

    def __str__(self) -> str:
        return "rights"


class ReviewCadence(models.Model):
    """How long a definition's review cycles last (two weeks unless set otherwise)."""

    definition = models.OneToOneField(
        Definition, on_delete=models.CASCADE, related_name="review_cadence"
    )
    cycle_days = models.PositiveSmallIntegerField(default=14)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(cycle_days__gte=1, cycle_days__lte=92), name="cadence_days_range"
            )
        ]

    def __str__(self) -> str:
        return f"{self.definition}: every {self.cycle_days} days"


class ReviewCycleQuerySet(models.QuerySet):
    def for_definition(self, definition):
        return self.filter(definition=definition)

    def open(self, now=None):
        now = now or timezone.now()
        return self.filter(starts_at__lte=now, ends_at__gt=now)

    def next_free_start(self, now=None):
        """The first moment no cycle of these (one definition's) covers: now, or the end of
        the last cycle still running or planned, so a new cycle starting then overlaps none."""
        now = now or timezone.now()
        last = self.filter(ends_at__gt=now).aggregate(end=models.Max("ends_at"))["end"]
        return max(last, now) if last else now

    def closed(self, now=None):
        return self.filter(ends_at__lte=now or timezone.now())

    def upcoming(self, now=None):
        """Cycles that have not started yet: no feedback on their leads before they do."""
        return self.filter(starts_at__gt=now or timezone.now())


class ReviewCycle(models.Model):
    """A review window: leads handed over in it are reviewed by their reps before it ends."""

    definition = models.ForeignKey(
        Definition, on_delete=models.PROTECT, related_name="review_cycles"
    )
    # The version in force when the cycle started.
    version = models.ForeignKey(Version, on_delete=models.PROTECT, related_name="review_cycles")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(help_text="The deadline for the reps' feedback.")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # The review meeting, once the meetings app has one to point at (its id, kept loose so
    # feedback does not depend on meetings' tables).
    meeting_id = models.PositiveBigIntegerField(null=True, blank=True)

    history = HistoricalRecords()
    objects = ReviewCycleQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="cycle_ends_after_start"
            ),
            models.UniqueConstraint(fields=["definition", "starts_at"], name="cycle_start_unique"),
        ]

    def __str__(self) -> str:
        start = timezone.localtime(self.starts_at)
        end = timezone.localtime(self.ends_at)
        return f"{self.definition}: {start:%d %b} – {end:%d %b %Y}"

    def get_absolute_url(self) -> str:
        return reverse("feedback:cycle", args=[self.pk])

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.starts_at <= now < self.ends_at

    def is_upcoming(self, now=None) -> bool:
        return self.starts_at > (now or timezone.now())

    def status(self, now=None) -> str:
        """The cycle's state as the pages show it: upcoming, open or closed."""
        now = now or timezone.now()
        if self.is_upcoming(now):
            return "upcoming"
        return "open" if self.is_open(now) else "closed"


class Suggestion(models.Model):
    """Stop / start / continue: what a rep suggests for the process, once per cycle or more."""

    class Kind(models.TextChoices):
        STOP = "stop", "Stop"
        START = "start", "Start"
        CONTINUE = "continue", "Continue"

    cycle = models.ForeignKey(ReviewCycle, on_delete=models.CASCADE, related_name="suggestions")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["stop", "start", "continue"]), name="suggestion_kind_valid"
            ),
            models.CheckConstraint(condition=~Q(text=""), name="suggestion_has_text"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text[:40]}"
