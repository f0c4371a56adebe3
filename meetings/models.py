"""Alignment meetings, the first three steps of the Universal Lead Definition: meet, ask
everyone, confirm."""

from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

# The Universal Lead Definition's “ask the question” step: the questions every alignment
# meeting asks by default.
DEFAULT_QUESTIONS = [
    "What do you consider a qualified lead?",
    "What are the characteristics of the ideal sales opportunity?",
    "Who should we be contacting?",
    "Who is involved in the buying process?",
]


class Rights(models.Model):
    """Holds the meetings app's role permissions; it has no table."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("facilitate", "Can schedule and run alignment meetings")]

    def __str__(self) -> str:
        return "rights"


class MeetingQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Facilitators see every meeting; anyone else the meetings they are invited to."""
        if not user.is_authenticated:
            return self.none()
        if user.has_perm("meetings.facilitate"):
            return self
        invited = Attendance.objects.filter(person=user).values("meeting_id")
        return self.filter(Q(pk__in=invited) | Q(facilitator=user))

    def not_closed(self):
        return self.exclude(status=Meeting.Status.CLOSED)

    def closed(self):
        return self.filter(status=Meeting.Status.CLOSED)

    def for_definition(self, definition):
        return self.filter(definition=definition)


class Meeting(models.Model):
    class Kind(models.TextChoices):
        KICKOFF = "kickoff", "Kickoff"
        CONFIRMATION = "confirmation", "Confirmation"
        REVIEW = "review", "Review"

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        IN_PROGRESS = "in_progress", "In progress"
        CLOSED = "closed", "Closed"

    definition = models.ForeignKey(
        "definitions.Definition", on_delete=models.PROTECT, related_name="meetings"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.KICKOFF)
    title = models.CharField(max_length=200)
    starts_at = models.DateTimeField("starts at")
    duration_minutes = models.PositiveSmallIntegerField(
        "length (minutes)",
        default=60,
        validators=[MinValueValidator(5), MaxValueValidator(480)],
        help_text="From 5 minutes to 8 hours.",
    )
    place = models.CharField(max_length=200, blank=True, help_text="A room, if you meet in one.")
    call_link = models.URLField(
        "call link", blank=True, help_text="A video call address (https://…)."
    )
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="facilitated_meetings"
    )
    sponsor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="sponsored_meetings",
        null=True,
        blank=True,
        verbose_name="executive sponsor",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLANNED)
    closed_at = models.DateTimeField(null=True, blank=True)
    follows = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="follow_ups",
        help_text="The meeting this one follows up.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()
    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5, duration_minutes__lte=480),
                name="meeting_duration_range",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["planned", "in_progress", "closed"]),
                name="meeting_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["kickoff", "confirmation", "review"]),
                name="meeting_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="closed", closed_at__isnull=False)
                | (~Q(status="closed") & Q(closed_at__isnull=True)),
                name="meeting_closed_at_matches_status",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("meetings:detail", args=[self.pk])

    @property
    def ends_at(self):
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED


