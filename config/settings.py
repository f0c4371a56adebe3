"""Accord's one settings file: everything that differs between machines comes from the environment.

ACCORD_ENV=development (the default) is safe on a laptop; ACCORD_ENV=production turns DEBUG off,
demands a real SECRET_KEY and ALLOWED_HOSTS, and switches on the HTTPS protections.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


ACCORD_ENV = env("ACCORD_ENV", "development")
if ACCORD_ENV not in {"development", "production"}:
    raise ImproperlyConfigured("ACCORD_ENV must be 'development' or 'production'.")
PRODUCTION = ACCORD_ENV == "production"

DEBUG = env_bool("DEBUG", default=not PRODUCTION)

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set when ACCORD_ENV=production.")
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,[::1]")
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when ACCORD_ENV=production.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# The address people reach Accord at, for links in e-mails and feeds.
SITE_URL = env("SITE_URL", "" if PRODUCTION else "http://127.0.0.1:8000")
if PRODUCTION and not SITE_URL:
    raise ImproperlyConfigured("SITE_URL must be set when ACCORD_ENV=production.")
# Enough for the API's largest lead submission (5 000 leads); files have their own limits.
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
# Where the read-only embed of a definition may be framed (the company intranet).
EMBED_FRAME_ANCESTORS = env_list("EMBED_FRAME_ANCESTORS", "'self'")
API_RATE_LIMIT = env("API_RATE_LIMIT", "120/m")  # per person, over all their tokens
API_TOKENS_PER_PERSON = int(env("API_TOKENS_PER_PERSON", "5"))
# The currency deal amounts are shown in (ISO 4217 code or symbol), e.g. on the numbers page.
DEAL_CURRENCY = env("DEAL_CURRENCY", "USD")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "simple_history",
    "django_tasks_db",
    "axes",
    "accounts",
    "definitions",
    "meetings",
    "feedback",
    "numbers_app",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "config.htmx.HtmxResponseMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, so it sees the sign-in failures of every view below it and answers lockouts.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(env("DB_CONN_MAX_AGE", "60" if PRODUCTION else "0")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock up front, so concurrent writers queue
    # instead of failing with "database is locked" halfway through. WAL lets pages (and the
    # import's progress polls) read while a long import holds the write lock.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Refuses sign-ins of a locked-out account or address before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend, with permissions read in one query rather than two.
    "accounts.backends.ModelPermissionsBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}


def cache_from_url(url: str) -> dict:
    """CACHE_URL: redis://host:port/db (shared by every server), file:///dir (shared by the
    processes of one machine), or empty for one process's memory (development, tests)."""
    if url.startswith(("redis://", "rediss://")):
        # When Redis is down, pages still serve: reads miss, writes are skipped (config/cache.py).
        return {
            "BACKEND": "config.cache.FailSoftRedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    if url.startswith("file://"):
        return {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": url.removeprefix("file://"),
        }
    if url in ("", "locmem://"):
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    raise ImproperlyConfigured("CACHE_URL must start with redis://, rediss:// or file://.")


def caches_for(url: str) -> dict:
    """CACHES for a CACHE_URL. Rate-limit counters must be seen by every app server: in the
    shared Redis when there is one, otherwise in the database (`manage.py createcachetable`;
    `make migrate` runs it); while that Redis is down they are counted in the database too."""
    in_database = {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "accord_throttle",
    }
    if not url.startswith(("redis://", "rediss://")):
        return {"default": cache_from_url(url), "throttle": in_database}
    redis = cache_from_url(url)
    throttle = redis | {"KEY_PREFIX": "throttle"}
    throttle["OPTIONS"] = redis["OPTIONS"] | {"FALLBACK": "throttle_database"}
    return {"default": redis, "throttle": throttle, "throttle_database": in_database}


# Rate limits, import progress and the numbers' figures live in the cache: production runs
# several servers, so it sets CACHE_URL to a Redis they share.
CACHE_URL = env("CACHE_URL")
CACHES = caches_for(CACHE_URL)

# A signed-in person's main pages, read again, come from the cache until anything is
# written (config/kept_pages.py). On by default only with a cache every process shares:
# with one process's memory, a write in one server would not reach another's pages.
KEPT_PAGES = env_bool("KEPT_PAGES", default=CACHE_URL.startswith(("redis", "file://")))

# Background work (imports, re-runs of the check, e-mail, closing votes) runs through
# django.tasks. `database` keeps the queue in the app's own database (django-tasks-db) and
# needs a worker (`manage.py db_worker`); `immediate` runs each task inside the request that
# enqueues it.
TASK_BACKEND = env("TASK_BACKEND", "database")
TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django.tasks.backends.immediate.ImmediateBackend",
}
if TASK_BACKEND not in TASK_BACKENDS:
    raise ImproperlyConfigured("TASK_BACKEND must be 'database' or 'immediate'.")
