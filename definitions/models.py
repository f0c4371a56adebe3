"""Lead definitions: stages, criteria, proposals, votes and immutable versions."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from accounts.models import Department


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


class StageLevel(models.TextChoices):
    """What a stage means in the funnel, so checks and numbers can compare definitions."""

    INQUIRY = "inquiry", "Name / inquiry (not a lead)"
    LEAD = "lead", "Marketing qualified lead"
    ACCEPTED = "accepted", "Sales accepted lead"
    OPPORTUNITY = "opportunity", "Sales qualified lead / opportunity"
    CUSTOMER = "customer", "Customer"


class EvidenceStandard(models.TextChoices):
    BELIEVED = "believed", "Believed (someone thinks, feels or believes it)"
    STATED = "stated", "Stated by the prospect"
    VERIFIED = "verified", "Verified"
    PROVEN = "proven", "Proven"


class ProposalQuerySet(models.QuerySet):
    def for_definition(self, definition):
        return self.filter(definition=definition)

    def open(self, now=None):
        now = now or timezone.now()
        return self.filter(status=Proposal.Status.OPEN).filter(
            Q(closes_at__isnull=True) | Q(closes_at__gt=now)
        )

    def due(self, now=None):
        """Open proposals whose voting window has passed but have not been closed yet."""
        return self.filter(status=Proposal.Status.OPEN, closes_at__lte=now or timezone.now())

    def passed_unpublished(self):
        """The passed proposals the draft is made of: not yet carried by a version."""
        return self.filter(status=Proposal.Status.PASSED, published_in__isnull=True)

    def awaiting_vote_from(self, user):
        return self.open().exclude(votes__voter=user)


class Proposal(models.Model):
    """A change to the definition, voted on by marketing and sales."""

    class Kind(models.TextChoices):
        ADD_STAGE = "add_stage", "Add a stage"
        CHANGE_STAGE = "change_stage", "Change a stage"
        REMOVE_STAGE = "remove_stage", "Remove a stage"
        ADD_CRITERION = "add_criterion", "Add a criterion"
        CHANGE_CRITERION = "change_criterion", "Change a criterion"
        REMOVE_CRITERION = "remove_criterion", "Remove a criterion"

    class Status(models.TextChoices):
        OPEN = "open", "Open for votes"
        PASSED = "passed", "Passed"
        FAILED = "failed", "Did not pass"
        WITHDRAWN = "withdrawn", "Withdrawn"
        SUPERSEDED = "superseded", "Superseded"

    class Origin(models.TextChoices):
        TYPED = "typed", "Typed in"
        MEETING = "meeting", "Meeting answers"
        FEEDBACK = "feedback", "Feedback finding"
        STARTING_LADDER = "ladder", "Starting ladder"

    definition = models.ForeignKey(Definition, on_delete=models.CASCADE, related_name="proposals")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # The stage or criterion this proposal acts on (its stable key across versions).
    target_key = models.CharField(max_length=40)
    # For a criterion: the key of the stage it belongs to.
    stage_key = models.CharField(max_length=40, blank=True)
    # The complete text and rule the stage or criterion would have (empty for a removal).
    payload = models.JSONField(default=dict, blank=True)
    title = models.CharField(max_length=200)
    rationale = models.TextField(blank=True)
    origin = models.CharField(max_length=20, choices=Origin.choices, default=Origin.TYPED)
    origin_label = models.CharField(max_length=300, blank=True)
    origin_url = models.CharField(max_length=300, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="proposals"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    # The consensus rule in force when the vote opened; changing the definition's rule later
    # rewrites nothing.
    quorum_percent = models.PositiveSmallIntegerField()
    threshold_percent = models.PositiveSmallIntegerField()
    opened_at = models.DateTimeField(default=timezone.now)
    closes_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(blank=True, help_text="Why it passed or not, when it closed.")
    # The verdict frozen when the vote closed (per department: eligible, voted, agree, can
    # live with it, disagree, block): later changes to people rewrite nothing.
    tally = models.JSONField(null=True, blank=True, editable=False)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    published_in = models.ForeignKey(
        "Version", null=True, blank=True, on_delete=models.PROTECT, related_name="proposals"
    )

    history = HistoricalRecords()
    objects = ProposalQuerySet.as_manager()

    class Meta:
        ordering = ["opened_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quorum_percent__gte=1, quorum_percent__lte=100)
                & Q(threshold_percent__gte=1, threshold_percent__lte=100),
                name="proposal_rule_range",
            ),
            models.CheckConstraint(
                condition=Q(status="open", closed_at__isnull=True)
                | (~Q(status="open") & Q(closed_at__isnull=False)),
                name="proposal_closed_at_matches_status",
            ),
            models.CheckConstraint(
                condition=Q(published_in__isnull=True) | Q(status="passed"),
                name="proposal_only_passed_are_published",
            ),
            models.CheckConstraint(
                condition=Q(status="open") | Q(tally__isnull=False),
                name="proposal_closed_keeps_its_tally",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["add_criterion", "change_criterion", "remove_criterion"])
                | ~Q(stage_key=""),
                name="proposal_criterion_names_its_stage",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("definitions:proposal", args=[self.definition_id, self.pk])

    @property
    def is_about_stage(self) -> bool:
        return self.kind.endswith("_stage")

    def is_open_at(self, now) -> bool:
        return self.status == self.Status.OPEN and (self.closes_at is None or self.closes_at > now)


class Vote(models.Model):
    """One current vote per person per proposal; every change is kept in its history."""

    class Position(models.TextChoices):
        AGREE = "agree", "Agree"
        LIVE_WITH = "live_with", "Can live with it"
        DISAGREE = "disagree", "Disagree"
        BLOCK = "block", "Block"

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="votes"
    )
    # The voter's department when they voted: the tally counts it there.
    department = models.CharField(max_length=20)
    position = models.CharField(max_length=20, choices=Position.choices)
    comment = models.TextField(blank=True)
    cast_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["cast_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "voter"], name="vote_one_per_person"),
            models.CheckConstraint(
                condition=Q(position__in=["agree", "live_with"]) | ~Q(comment=""),
                name="vote_objection_has_comment",
            ),
            models.CheckConstraint(
                condition=Q(position__in=["agree", "live_with", "disagree", "block"]),
                name="vote_position_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.voter} · {self.get_position_display()}"

    @property
    def department_label(self) -> str:
        return dict(Department.choices).get(self.department, self.department)


class SubmissionQuerySet(models.QuerySet):
    def awaiting_approval(self):
        return self.filter(status=Submission.Status.SUBMITTED)

    def awaiting_publication(self):
        return self.filter(status=Submission.Status.APPROVED)


class Submission(models.Model):
    """A draft submitted for an executive's approval; it freezes the content it submits."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Awaiting approval"
        SENT_BACK = "sent_back", "Sent back"
        APPROVED = "approved", "Approved, awaiting publication"
        PUBLISHED = "published", "Published"

    definition = models.ForeignKey(Definition, on_delete=models.CASCADE, related_name="submissions")
    content = models.JSONField()
    proposals = models.ManyToManyField(Proposal, related_name="submissions")
    change_summary = models.TextField()
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(blank=True)

    history = HistoricalRecords(m2m_fields=[proposals])
    objects = SubmissionQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            # One draft in review at a time per definition.
            models.UniqueConstraint(
                fields=["definition"],
                condition=Q(status__in=["submitted", "approved"]),
                name="submission_one_in_review",
            ),
            models.CheckConstraint(
                condition=~Q(status="sent_back") | ~Q(review_comment=""),
                name="submission_sent_back_has_comment",
            ),
            models.CheckConstraint(
                condition=Q(status="submitted") | Q(reviewed_by__isnull=False),
                name="submission_reviewed_has_reviewer",
            ),
        ]

    def __str__(self) -> str:
        return f"Draft of {self.definition} submitted {self.submitted_at:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("definitions:submission", args=[self.definition_id, self.pk])


