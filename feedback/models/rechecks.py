"""A re-run of a cycle's qualification check: a background task, its progress and outcome."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from feedback.models.cycles import ReviewCycle


class CycleRecheck(models.Model):
    """One request to check every lead of a cycle again. The task works through the leads
    in batches, each committed on its own, and records here how far it got, so every server
    can show it; at most one is queued or running per cycle (a second click joins it)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Stopped"

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    cycle = models.ForeignKey(ReviewCycle, on_delete=models.CASCADE, related_name="rechecks")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    # Leads of the cycle when it was asked for, and how many have been checked again.
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    # The last sign of life of its task (claimed, a batch committed, finished).
    progress_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle"],
                condition=Q(status__in=["queued", "running"]),
                name="recheck_one_active_per_cycle",
            ),
            models.CheckConstraint(condition=Q(done__lte=F("total")), name="recheck_done_le_total"),
            models.CheckConstraint(
                condition=Q(status__in=["done", "failed"], finished_at__isnull=False)
                | Q(status__in=["queued", "running"], finished_at__isnull=True),
                name="recheck_finished_when_ended",
            ),
        ]

    def __str__(self) -> str:
        return f"Re-run of the check for {self.cycle} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE
