"""Settings for guanxi, read from the environment.

Everything a deployment changes comes from ``GUANXI_*`` variables (and ``DATABASE_URL``), so
the same code runs embedded on SQLite and on PostgreSQL with Redis-backed workers.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if not value:
        return default
    return value.lower() in {"1", "true", "yes", "on"}


GUANXI_HOME = Path(env("GUANXI_HOME", "var")).resolve()
GUANXI_ENV = env("GUANXI_ENV", "development")  # development | production | test
PRODUCTION = GUANXI_ENV == "production"
GUANXI_HOME.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("GUANXI_DEBUG", False)


def _secret_key() -> str:
    key = env("GUANXI_SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("GUANXI_SECRET_KEY must be set when GUANXI_ENV=production.")
    # One machine, no configuration: a random key kept beside the data survives restarts.
    path = GUANXI_HOME / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()

if PRODUCTION:
    if DEBUG:
        raise ImproperlyConfigured("GUANXI_DEBUG must be off when GUANXI_ENV=production.")
    if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure") or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured("GUANXI_SECRET_KEY is too weak: use 50+ random characters.")

ALLOWED_HOSTS = [
    h.strip() for h in env("GUANXI_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",") if h
]
CSRF_TRUSTED_ORIGINS = [o for o in env("GUANXI_CSRF_TRUSTED_ORIGINS").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "huey.contrib.djhuey",
    "guanxi.core",
    "guanxi.customers",
    "guanxi.sales",
    "guanxi.leads",
    "guanxi.activities",
    "guanxi.dataio",
    "guanxi.analytics",
    "guanxi.web",
]

MIDDLEWARE = [
    "guanxi.core.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "guanxi.core.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "guanxi.core.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "guanxi.config.urls"
WSGI_APPLICATION = "guanxi.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "guanxi.web.context_processors.navigation",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
# SQLite in GUANXI_HOME by default; PostgreSQL when DATABASE_URL says so.
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=NORMAL;"
    "PRAGMA cache_size=-65536;"
    "PRAGMA mmap_size=268435456;"
    "PRAGMA temp_store=MEMORY;"
    "PRAGMA foreign_keys=ON;"
)


def database_config(url: str) -> dict:
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": GUANXI_HOME / "guanxi.sqlite3",
            # Each server thread keeps its connection, and with it SQLite's page cache,
            # across requests: opening one costs its pragmas and a cold cache every time.
            "CONN_MAX_AGE": 600,
            "OPTIONS": {
                "init_command": SQLITE_PRAGMAS,
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            "TEST": {"NAME": env("GUANXI_TEST_SQLITE_NAME") or None},
        }
    config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    if config["ENGINE"] == "django.db.backends.postgresql":
        # Generic plans from automatic prepared statements can turn an index search into a
        # table scan; keep psycopg from preparing statements behind our back.
        config.setdefault("OPTIONS", {})["prepare_threshold"] = None
        # No JIT compilation: the reports' sums over a quarter of a million orders cost
        # enough to trigger it, and compiling took longer than running them (540 of 960 ms
        # for sales by product, benchmarks/sales.py).
        config["OPTIONS"].setdefault("options", "-c jit=off")
    return config


DATABASES = {"default": database_config(env("DATABASE_URL"))}
if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    # Every request reads its session: from the cache (a file, or Redis) instead of a round
    # trip to the database server. Writes still go to the database, which stays the truth.
    # (SQLite answers in-process, as fast as the file cache.)
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -------------------------------------------------------------------------------------
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = ["guanxi.core.auth.UserBackend"]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Failed logins allowed per account (and per client address) in the window before refusal.
LOGIN_THROTTLE_ATTEMPTS = int(env("GUANXI_LOGIN_ATTEMPTS", "5"))
LOGIN_THROTTLE_WINDOW = int(env("GUANXI_LOGIN_WINDOW_SECONDS", "900"))

# --- Internationalisation ------------------------------------------------------------------------
LANGUAGE_CODE = env("GUANXI_LANGUAGE", "en")
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"  # storage; each user sees their own zone
DEFAULT_USER_TIME_ZONE = env("GUANXI_TIME_ZONE", "Asia/Shanghai")
# Off: with it, every {{ number }} is grouped, ids included ("1,293" in a link or a
# data attribute). Amounts and counts are grouped explicitly where people read them.
USE_THOUSAND_SEPARATOR = False
FORMAT_MODULE_PATH = ["guanxi.formats"]

# --- Static files -------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = GUANXI_HOME / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG

# --- Security -----------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'; object-src 'none'"
)
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("GUANXI_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(env("GUANXI_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SILENCED_SYSTEM_CHECKS: list[str] = []

# --- Cache (login throttling, rate limits) --------------------------------------------------------
REDIS_URL = env("GUANXI_REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        },
        "counters": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        },
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(GUANXI_HOME / "cache"),
        },
        # Web-form rate counters, written on every submission: in memory, shared by the
        # threads of the one `guanxi serve` process (a file write per post costs 1-4 ms on
        # a busy disk). Several processes without Redis each count on their own.
        "counters": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }

# --- Email: notifications go out through this SMTP server when one is configured -------------
# GUANXI_SMTP_URL=smtp://user:password@smtp.example.com:587?tls (or ?ssl); empty: no email.
SMTP_URL = env("GUANXI_SMTP_URL")
DEFAULT_FROM_EMAIL = env("GUANXI_EMAIL_FROM", "guanxi <noreply@localhost>")
EMAIL_NOTIFICATIONS = bool(SMTP_URL)
if SMTP_URL:
    from urllib.parse import unquote, urlsplit

    _smtp = urlsplit(SMTP_URL)
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _smtp.hostname or "localhost"
    EMAIL_PORT = _smtp.port or (465 if "ssl" in _smtp.query else 25)
    EMAIL_HOST_USER = unquote(_smtp.username or "")
    EMAIL_HOST_PASSWORD = unquote(_smtp.password or "")
    EMAIL_USE_TLS = "tls" in _smtp.query.split("&")
    EMAIL_USE_SSL = "ssl" in _smtp.query.split("&")
    EMAIL_TIMEOUT = 20
PUBLIC_URL = env("GUANXI_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
# Set: links that leave guanxi (web-form snippets) use it; unset: the address of the request.
PUBLIC_URL_SET = bool(env("GUANXI_PUBLIC_URL"))
# Reverse proxies in front of guanxi whose X-Forwarded-For is believed (comma-separated
# addresses); rate limits then count the client's address instead of the proxy's.
TRUSTED_PROXIES = frozenset(a.strip() for a in env("GUANXI_TRUSTED_PROXIES").split(",") if a)

# Web forms: submissions allowed per form and client address ("count/seconds"), body cap.
LEAD_FORM_RATE = env("GUANXI_LEAD_FORM_RATE", "10/600")
LEAD_FORM_MAX_BYTES = int(env("GUANXI_LEAD_FORM_MAX_BYTES", "20480"))

# --- Import and export -------------------------------------------------------------------------
# Uploaded files and finished exports live here until their job is deleted.
DATAIO_DIR = GUANXI_HOME / "dataio"
IMPORT_MAX_BYTES = int(env("GUANXI_IMPORT_MAX_BYTES", str(1024 * 1024 * 1024)))
IMPORT_BATCH_ROWS = int(env("GUANXI_IMPORT_BATCH_ROWS", "5000"))
# Processes that parse and check rows while the job writes the previous batch; 0: none.
# One core is the job's (and the database's): the others check rows, at most two.
IMPORT_WORKERS = int(env("GUANXI_IMPORT_WORKERS", str(max(1, min(2, (os.cpu_count() or 2) - 1)))))
EXPORT_BATCH_ROWS = int(env("GUANXI_EXPORT_BATCH_ROWS", "5000"))

# --- Background jobs ----------------------------------------------------------------------------
HUEY = {
    "name": "guanxi",
    "immediate": GUANXI_ENV == "test" or env_bool("GUANXI_JOBS_IMMEDIATE", False),
    "results": True,
    "utc": True,
}
if REDIS_URL:
    HUEY.update({"huey_class": "huey.RedisHuey", "url": REDIS_URL})
else:
    HUEY.update({"huey_class": "huey.SqliteHuey", "filename": str(GUANXI_HOME / "jobs.sqlite3")})

# --- Logging: one JSON object per line ----------------------------------------------------------
LOG_LEVEL = env("GUANXI_LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "guanxi.core.logging.JsonFormatter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["stderr"], "level": LOG_LEVEL},
    "loggers": {
        "django.server": {"level": "WARNING"},
        "waitress.queue": {"level": "ERROR"},
    },
}

# --- API ----------------------------------------------------------------------------------------
NINJA_PAGINATION_MAX_LIMIT = 200
API_PAGE_DEFAULT = 50