class ImmutableQuerySet(models.QuerySet):
    """Published versions never change: bulk updates and deletes are refused too."""

    def update(self, **kwargs):
        raise PublishedVersionError()

    def delete(self):
        raise PublishedVersionError()

    def bulk_create(self, objs, *args, update_conflicts=False, **kwargs):
        # Inserting is publishing; "insert or update" would rewrite a published row.
        if update_conflicts:
            raise PublishedVersionError()
        return super().bulk_create(objs, *args, **kwargs)


class PublishedVersionError(ValidationError):
    def __init__(self):
        super().__init__("A published version never changes; propose a change instead.")


class Immutable(models.Model):
    """Rows written once, at publication, then never updated or deleted.

    save() refuses an update, delete() refuses; so does the QuerySet, the admin (read-only)
    and, on PostgreSQL, a trigger (migration 0003) for plain SQL.
    """

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PublishedVersionError()
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PublishedVersionError()


class VersionQuerySet(ImmutableQuerySet):
    def for_definition(self, definition):
        return self.filter(definition=definition)

    def latest_first(self):
        return self.order_by("-number")


class Version(Immutable):
    """A numbered, published, complete snapshot of a definition."""

    definition = models.ForeignKey(Definition, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    change_summary = models.TextField()
    ideal_customer_profile = models.TextField(blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(default=timezone.now)
    submission = models.OneToOneField(Submission, on_delete=models.PROTECT, related_name="version")

    objects = VersionQuerySet.as_manager()

    class Meta:
        ordering = ["definition", "number"]
        # Django's internal manager too, so `_base_manager.update()` is refused like the rest.
        base_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(fields=["definition", "number"], name="version_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="version_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.definition} v{self.number}"

    def get_absolute_url(self) -> str:
        return reverse("definitions:version", args=[self.definition_id, self.number])


class VersionStage(Immutable):
    version = models.ForeignKey(Version, on_delete=models.PROTECT, related_name="stages")
    key = models.CharField(max_length=40)
    position = models.PositiveSmallIntegerField()
    level = models.CharField(max_length=20, choices=StageLevel.choices)
    name = models.CharField(max_length=120)
    meaning = models.TextField(blank=True)
    owner = models.CharField(max_length=120, blank=True)
    routing = models.CharField(max_length=120, blank=True)
    follow_up = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["version", "position"]
        base_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="version_stage_key_unique"),
            models.UniqueConstraint(
                fields=["version", "position"], name="version_stage_position_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class VersionCriterion(Immutable):
    stage = models.ForeignKey(VersionStage, on_delete=models.PROTECT, related_name="criteria")
    key = models.CharField(max_length=40)
    position = models.PositiveSmallIntegerField()
    statement = models.CharField(max_length=300)
    guidance = models.TextField(blank=True)
    evidence = models.CharField(max_length=20, choices=EvidenceStandard.choices)
    rule = models.JSONField(null=True, blank=True)
    weight = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["stage", "position"]
        base_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(fields=["stage", "key"], name="version_criterion_key_unique"),
        ]

    def __str__(self) -> str:
        return self.statement
