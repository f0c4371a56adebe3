"""Fixtures shared by every test: people per role, signed-in clients, fast hashing."""

import os

import pytest
from django.test import Client

from tests.accounts.factories import UserFactory

# Playwright's sync API keeps an event loop running in the test process, which makes
# Django refuse ORM calls from live_server tests unless this is set. Tests only.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    """Cached pages are keyed by stamps of the data (newest ids, row counts); a test's data,
    rolled back, can give the next test the same stamp for other data. Each test starts
    with an empty cache: the process's own memory cache (a shared one is left alone)."""
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    if isinstance(caches["default"], LocMemCache):
        caches["default"].clear()


@pytest.fixture(autouse=True)
def _pages_kept(settings):
    """Kept pages on, as in production: one test process shares its memory cache with its
    live server's threads, so every write the suite makes must reach the pages it reads."""
    settings.KEPT_PAGES = True


@pytest.fixture
def pages_drawn(settings):
    """Every page drawn each time (no kept pages): for tests that count what drawing costs."""
    settings.KEPT_PAGES = False


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings):
    """Background tasks run when they are enqueued (after the commit), so a test sees their
    effect; tests of the queue itself use the `task_queue` fixture (the database backend)."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def task_queue(settings):
    """The production backend (tasks stored in the database); `task_queue.run()` works
    through what is due, as `manage.py db_worker` would, and returns how many it ran."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    return TaskQueue()


class TaskQueue:
    def ready(self, now=None):
        from django.db.models import Q
        from django.tasks import TaskResultStatus
        from django.utils import timezone
        from django_tasks_db.models import DBTaskResult, get_date_max

        return DBTaskResult.objects.filter(status=TaskResultStatus.READY).filter(
            Q(run_after=get_date_max()) | Q(run_after__lte=now or timezone.now())
        )

    def run(self, now=None, limit=None) -> int:
        """Run every task due by `now` (later ones too when `now` is in the future), or the
        first `limit` of them."""
        ran = 0
        while ran != limit and (
            result := self.ready(now).order_by("run_after", "enqueued_at").first()
        ):
            result.claim("test-worker")
            try:
                value = result.task.call(*result.task_result.args, **result.task_result.kwargs)
            except Exception as error:
                result.set_failed(error)
            else:
                result.set_successful(value)
            ran += 1
        return ran


@pytest.fixture
def marketer(db):
    return UserFactory(department="marketing", full_name="Maya Marketer")


@pytest.fixture
def member(marketer):
    """A person with no role: everyone who is not a facilitator, executive or admin."""
    return marketer


@pytest.fixture
def sales_rep(db):
    return UserFactory(department="sales", full_name="Sam Seller")


@pytest.fixture
def facilitator(db):
    return UserFactory(department="other", full_name="Fran Facilitator", roles=["Facilitator"])


@pytest.fixture
def executive(db):
    return UserFactory(department="sales", full_name="Elena Executive", roles=["Executive"])


@pytest.fixture
def admin_user(db):
    return UserFactory(department="other", full_name="Ada Admin", roles=["Admin"], is_staff=True)


@pytest.fixture
def client_as(db):
    """`client_as(user)` gives a Client signed in as that person."""

    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make
