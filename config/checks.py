"""Deploy checks (`manage.py check --deploy`) for what several app servers must share."""

from django.conf import settings
from django.core import checks

ONE_PROCESS_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.filebased.FileBasedCache",
)


@checks.register(checks.Tags.caches, deploy=True)
def shared_cache(app_configs, **kwargs):
    if settings.CACHES["default"]["BACKEND"] in ONE_PROCESS_CACHES:
        return [
            checks.Warning(
                "The cache is not shared between app servers: rate limits multiply by the "
                "number of servers and an import's progress may not show.",
                hint="Set CACHE_URL=redis://host:6379/0.",
                id="accord.W001",
            )
        ]
    return []


@checks.register(deploy=True)
def background_tasks(app_configs, **kwargs):
    if settings.TASKS["default"]["BACKEND"].endswith("ImmediateBackend"):
        return [
            checks.Warning(
                "Background tasks run inside the request (TASK_BACKEND=immediate): a long "
                "import or a slow mail server holds up the page.",
                hint="Leave TASK_BACKEND unset (database) and run `manage.py db_worker`.",
                id="accord.W002",
            )
        ]
    return []