TASKS = {
    "default": {"BACKEND": TASK_BACKENDS[TASK_BACKEND]},
}

# Sign-in throttling (django-axes, state in the database so every app server shares it):
# an e-mail address is locked after SIGN_IN_FAILURE_LIMIT failures in a row, one network
# address after SIGN_IN_ADDRESS_FAILURE_LIMIT failures over any accounts, for the cool-off.
# Attempts are recorded for any address typed, so a lockout says nothing about whether an
# account exists. Admins lift lockouts under "Access attempts" in the admin.
SIGN_IN_FAILURE_LIMIT = int(env("SIGN_IN_FAILURE_LIMIT", "10"))
SIGN_IN_ADDRESS_FAILURE_LIMIT = int(env("SIGN_IN_ADDRESS_FAILURE_LIMIT", "50"))
AXES_FAILURE_LIMIT = SIGN_IN_FAILURE_LIMIT
AXES_HANDLER = "accounts.throttling.SignInAttemptHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_COOLOFF_TIME = timedelta(minutes=int(env("SIGN_IN_COOLOFF_MINUTES", "15")))
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "accounts.throttling.sign_in_name"
AXES_LOCKOUT_CALLABLE = "accounts.throttling.sign_in_locked"
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False
# The client's address is the connection's own unless TRUSTED_PROXY_COUNT load balancers
# in front of the app set X-Forwarded-For (a header anyone else could forge).
TRUSTED_PROXY_COUNT = int(env("TRUSTED_PROXY_COUNT", "1" if PRODUCTION else "0"))
AXES_CLIENT_IP_CALLABLE = "accounts.throttling.client_address"
# Password-reset e-mails and wrong API tokens, per network address (and per e-mail address
# for resets), counted in the database-backed "throttle" cache shared by every app server.
PASSWORD_RESET_RATE_LIMIT = env("PASSWORD_RESET_RATE_LIMIT", "5/h")
API_TOKEN_FAILURE_RATE_LIMIT = env("API_TOKEN_FAILURE_RATE_LIMIT", "20/h")

# Sessions live in the database so that any number of app servers can serve a person.
# Sessions stay in the database (every server sees them, a cache flush signs no one out) and
# are read from the cache: one query less on every signed-in request.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

EMAIL_BACKEND_PATH = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
SMTP_OPTIONS = {
    "host": env("EMAIL_HOST", "localhost"),
    "port": int(env("EMAIL_PORT", "25")),
    "username": env("EMAIL_HOST_USER"),
    "password": env("EMAIL_HOST_PASSWORD"),
    "use_tls": env_bool("EMAIL_USE_TLS", default=False),
}
MAILERS = {
    "default": {
        "BACKEND": EMAIL_BACKEND_PATH,
        "OPTIONS": SMTP_OPTIONS if EMAIL_BACKEND_PATH.endswith("smtp.EmailBackend") else {},
    }
}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Accord <accord@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Content Security Policy: only our own scripts and styles; htmx is served from static/ and
# configured (base.html) not to inject inline styles or evaluate code.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True

if PRODUCTION:
    # TLS ends at the load balancer, which tells us so with X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    # Axes logs every failed sign-in at INFO and WARNING; a lockout is what matters.
    "loggers": {"axes": {"level": env("AXES_LOG_LEVEL", "ERROR")}},
}
