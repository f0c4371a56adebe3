"""Lead definitions: stages, criteria, proposals, votes and immutable versions."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords


class Rights(models.Model):
    """Holds the definitions app's role permissions; it has no table."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("facilitate", "Can start definitions, propose changes, run votes and submit drafts"),
            ("approve_version", "Can approve a draft version or send it back"),
            ("publish_version", "Can publish an approved version"),
        ]

    def __str__(self) -> str:
        return "rights"


class DefinitionQuerySet(models.QuerySet):
    def visible_to(self, user):
        # Everyone in the company reads every definition: publishing everywhere is the point.
        return self if user.is_authenticated else self.none()


class Definition(models.Model):
    class Scope(models.TextChoices):
        COMPANY = "company", "Company-wide"
        PRODUCT_LINE = "product_line", "One product line"

    name = models.CharField(max_length=120, unique=True)
    scope = models.CharField(max_length=20, choices=Scope.choices, default=Scope.COMPANY)
    product_line = models.CharField(
        max_length=120, blank=True, help_text="Which product line, when the scope is one."
    )
    description = models.TextField(blank=True)
    ideal_customer_profile = models.TextField(
        blank=True, help_text="Who we sell to: industries, company size, regions, buyers."
    )
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="facilitated_definitions"
    )
    executive_sponsor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sponsored_definitions"
    )
    quorum_percent = models.PositiveSmallIntegerField(
        default=60, help_text="Share of eligible people in each department who must vote."
    )
    threshold_percent = models.PositiveSmallIntegerField(
        default=75,
        help_text="Share of votes cast in each department that must agree or can live with it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()
    objects = DefinitionQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quorum_percent__gte=1, quorum_percent__lte=100),
                name="definition_quorum_percent_range",
            ),
            models.CheckConstraint(
                condition=models.Q(threshold_percent__gte=1, threshold_percent__lte=100),
                name="definition_threshold_percent_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("definitions:detail", args=[self.pk])
