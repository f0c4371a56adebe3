"""Uploaded lead and outcome files, kept for their import steps."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from feedback.models.cycles import ReviewCycle


class LeadImport(models.Model):
    """An uploaded CSV between its steps (mapping, dry run, import); the file lives here so
    any app server can carry on with it."""

    class Kind(models.TextChoices):
        LEADS = "leads", "Leads"
        OUTCOMES = "outcomes", "Outcomes"

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Uploaded"
        CHECKED = "checked", "Dry run passed"
        FAILED = "failed", "Dry run found errors"
        QUEUED = "queued", "Import queued"
        RUNNING = "importing", "Importing"
        IMPORTED = "imported", "Imported"

    class Via(models.TextChoices):
        PAGE = "page", "The import page"
        COMMAND = "command", "The import_leads command"

    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.LEADS)
    cycle = models.ForeignKey(
        ReviewCycle, null=True, blank=True, on_delete=models.CASCADE, related_name="imports"
    )
    fallback_rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    filename = models.CharField(max_length=255)
    content = models.BinaryField()
    format_name = models.CharField(max_length=40, blank=True)
    mapping = models.JSONField(default=dict, blank=True)
    # How to read what the file leaves ambiguous: {"crm": format key, "dates": order,
    # "decimal": sign, "stages": {the file's word: stage}}; empty means as detected.
    reading = models.JSONField(default=dict, blank=True)
    via = models.CharField(max_length=10, choices=Via.choices, default=Via.PAGE)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UPLOADED)
    # The problems, those of a kind grouped (ImportReport.problems); the true total beside.
    errors = models.JSONField(default=list, blank=True)
    problem_count = models.PositiveIntegerField(default=0)
    row_count = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    imported_at = models.DateTimeField(null=True, blank=True)
    # While the import task runs: rows written so far, written on a connection of its own
    # (feedback.progress) so every server sees them before the import commits.
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    progress_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("feedback:import", args=[self.pk])
