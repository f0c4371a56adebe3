"""Leads handed over to sales, and their qualification checks."""

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from definitions.models import Definition, StageLevel, Version, VersionCriterion, VersionStage
from definitions.rules import EVIDENCE_LABELS, EVIDENCE_LEVELS, SENIORITY_LABELS, SENIORITY_LEVELS
from feedback.models.cycles import ReviewCycle
from feedback.permissions import reads_all_feedback

EVIDENCE_CHOICES = [(level, EVIDENCE_LABELS[level].capitalize()) for level in EVIDENCE_LEVELS]


SENIORITY_CHOICES = [(level, SENIORITY_LABELS[level].capitalize()) for level in SENIORITY_LEVELS]
SENIORITY_CHOICES[3] = ("vp", "VP")
SENIORITY_CHOICES[4] = ("c_level", "C-level")


class LeadSource(models.TextChoices):
    PURCHASED_LIST = "purchased_list", "Purchased list"
    WEB_INQUIRY = "web_inquiry", "Web inquiry"
    WEBINAR = "webinar", "Webinar"
    TRADE_SHOW = "trade_show", "Trade show"
    CONTENT_DOWNLOAD = "content_download", "Content download"
    REFERRAL = "referral", "Referral"
    OTHER = "other", "Other"


class LeadQuerySet(models.QuerySet):
    def in_cycle(self, cycle):
        return self.filter(cycle=cycle)

    def handed_to(self, rep):
        return self.filter(rep=rep)

    def visible_to(self, user):
        """Facilitators and executives see every lead; a rep sees the leads handed to them.

        The one rule for reading per-lead feedback: lead pages, exports, the numbers pages'
        lists and the API all go through it (aggregates are for everyone)."""
        if not user.is_authenticated:
            return self.none()
        if reads_all_feedback(user):
            return self
        return self.filter(rep=user)

    def awaiting_feedback_from(self, rep):
        from feedback.models.feedback import LeadFeedback

        return self.handed_to(rep).exclude(
            Exists(LeadFeedback.objects.filter(lead=OuterRef("pk"), cycle=OuterRef("cycle")))
        )


