"""People: a custom user who signs in with an e-mail address and belongs to a department."""

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from simple_history.models import HistoricalRecords


class Department(models.TextChoices):
    MARKETING = "marketing", "Marketing"
    SALES = "sales", "Sales"
    OTHER = "other", "Other"


class UserQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def in_department(self, department: str):
        return self.filter(department=department)

    def with_permission(self, perm: str):
        """People holding `app_label.codename` through a group or directly (or superusers)."""
        app_label, codename = perm.split(".", 1)
        matches = models.Q(
            groups__permissions__codename=codename,
            groups__permissions__content_type__app_label=app_label,
        ) | models.Q(
            user_permissions__codename=codename,
            user_permissions__content_type__app_label=app_label,
        )
        return self.filter(matches | models.Q(is_superuser=True)).distinct()


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    # Kept out of the migrations, so that no migration imports application code (migrations
    # create no users; code that does goes through the real model).
    use_in_migrations = False

    def create_user(self, email: str, password: str | None = None, **fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields):
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField("e-mail address", unique=True)
    full_name = models.CharField(max_length=150)
    title = models.CharField(max_length=150, blank=True, help_text="Job title, e.g. VP Sales.")
    department = models.CharField(
        max_length=20, choices=Department.choices, default=Department.OTHER
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        "staff status", default=False, help_text="Can sign in to the admin site."
    )
    date_joined = models.DateTimeField(default=timezone.now)
    announcements = models.BooleanField("e-mail me when a new version is published", default=True)

    # Bumped when the person replaces their feed and embed links: every read key signed
    # with an earlier generation stops working.
    read_key_generation = models.PositiveIntegerField(default=0, editable=False)

    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
            models.CheckConstraint(
                condition=models.Q(department__in=Department.values),
                name="accounts_user_department_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def role_names(self) -> list[str]:
        """The names of this person's roles, for display; "Member" when they hold none."""
        from accounts.roles import roles_of

        return roles_of(self)


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class ApiToken(models.Model):
    """A personal API token: stored as a SHA-256 digest, shown once, carries its owner's rights."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80, help_text="What it is for, e.g. “HubSpot sync”.")
    prefix = models.CharField(max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["digest", "last_used_at"])
    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"token {self.pk} ({self.prefix}…)"


class MailingQuerySet(models.QuerySet):
    def troubled_for(self, user):
        """The mail `user` must hear about: given up on, or still being retried."""
        return self.filter(notify=user, status__in=[Mailing.Status.FAILED, Mailing.Status.RETRYING])


class Mailing(models.Model):
    """One batch of e-mail sent by a background task (an announcement, meeting reminders):
    its attempts and its last error, so a failure reaches the person who asked for it."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RETRYING = "retrying", "Retrying"
        SENT = "sent", "Sent"
        FAILED = "failed", "Not sent"

    subject = models.CharField(max_length=255)
    link = models.CharField(max_length=500, blank=True, help_text="The page the mail is about.")
    notify = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_count = models.PositiveIntegerField(default=0)
    # The task that sends it, called as task(mailing.pk, *task_args): how it is sent again.
    task_path = models.CharField(max_length=200)
    task_args = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = MailingQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["queued", "retrying", "sent", "failed"]),
                name="accounts_mailing_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} ({self.get_status_display()})"