class Attendance(models.Model):
    """An invitation; `present` is recorded during the meeting (None: not taken yet)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendances")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="meeting_attendances"
    )
    # The person's department when invited: the board groups answers by it.
    department = models.CharField(max_length=20)
    present = models.BooleanField(null=True, blank=True)
    invited_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["department", "person__full_name"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "person"], name="attendance_one_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.person} at {self.meeting}"


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    # A confirmation meeting lists proposals up for a vote.
    proposal = models.ForeignKey(
        "definitions.Proposal",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="meeting_agenda_items",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["meeting", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "proposal"],
                condition=Q(proposal__isnull=False),
                name="agenda_item_proposal_once",
            ),
            models.CheckConstraint(condition=~Q(title=""), name="agenda_item_has_title"),
        ]

    def __str__(self) -> str:
        return self.title


class QuestionQuerySet(models.QuerySet):
    def unanswered_by(self, user):
        """Questions of open meetings `user` is invited to and has not answered."""
        return (
            self.filter(meeting__attendances__person=user)
            .exclude(meeting__status=Meeting.Status.CLOSED)
            .exclude(answers__person=user)
        )


class Question(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=300)

    history = HistoricalRecords()
    objects = QuestionQuerySet.as_manager()

    class Meta:
        ordering = ["meeting", "position", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="question_has_text"),
        ]

    def __str__(self) -> str:
        return self.text


class AnswerQuerySet(models.QuerySet):
    def for_meeting(self, meeting):
        return self.filter(question__meeting=meeting)

    def by(self, user):
        return self.filter(person=user)


class Answer(models.Model):
    """One answer per person per question, editable until the meeting closes."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="meeting_answers"
    )
    text = models.TextField(max_length=5000)
    answered_at = models.DateTimeField(default=timezone.now)
    # Proposals made from this answer; each proposal links back through its origin_url.
    proposals = models.ManyToManyField(
        "definitions.Proposal", blank=True, related_name="meeting_answers"
    )

    history = HistoricalRecords(m2m_fields=[proposals])
    objects = AnswerQuerySet.as_manager()

    class Meta:
        ordering = ["question", "person__department", "person__full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["question", "person"], name="answer_one_per_person_per_question"
            ),
            models.CheckConstraint(condition=~Q(text=""), name="answer_has_text"),
        ]

    def __str__(self) -> str:
        return f"{self.person} on “{self.question}”"


class Minutes(models.Model):
    """The meeting's notes, in Markdown; rendered only through the sanitiser."""

    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="minutes")
    text = models.TextField(max_length=50_000, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "minutes"

    def __str__(self) -> str:
        return f"Minutes of {self.meeting}"


class ActionItemQuerySet(models.QuerySet):
    def open(self):
        return self.filter(done_at__isnull=True)

    def overdue(self, today=None):
        return self.open().filter(due__lt=today or timezone.localdate())

    def owned_by(self, user):
        return self.filter(owner=user)


class ActionItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="action_items")
    text = models.CharField(max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="meeting_action_items"
    )
    due = models.DateField("due date")
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()
    objects = ActionItemQuerySet.as_manager()

    class Meta:
        ordering = ["due", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="action_item_has_text"),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    def is_overdue(self, today=None) -> bool:
        return not self.is_done and self.due < (today or timezone.localdate())


class Summary(models.Model):
    """What the meeting concluded; each attendee confirms it or raises a concern.

    Republishing a changed summary bumps `revision`: earlier confirmations no longer count.
    """

    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="summary")
    text = models.TextField(max_length=20_000)
    revision = models.PositiveIntegerField(default=1)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "summaries"
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="summary_has_text"),
            models.CheckConstraint(condition=Q(revision__gte=1), name="summary_revision_positive"),
        ]

    def __str__(self) -> str:
        return f"Summary of {self.meeting}"


class ConfirmationQuerySet(models.QuerySet):
    def current(self):
        """Confirmations given on the summary as it reads now."""
        return self.filter(revision=models.F("summary__revision"))


class Confirmation(models.Model):
    class Position(models.TextChoices):
        CONFIRM = "confirm", "The summary is right"
        CONCERN = "concern", "I have a concern"

    summary = models.ForeignKey(Summary, on_delete=models.CASCADE, related_name="confirmations")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="meeting_confirmations"
    )
    position = models.CharField(max_length=20, choices=Position.choices)
    comment = models.TextField(max_length=5000, blank=True)
    revision = models.PositiveIntegerField()
    given_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()
    objects = ConfirmationQuerySet.as_manager()

    class Meta:
        ordering = ["person__department", "person__full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["summary", "person"], name="confirmation_one_per_person"
            ),
            models.CheckConstraint(
                condition=Q(position="confirm") | (Q(position="concern") & ~Q(comment="")),
                name="confirmation_concern_has_comment",
            ),
            models.CheckConstraint(
                condition=Q(position__in=["confirm", "concern"]),
                name="confirmation_position_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person}: {self.get_position_display()}"
