"""Review cycles, leads, their qualification checks and the reps' feedback (step 5)."""

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from definitions.models import Definition, StageLevel, Version, VersionCriterion, VersionStage
from definitions.rules import EVIDENCE_LABELS, EVIDENCE_LEVELS, SENIORITY_LABELS, SENIORITY_LEVELS

EVIDENCE_CHOICES = [(level, EVIDENCE_LABELS[level].capitalize()) for level in EVIDENCE_LEVELS]
SENIORITY_CHOICES = [(level, SENIORITY_LABELS[level].capitalize()) for level in SENIORITY_LEVELS]
SENIORITY_CHOICES[3] = ("vp", "VP")
SENIORITY_CHOICES[4] = ("c_level", "C-level")


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


class LeadSource(models.TextChoices):
    PURCHASED_LIST = "purchased_list", "Purchased list"
    WEB_INQUIRY = "web_inquiry", "Web inquiry"
    WEBINAR = "webinar", "Webinar"
    TRADE_SHOW = "trade_show", "Trade show"
    CONTENT_DOWNLOAD = "content_download", "Content download"
    REFERRAL = "referral", "Referral"
    OTHER = "other", "Other"


def reads_every_lead(user) -> bool:
    return user.has_perm("feedback.facilitate") or user.has_perm("definitions.approve_version")


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
        if reads_every_lead(user):
            return self
        return self.filter(rep=user)

    def awaiting_feedback_from(self, rep):
        return self.handed_to(rep).exclude(
            Exists(LeadFeedback.objects.filter(lead=OuterRef("pk"), cycle=OuterRef("cycle")))
        )


class Lead(models.Model):
    """A lead handed from marketing to a sales rep; field names follow definitions.rules."""

    # Indexed by the unique (definition, CRM reference) constraint, which starts with it.
    definition = models.ForeignKey(
        Definition, on_delete=models.PROTECT, related_name="leads", db_index=False
    )
    cycle = models.ForeignKey(ReviewCycle, on_delete=models.PROTECT, related_name="leads")
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

    lead = models.OneToOneField(Lead, on_delete=models.CASCADE, related_name="qualification")
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

    history = HistoricalRecords(m2m_fields=[reasons])
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


# "Rejected leads that later bought" counts purchases within 24 calendar months after the
# rejection (seed 003: "within two years"); "later bought" in the criteria table counts
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
HIGH_LEVELS = ["opportunity", "customer"]


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