class Lead(models.Model):
    """A lead handed from marketing to a sales rep; field names follow definitions.rules."""

    # Indexed by the unique (definition, CRM reference) constraint, which starts with it.
    definition = models.ForeignKey(
        Definition, on_delete=models.PROTECT, related_name="leads", db_index=False
    )
    # Indexed by `lead_queue`, which starts with it.
    cycle = models.ForeignKey(
        ReviewCycle, on_delete=models.PROTECT, related_name="leads", db_index=False
    )
    crm_reference = models.CharField("CRM reference", max_length=100)
    company = models.CharField(max_length=200)
    contact_name = models.CharField(max_length=200, blank=True)
    email = models.EmailField("e-mail address", blank=True)
    phone = models.CharField(max_length=50, blank=True)
    title = models.CharField("job title", max_length=200, blank=True)
    seniority = models.CharField(max_length=20, choices=SENIORITY_CHOICES, blank=True)
    industry = models.CharField(max_length=120, blank=True)
    company_size = models.PositiveIntegerField("company size (employees)", null=True, blank=True)
    region = models.CharField(max_length=120, blank=True)
    source = models.CharField(max_length=20, choices=LeadSource.choices, default=LeadSource.OTHER)
    permission_to_follow_up = models.BooleanField(null=True, blank=True)
    asked_for_information = models.BooleanField(null=True, blank=True)
    need_evidence = models.CharField(max_length=10, choices=EVIDENCE_CHOICES, default="none")
    need_note = models.TextField(blank=True)
    budget_evidence = models.CharField(max_length=10, choices=EVIDENCE_CHOICES, default="none")
    budget_note = models.TextField(blank=True)
    authority_evidence = models.CharField(max_length=10, choices=EVIDENCE_CHOICES, default="none")
    authority_note = models.TextField(blank=True)
    stage_handed_over = models.CharField(
        max_length=20, choices=StageLevel.choices, default=StageLevel.LEAD
    )
    handed_over_at = models.DateTimeField(default=timezone.now)
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="leads_received"
    )
    # The version in force at hand-over: the check and the feedback are recorded against it.
    version = models.ForeignKey(Version, on_delete=models.PROTECT, related_name="leads")

    # A lead's history is read by lead and by date; an import writes a history row per lead,
    # so the keys copied into it keep no index of their own, and its author (the importer, on
    # every row) is not checked row by row at commit.
    history = HistoricalRecords(
        no_db_index=["definition", "cycle", "rep", "version"], user_db_constraint=False
    )
    objects = LeadQuerySet.as_manager()

    class Meta:
        ordering = ["company", "pk"]
        indexes = [
            # A rep's leads in a cycle in the queue's order (and every read by cycle).
            models.Index(fields=["cycle", "rep", "company", "id"], name="lead_queue"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["definition", "crm_reference"], name="lead_crm_reference_unique"
            ),
            models.CheckConstraint(condition=~Q(crm_reference=""), name="lead_has_crm_reference"),
            models.CheckConstraint(
                condition=Q(source__in=LeadSource.values), name="lead_source_valid"
            ),
            models.CheckConstraint(
                condition=Q(need_evidence__in=EVIDENCE_LEVELS)
                & Q(budget_evidence__in=EVIDENCE_LEVELS)
                & Q(authority_evidence__in=EVIDENCE_LEVELS),
                name="lead_evidence_valid",
            ),
            models.CheckConstraint(
                condition=Q(seniority="") | Q(seniority__in=SENIORITY_LEVELS),
                name="lead_seniority_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company} ({self.crm_reference})"

    def get_absolute_url(self) -> str:
        return reverse("feedback:lead", args=[self.pk])


class CheckResult(models.TextChoices):
    MET = "met", "Met"
    MISSED = "missed", "Missed"
    UNKNOWN = "unknown", "Unknown"


class LeadCheck(models.Model):
    """The qualification check of a lead against the version in force at hand-over.

    Derived from the lead, the version and the marks people made on criteria without a rule;
    re-run whenever one of them changes, so it keeps no history of its own.
    """

    # Deleted with its lead by the ORM's cascade, as the lead's figures are; no constraint to
    # check for each of an import's 100 000 rows at commit.
    lead = models.OneToOneField(
        Lead, on_delete=models.CASCADE, related_name="qualification", db_constraint=False
    )
    # The version and its stage are the lead's and its ladder's (the check writes them from
    # there): no foreign-key constraint of their own, which an import of 100 000 leads would
    # check row by row at commit.
    version = models.ForeignKey(
        Version, on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False
    )
    stage_reached = models.ForeignKey(
        VersionStage,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    # The stage's level, copied so numbers compare levels across versions in SQL.
    level_reached = models.CharField(max_length=20, choices=StageLevel.choices, blank=True)
    # One bit per criterion of the version, in ladder order (stage, then criterion): set in
    # met_bits when met, in missed_bits when missed, in neither when unknown.
    met_bits = models.BigIntegerField(default=0)
    missed_bits = models.BigIntegerField(default=0)
    checked_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Check of {self.lead_id}: {self.level_reached or 'no stage'}"


class CriterionResult(models.Model):
    """A person's verdict on a criterion that has no rule (the check reads it as the result).

    Rule results are not stored: they follow from the lead's values and the version, so the
    check computes them when a page shows them and keeps only their bits (LeadFigures)."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="criterion_results")
    criterion = models.ForeignKey(VersionCriterion, on_delete=models.PROTECT, related_name="+")
    result = models.CharField(max_length=10, choices=CheckResult.choices)
    evidence_seen = models.CharField(max_length=10, choices=EVIDENCE_CHOICES, blank=True)
    value_seen = models.CharField(max_length=200, blank=True)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    marked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["criterion__stage__position", "criterion__position"]
        constraints = [
            models.UniqueConstraint(fields=["lead", "criterion"], name="criterion_result_unique"),
            models.CheckConstraint(
                condition=Q(result__in=CheckResult.values), name="criterion_result_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion_id}: {self.result}"
