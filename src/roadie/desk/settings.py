"""One settings module, driven by ROADIE_* environment variables.

SQLite (WAL) in ``ROADIE_DATA_DIR`` is the embedded default; ``ROADIE_DATABASE_URL``
(e.g. ``postgres://user@host/db``) switches to PostgreSQL without code changes.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from roadie.engine import routing_defaults

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("ROADIE_DATA_DIR", Path.cwd() / "var")).resolve()

DEBUG = os.environ.get("ROADIE_DEBUG", "") == "1"
# Production sets ROADIE_SECRET_KEY (`roadie serve` refuses to start without it); the demo
# generates its own under ROADIE_DATA_DIR; tests and one-off commands fall back to a
# development key that is published here and so protects nothing.
INSECURE_SECRET_KEY = "roadie-insecure-development-key-change-me"
SECRET_KEY = os.environ.get("ROADIE_SECRET_KEY") or INSECURE_SECRET_KEY
ALLOWED_HOSTS = [h for h in os.environ.get("ROADIE_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("ROADIE_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

# Behind HTTPS (ROADIE_HTTPS=1): cookies only over HTTPS, HSTS, and the proxy's
# X-Forwarded-Proto trusted to say the request came in over HTTPS (see docs/operations.md).
HTTPS = os.environ.get("ROADIE_HTTPS", "") == "1"
if HTTPS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("ROADIE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = os.environ.get("ROADIE_HSTS_SUBDOMAINS", "") == "1"
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = os.environ.get("ROADIE_SSL_REDIRECT", "1") == "1"
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "ninja",  # serves Swagger UI for /api/docs from its own static files (no CDN)
    "roadie.desk.accounts",
    "roadie.desk.brands",
    "roadie.desk.agents",
    "roadie.desk.contacts",
    "roadie.desk.routing",
    "roadie.desk.audit",
    "roadie.desk.live",
    "roadie.desk.throttle",
    "roadie.desk.kb",
    "roadie.desk.planning",
    "roadie.desk.quality",
    "roadie.desk.scheduling",
    "roadie.desk.pay",
    "roadie.desk.web",
    "roadie.desk.console",
    "roadie.connectors.email",
    "roadie.connectors.chat",
    "roadie.connectors.whatsapp",
    "roadie.connectors.social",
    "roadie.connectors.voice",
    "roadie.connectors.video",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "roadie.desk.web.middleware.BodySizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "roadie.desk.urls"
ASGI_APPLICATION = "roadie.desk.asgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/login/"
# Passwords people choose (invitation page, createsuperuser): Django's usual checks.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "roadie.desk.accounts.context.capabilities",
            ],
        },
    },
]


def _database() -> dict:
    url = os.environ.get("ROADIE_DATABASE_URL", "")
    if url:
        db = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
        db.setdefault("TEST", {})["NAME"] = os.environ.get("ROADIE_TEST_DATABASE_NAME", "test_roadie")
        return db
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("ROADIE_SQLITE_PATH", str(DATA_DIR / "roadie.sqlite3")),
        "OPTIONS": {
            # WAL lets the web, dispatcher and worker read while one writes; IMMEDIATE
            # transactions take the write lock up front, so two writers queue instead of
            # failing with "database is locked" on lock upgrade.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
        },
        "TEST": {"NAME": os.environ.get("ROADIE_SQLITE_TEST_PATH") or None},
    }


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {
    "default": {
        "BACKEND": os.environ.get(
            "ROADIE_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"
        ),
    }
}

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("Français"))]
# One catalogue for the whole package (desk and connectors).
LOCALE_PATHS = [BASE_DIR.parent / "locale"]
TIME_ZONE = os.environ.get("ROADIE_TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Serve app static files straight from the package in every mode (no collectstatic step).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Intake limits: a body larger than this is refused with 413 before it is parsed.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("ROADIE_MAX_BODY_BYTES", 2 * 1024 * 1024))
# The reply form with its attachments (their own limits: ROADIE_MAIL_*_MAX_BYTES).
ROADIE_MAX_UPLOAD_BYTES = int(os.environ.get("ROADIE_MAX_UPLOAD_BYTES", 25 * 1024 * 1024))

# Routing timings (seconds). The offer rules' defaults are the simulator's too (one module).
ROADIE_OFFER_TIMEOUT = float(os.environ.get("ROADIE_OFFER_TIMEOUT", routing_defaults.OFFER_TIMEOUT))
ROADIE_DISPATCH_INTERVAL = float(os.environ.get("ROADIE_DISPATCH_INTERVAL", "0.5"))
# On SQLite (no LISTEN/NOTIFY) the dispatcher looks for new routing events this often.
ROADIE_DISPATCH_POLL = float(os.environ.get("ROADIE_DISPATCH_POLL", "0.05"))
# Offer rules (docs/routing.md): a contact is not offered again to an agent who declined it (or
# let it time out) for this long unless nobody else qualified is available; after this many
# offers in a row left to time out an agent is put on a break (0: never); an agent holds at
# most this many offers not yet accepted.
ROADIE_DECLINE_COOLDOWN = float(os.environ.get("ROADIE_DECLINE_COOLDOWN", routing_defaults.DECLINE_COOLDOWN))
ROADIE_AWAY_AFTER_NO_ANSWERS = int(os.environ.get("ROADIE_AWAY_AFTER_NO_ANSWERS", routing_defaults.AWAY_AFTER_NO_ANSWERS))
# Supervisors are the last tier of every pooled brand's cascade, this long after the last overflow.
ROADIE_SUPERVISORS_AFTER = float(os.environ.get("ROADIE_SUPERVISORS_AFTER", routing_defaults.SUPERVISORS_AFTER))
ROADIE_MAX_PENDING_OFFERS = int(os.environ.get("ROADIE_MAX_PENDING_OFFERS", routing_defaults.MAX_PENDING_OFFERS))
# The dispatcher keeps its routing core in memory, fed by events ("events"), and starts a
# sweep comparing it with the database this often, counting and repairing what differed, one
# slice of this many contacts and agents per round; "rebuild" reads it all every round.
ROADIE_DISPATCH_MODE = os.environ.get("ROADIE_DISPATCH_MODE", "events")
ROADIE_RECONCILE_SECONDS = float(os.environ.get("ROADIE_RECONCILE_SECONDS", "30"))
ROADIE_RECONCILE_SLICE = int(os.environ.get("ROADIE_RECONCILE_SLICE", "500"))
# Pool partitions dealt among the running dispatchers (PostgreSQL; SQLite has one).
ROADIE_DISPATCH_PARTITIONS = int(os.environ.get("ROADIE_DISPATCH_PARTITIONS", "1"))
# How long a dispatcher's lease row runs unrenewed (SQLite: a standby waits that long after a
# crash; PostgreSQL: the advisory lock decides, the row is the board's and /healthz's view).
ROADIE_DISPATCH_LEASE_SECONDS = float(os.environ.get("ROADIE_DISPATCH_LEASE_SECONDS", "10"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    # Every unhandled exception of every process reaches the root logger (django.request
    # logs the 500s of the web process; the other processes log theirs through roadie.*).
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "roadie": {"handlers": ["console"], "level": os.environ.get("ROADIE_LOG_LEVEL", "INFO"),
                   "propagate": False},
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}
# Live events older than this are pruned by the dispatcher.
ROADIE_LIVE_EVENT_HOURS = float(os.environ.get("ROADIE_LIVE_EVENT_HOURS", "24"))
# An available agent whose page or client has not been heard from for this long goes offline.
ROADIE_AGENT_STALE_SECONDS = float(os.environ.get("ROADIE_AGENT_STALE_SECONDS", "90"))
# Sign-language video meetings: {brand}, {contact_id} and {token} are filled in (a Jitsi server...).
ROADIE_VIDEO_URL_TEMPLATE = os.environ.get(
    "ROADIE_VIDEO_URL_TEMPLATE", "https://meet.jit.si/roadie-{brand}-{contact_id}-{token}"
)

# Security (docs/security.md). Mail roadie itself sends (identity confirmation links) goes
# through the same relay as replies; none configured: held and logged.
EMAIL_HOST = os.environ.get("ROADIE_SMTP_HOST", "")
EMAIL_PORT = int(os.environ.get("ROADIE_SMTP_PORT", "25") or 25)
EMAIL_HOST_USER = os.environ.get("ROADIE_SMTP_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("ROADIE_SMTP_PASSWORD", "")
DEFAULT_FROM_EMAIL = os.environ.get("ROADIE_MAIL_FROM", "no-reply@roadie.invalid")
# Refused raw payloads (unknown address, bad signature, invalid form) are deleted after this
# many days (the dispatcher prunes them); accepted ones are kept.
ROADIE_RAW_REJECTED_DAYS = float(os.environ.get("ROADIE_RAW_REJECTED_DAYS", "7"))
# The address customers reach roadie at (links in mail roadie sends).
ROADIE_PUBLIC_URL = os.environ.get("ROADIE_PUBLIC_URL", "http://127.0.0.1:8000")
