"""Settings for midi_regions, read from the environment.

Two runtimes share this file:
- embedded (no variables set): SQLite under var/, Celery on a filesystem broker under var/,
  local-memory cache, email printed to the console;
- production: DATABASE_URL (PostgreSQL) and REDIS_URL (Celery broker, results and cache).
Every variable is documented in .env.example. A bad value fails loudly at start-up.
"""

import importlib.util
import ipaddress
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from core.db import prepare_threshold

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
env_file = BASE_DIR / ".env"
if env_file.exists():
    environ.Env.read_env(env_file)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105
# Rotating the key: the new one in SECRET_KEY, the previous one(s) here until sessions, password
# reset and emailed links signed with them have expired (README, Operations).
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "django_htmx",
    "rest_framework",
    "drf_spectacular",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django.contrib.postgres",
    "localflavor",
    "core",
    "accounts",
    "midi_regions",
    "service_points",
    "advisors",
    "appointments",
    "consultations",
    "waitlist",
    "calendar_sync",
    "group_sessions",
    "agenda",
    "company_files",
    "audit",
    "dashboards",
    "feedback",
    "privacy",
    "webhooks",
    "sms",
    "referrals",
    "devtools",
]

MIDDLEWARE = [
    # First: the request id, the access log line and the request metrics cover everything below.
    "core.logs.RequestIdMiddleware",
    # Behind our proxy, REMOTE_ADDR is the visitor's address (rate limits, /metrics networks).
    "core.proxy.ForwardedForMiddleware",
    # Under /api/, an error made outside DRF (Django's 400/404/413/500) is JSON too.
    "core.middleware.ApiErrorsAsJson",
    "django.middleware.security.SecurityMiddleware",
    "core.security_policy.CSPMiddleware",  # django-csp's, the usual header built once
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "core.i18n.ApiLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    # A body in a charset it cannot be read in (rot13, base64…) is a 415 before the CSRF check reads it.
    "core.middleware.RejectUnreadableCharsets",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.RejectNulCharacters",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.mfa.StaffMFAMiddleware",
    # The request's user is the actor of role changes made in this request (RoleChange).
    "audit.role_changes.RoleAuditMiddleware",
    # A view's lost database connection is a 503 page, not a 500 (core.unavailable).
    "core.unavailable.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "midi_regions.urls"
WSGI_APPLICATION = "midi_regions.wsgi.application"

# The organisation's names: templates (`{% organisation_name %}`), emails and calendar
# files read them here (core.organisation), never from their own text (the ministry was renamed in 2019).
ORGANISATION = {
    "name_fr": "Ministère de l’Immigration, de la Francisation et de l’Intégration",
    "name_en": "Ministry of Immigration, Francization and Integration",
    "acronym": "MIFI",
}
# How the public reaches the ministry ("Contact us", the accessibility statement). The defaults are
# illustrative like the offices' numbers in midi_regions/data/network.json (555-01xx, midi.example):
# a deployment sets the real ones.
ORGANISATION_CONTACT = {
    "phone": env.str("ORGANISATION_PHONE", default="514 555-0130"),
    "toll_free": env.str("ORGANISATION_TOLL_FREE", default="1 877 555-0130"),
    "email": env.str("ORGANISATION_EMAIL", default="renseignements@midi.example"),
    "accessibility_email": env.str("ACCESSIBILITY_EMAIL", default="accessibilite@midi.example"),
}

# Meeting links of video appointments (core.video): "jitsi" makes a room per appointment on the
# organisation's Jitsi Meet server; "fixed" uses each adviser's own permanent link. A deployment
# sets its own server (the default, the public meet.jit.si, is for trying the product); with an
# app id and secret the server's token authentication is used and each link carries a JWT.
VIDEO_PROVIDER = env.str("VIDEO_PROVIDER", default="jitsi")
JITSI_SERVER_URL = env.str("JITSI_SERVER_URL", default="https://meet.jit.si")
JITSI_APP_ID = env.str("JITSI_APP_ID", default="")
JITSI_APP_SECRET = env.str("JITSI_APP_SECRET", default="")
if VIDEO_PROVIDER not in {"jitsi", "fixed"}:
    raise ImproperlyConfigured("VIDEO_PROVIDER must be 'jitsi' or 'fixed'")

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.roles",
                "consultations.context_processors.inbox",
                "core.page_cache.csrf_placeholder",  # overrides the built-in csrf one: see page_cache
            ],
            # Its `date` and `time` filters replace Django's: « 1er décembre », « 13 h » (core.typography).
            "builtins": ["core.templatetags.typography"],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# A kept connection is checked before reuse, so one broken by a database restart is replaced.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
if IS_POSTGRES:
    # Django's backend with timestamps read by psycopg's C loader (core/db/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "core.db.postgresql"
    # Server-side prepared statements: with server-side parameter binding on
    # (DATABASE_SERVER_SIDE_BINDING; Django's default client-side cursor never prepares), a query
    # run DATABASE_PREPARE_THRESHOLD times on a connection is prepared, so PostgreSQL plans it
    # once. Off by default; "off" behind a pooler in transaction mode without prepared-statement
    # support (docs/architecture.md, 2026-12-07).
    try:
        _threshold = prepare_threshold(env.str("DATABASE_PREPARE_THRESHOLD", default="5"))
    except ValueError as error:
        raise ImproperlyConfigured(str(error)) from error
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("prepare_threshold", _threshold)
    DATABASES["default"]["OPTIONS"].setdefault(
        "server_side_binding", env.bool("DATABASE_SERVER_SIDE_BINDING", default=False)
    )
# A PostgreSQL read replica for the managers' dashboards and their exports (core.replica): their
# reads go there while it is up and at most REPLICA_MAX_LAG_SECONDS behind, checked at most every
# REPLICA_CHECK_SECONDS per process; the page says how fresh its figures are.
REPLICA_MAX_LAG_SECONDS = env.int("REPLICA_MAX_LAG_SECONDS", default=30)
REPLICA_CHECK_SECONDS = env.int("REPLICA_CHECK_SECONDS", default=5)
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    if DATABASES["replica"]["ENGINE"].endswith("postgresql"):
        # The primary's backend (psycopg's C timestamp loader): dashboards read many timestamps.
        DATABASES["replica"]["ENGINE"] = "core.db.postgresql"
    DATABASES["replica"].setdefault("CONN_MAX_AGE", DATABASES["default"]["CONN_MAX_AGE"])
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    # A replica that does not answer must cost a page seconds at most, not the TCP timeout.
    DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["core.replica.ReplicaRouter"]
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL lets the web process read while the worker writes; the timeout waits for the lock
    # instead of failing with "database is locked" under the embedded runtime. IMMEDIATE
    # transactions take the write lock at BEGIN, so the booking service's check-then-insert
    # is serialised on SQLite too (it has no row locks and no exclusion constraints).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, cache, Celery ---------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # Short timeouts: an unreachable Redis is a cache miss (core.cache), not a hung page.
    CACHES = {
        "default": {
            "BACKEND": "core.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # Embedded broker: kombu's filesystem transport, one folder shared by producers and
    # consumers. No broadcast (inspect/ping), which this project does not rely on.
    CELERY_DATA_DIR = Path(env.str("CELERY_DATA_DIR", default=str(VAR_DIR / "celery")))
    for sub in ("queue", "processed", "results", "control"):
        (CELERY_DATA_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_DATA_DIR / "queue"),
        "data_folder_out": str(CELERY_DATA_DIR / "queue"),
        "processed_folder": str(CELERY_DATA_DIR / "processed"),
        "control_folder": str(CELERY_DATA_DIR / "control"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = f"file://{CELERY_DATA_DIR / 'results'}"

CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TIMEZONE = "America/Toronto"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# One beat schedules, however many run: with Redis, beat holds a lock there and a second beat
# waits as a standby (core.beat). The embedded runtime runs one beat (Procfile.dev).
if REDIS_URL:
    CELERY_BEAT_SCHEDULER = "core.beat:LockedScheduler"
BEAT_LOCK_SECONDS = env.int("BEAT_LOCK_SECONDS", default=30)
if BEAT_LOCK_SECONDS < 3:
    raise ImproperlyConfigured("BEAT_LOCK_SECONDS must be at least 3.")
# The dashboards read closed days from their daily roll-ups (dashboards.rollups); off: all live.
DASHBOARD_ROLLUPS = env.bool("DASHBOARD_ROLLUPS", default=True)

CELERY_BEAT_SCHEDULE: dict = {
    # Messages the broker refused after their commit (Redis down) are published again.
    "resend-unsent-tasks": {
        "task": "midi_regions.resend_unsent_tasks",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Overdue requests move to the next adviser or the manager; lost routing messages are re-queued.
    "escalate-overdue-requests": {"task": "appointments.escalate_overdue_requests", "schedule": 300.0},
    # Due reminders (appointments.reminders); each run drains for at most 50 s of the minute.
    "send-due-reminders": {
        "task": "appointments.send_due_reminders",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Partners' referrals follow their requests, appointments and files (referrals.services).
    "refresh-referral-statuses": {
        "task": "referrals.refresh_statuses",
        "schedule": 120.0,
        "options": {"expires": 110},
    },
    # Waitlist offers not confirmed in time lapse and go to the next in line (waitlist.services).
    "expire-waitlist-holds": {
        "task": "appointments.expire_holds",
        "schedule": 30.0,
        "options": {"expires": 25},
    },
    # The dashboards' daily roll-ups: yesterday closed, changed past days recomputed (dashboards.rollups).
    "refresh-dashboard-rollups": {
        "task": "dashboards.refresh_rollups",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Advisers' own calendars (calendar_sync): each source is queued when its turn comes.
    "poll-calendar-sources": {
        "task": "calendar_sync.poll_sources",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Webhooks (webhooks.delivery): one task per partner with deliveries due (retries, lost messages).
    "deliver-due-webhooks": {
        "task": "webhooks.deliver_due",
        "schedule": 30.0,
        "options": {"expires": 25},
    },
    # Group sessions' emails (group_sessions.outbox): reminders due, and anything a lost message left.
    "send-due-session-notices": {
        "task": "group_sessions.send_due_notices",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Seats offered to a session's waitlist and not confirmed in time go to the next in line.
    "expire-session-offers": {
        "task": "group_sessions.expire_offers",
        "schedule": 30.0,
        "options": {"expires": 25},
    },
    # Texts (sms.sending): due texts sent, texts whose sender died mid-send resolved.
    "send-due-texts": {
        "task": "sms.send_due",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # The employers' surveys after a consultation held, and their one reminder (feedback.sending).
    "send-due-surveys": {
        "task": "feedback.send_due_surveys",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Documents still waiting for their virus scan (lost task, scanner down): queued again.
    "sweep-unscanned-documents": {
        "task": "company_files.sweep_unscanned",
        "schedule": 300.0,
        "options": {"expires": 290},
    },
    # Law 25: past appointments' personal details blanked after PERSONAL_DATA_RETENTION_DAYS.
    "purge-expired-personal-details": {
        "task": "accounts.purge_expired_personal_details",
        "schedule": crontab(hour=3, minute=15),
    },
}

# --- Advisers' own calendars (calendar_sync) -------------------------------------------------
# Calendar addresses and passwords are encrypted under a key derived from this secret; by default
# SECRET_KEY, but set it apart so rotating SECRET_KEY does not lose the advisers' calendars.
CALENDAR_CREDENTIALS_KEY = env.str("CALENDAR_CREDENTIALS_KEY", default=SECRET_KEY)
CALENDAR_SYNC_INTERVAL_SECONDS = env.int("CALENDAR_SYNC_INTERVAL_SECONDS", default=600)
CALENDAR_SYNC_TIMEOUT_SECONDS = env.float("CALENDAR_SYNC_TIMEOUT_SECONDS", default=10.0)
CALENDAR_SYNC_MAX_BYTES = env.int("CALENDAR_SYNC_MAX_BYTES", default=5 * 1024 * 1024)
CALENDAR_SYNC_MAX_REDIRECTS = env.int("CALENDAR_SYNC_MAX_REDIRECTS", default=5)
CALENDAR_SYNC_FAILURES_BEFORE_EMAIL = env.int("CALENDAR_SYNC_FAILURES_BEFORE_EMAIL", default=3)
CALENDAR_SYNC_STALE_AFTER_SECONDS = env.int("CALENDAR_SYNC_STALE_AFTER_SECONDS", default=24 * 3600)
# Server-side request forgery: in production an address resolving to loopback or a private
# network is refused; development and the tests serve calendars on loopback.
CALENDAR_SYNC_ALLOW_PRIVATE_HOSTS = env.bool("CALENDAR_SYNC_ALLOW_PRIVATE_HOSTS", default=DEBUG)
if CALENDAR_SYNC_INTERVAL_SECONDS < 60 or CALENDAR_SYNC_MAX_BYTES < 1024:
    raise ImproperlyConfigured("CALENDAR_SYNC_INTERVAL_SECONDS ≥ 60 and CALENDAR_SYNC_MAX_BYTES ≥ 1024.")
# Webhooks to partner systems (webhooks.delivery): how long a partner has to answer, when a
# delivery is given up, when a partner that only fails is disabled (the administrators are told).
# Webhooks go to public https:// addresses only, unless this allows loopback and private
# networks (development; tests with their local receivers).
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=5.0)
WEBHOOK_GIVE_UP_AFTER = timedelta(hours=env.float("WEBHOOK_GIVE_UP_HOURS", default=24))
WEBHOOK_DISABLE_AFTER = timedelta(hours=env.float("WEBHOOK_DISABLE_HOURS", default=24))
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env.bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", default=DEBUG)
# A worker killed while sending leaves its delivery to be claimed again after this many seconds.
WEBHOOK_LEASE_SECONDS = env.int("WEBHOOK_LEASE_SECONDS", default=120)
if not 0.5 <= WEBHOOK_TIMEOUT_SECONDS <= 30:
    raise ImproperlyConfigured("WEBHOOK_TIMEOUT_SECONDS must be between 0.5 and 30.")

# --- Text messages (sms) ------------------------------------------------------------------
# Who sends the texts: console (make run: printed, number masked), file (JSON lines in
# SMS_FILE_PATH), memory (tests), twilio (the official client) or http (a government gateway,
# sms.providers.http_gateway). Texts go only to people who gave a mobile number and opted in.
SMS_PROVIDER = env.str("SMS_PROVIDER", default="console")
if SMS_PROVIDER not in ("console", "file", "memory", "twilio", "http"):
    raise ImproperlyConfigured("SMS_PROVIDER must be console, file, memory, twilio or http.")
SMS_FILE_PATH = env.str("SMS_FILE_PATH", default=str(VAR_DIR / "sms.jsonl"))
SMS_TIMEOUT_SECONDS = env.float("SMS_TIMEOUT_SECONDS", default=10.0)
TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")
# The sender: a number (+1…) or a Messaging Service (MG…), which handles STOP itself.
TWILIO_FROM = env.str("TWILIO_FROM", default="")
SMS_HTTP_URL = env.str("SMS_HTTP_URL", default="")
SMS_HTTP_TOKEN = env.str("SMS_HTTP_TOKEN", default="")
SMS_HTTP_CALLBACK_SECRET = env.str("SMS_HTTP_CALLBACK_SECRET", default="")
# Links in texts are short: SMS_LINK_BASE_URL (e.g. a short domain) + /t/<code>; default SITE_URL.
SMS_LINK_BASE_URL = env.str("SMS_LINK_BASE_URL", default=SITE_URL).rstrip("/")
# What a segment costs (dollars) and the most the texts of one month may cost: past the cap,
# texts are not sent (the emails still are) and midi_sms_cap_refusals_total counts them.
try:
    SMS_COST_PER_SEGMENT = Decimal(env.str("SMS_COST_PER_SEGMENT", default="0.0100"))
    SMS_MONTHLY_CAP = Decimal(env.str("SMS_MONTHLY_CAP", default="100.00"))
except InvalidOperation:
    raise ImproperlyConfigured("SMS_COST_PER_SEGMENT and SMS_MONTHLY_CAP are amounts in dollars.") from None
# No text between these hours in the appointment's zone: queued until the end of the quiet hours.
SMS_QUIET_FROM_HOUR = env.int("SMS_QUIET_FROM_HOUR", default=21)
SMS_QUIET_UNTIL_HOUR = env.int("SMS_QUIET_UNTIL_HOUR", default=8)
# A worker killed while sending leaves its texts to the sweep after this many seconds.
SMS_LEASE_SECONDS = env.int("SMS_LEASE_SECONDS", default=120)
SMS_BATCH_SIZE = env.int("SMS_BATCH_SIZE", default=100)
if SMS_COST_PER_SEGMENT < 0 or SMS_MONTHLY_CAP < 0:
    raise ImproperlyConfigured("SMS_COST_PER_SEGMENT and SMS_MONTHLY_CAP cannot be negative.")
if not (0 <= SMS_QUIET_UNTIL_HOUR < SMS_QUIET_FROM_HOUR <= 24):
    raise ImproperlyConfigured("SMS quiet hours: 0 ≤ SMS_QUIET_UNTIL_HOUR < SMS_QUIET_FROM_HOUR ≤ 24.")
if SMS_LEASE_SECONDS < 2 * SMS_TIMEOUT_SECONDS:
    raise ImproperlyConfigured("SMS_LEASE_SECONDS must be at least twice SMS_TIMEOUT_SECONDS.")

# --- Authentication (django-allauth) --------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# One backend: allauth's login by email, with the role links loaded with the user.
AUTHENTICATION_BACKENDS = ["accounts.backends.AuthenticationBackend"]
SITE_ID = 1
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "accounts:home"
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
# allauth's forms relabelled in our words (accounts.auth_forms); its pages and emails are our
# templates (templates/account/, templates/mfa/), its error messages our adapters'.
ACCOUNT_FORMS = {
    name: f"accounts.auth_forms.{form}"
    for name, form in {
        "login": "LoginForm",
        "signup": "SignupForm",
        "add_email": "AddEmailForm",
        "change_password": "ChangePasswordForm",
        "set_password": "SetPasswordForm",
        "reset_password": "ResetPasswordForm",
        "reset_password_from_key": "ResetPasswordKeyForm",
        "reauthenticate": "ReauthenticateForm",
        "confirm_reauthentication_code": "ConfirmReauthenticationCodeForm",
    }.items()
}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if not DEBUG else "http"
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
}
# Our own writes (core.ratelimit): per signed-in user and per client IP.
RATE_LIMITS = {
    "booking": {"user": env.str("RATE_LIMIT_BOOKING_USER", default="20/h"), "ip": "60/h"},
    "request": {"user": env.str("RATE_LIMIT_REQUEST_USER", default="10/h"), "ip": "30/h"},
    # Closing an account asks for the password: no guessing it from a borrowed session.
    "account_close": {"user": "5/h", "ip": "30/h"},
    # Invitations send email to any address: a bound on what one account can send out.
    "invitation": {"user": "20/h", "ip": "60/h"},
    # Answering a survey by its emailed link (feedback.views): nobody is signed in.
    "survey": {"ip": "60/h"},
    # A partner's referrals (referrals.views): each creates a company's request and emails.
    "referrals": {"user": "60/h", "ip": "120/h"},
}

# Booking (appointments.services.book_appointment): refuse a time already booked or held at once,
# before queueing on the adviser's row, and let racers for one time wait for each other's outcome
# side by side (PostgreSQL). 0 goes back to the queue (bench/booking_race.py compares both).
BOOKING_FAST_REFUSAL = env.bool("BOOKING_FAST_REFUSAL", default=True)

# Waitlist (waitlist.services): how long a freed time is held for the employer it is offered to,
# in business minutes (BUSINESS_HOURS, Monday–Friday, Québec holidays excluded): 120 offered at
# 22:22 on a weekday runs to 10:30 the next business morning.
WAITLIST_HOLD_MINUTES = env.int("WAITLIST_HOLD_MINUTES", default=120)
if not 5 <= WAITLIST_HOLD_MINUTES <= 5 * 8 * 60:
    raise ImproperlyConfigured(
        "WAITLIST_HOLD_MINUTES must be between 5 and 2400 business minutes (a business week)."
    )

# The API (core.api): tokens or the browser session, JSON only, every call throttled.
API_RATE_LIMITS = {
    "user": env.str("API_RATE_LIMIT_USER", default="600/min"),
    "anonymous": env.str("API_RATE_LIMIT_ANONYMOUS", default="120/min"),
}
API_MAX_BODY_BYTES = 64 * 1024  # the largest real body (a request's message) is under 10 kB
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["core.api.ApiRateThrottle", "core.api.WriteThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["core.api.LimitedJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_VERSIONING_CLASS": None,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # REMOTE_ADDR is already the visitor's address (core.proxy): DRF must not read
    # X-Forwarded-For again (our throttles ask core.proxy.client_ip anyway).
    "NUM_PROXIES": 0,
}
SPECTACULAR_SETTINGS = {
    "TITLE": f"{ORGANISATION['acronym']} – Conseillers régionaux – API",
    "DESCRIPTION": _(
        "Book consultations with the Québec immigration ministry's regional advisers. "
        "Authenticate with a personal token (`Authorization: Bearer midi_…`) created in your space."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Every operation documents the errors it can answer, not only its success (core.api).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.document_errors",
    ],
    # The reference page (core.api_reference) shows the groups in this order, titled by
    # x-displayName.
    "TAGS": [
        {
            "name": "network",
            "x-displayName": _("The network"),
            "description": _("Topics, municipalities and service points. Public: no token needed."),
        },
        {
            "name": "booking",
            "x-displayName": _("Booking"),
            "description": _("Slot search and the company's appointments. For employers."),
        },
        {
            "name": "requests",
            "x-displayName": _("Consultation requests"),
            "description": _(
                "When no time suits: a request that routing sends to the nearest qualified adviser. "
                "For employers."
            ),
        },
        {
            "name": "advisers",
            "x-displayName": _("Advisers"),
            "description": _(
                "The signed-in adviser's calendar and requests. For advisers (and managers, for "
                "escalated requests)."
            ),
        },
        {
            "name": "files",
            "x-displayName": _("Company files"),
            "description": _(
                "Programs, and the company's files in them: stage, timeline, messages, document "
                "requests; advisers move files between stages. For employers and the ministry's staff."
            ),
        },
        {
            "name": "managers",
            "x-displayName": _("Managers"),
            "description": _(
                "The directorates' caseload figures, as on the dashboard. For regional managers and "
                "administrators."
            ),
        },
    ],
    "ENUM_NAME_OVERRIDES": {
        "AppointmentStatusEnum": "appointments.models.Appointment.Status",
        "RequestStatusEnum": "consultations.models.ConsultationRequest.Status",
        "ModeEnum": "appointments.models.Mode",  # the name it had before sessions had modes too
        "SessionModeEnum": "group_sessions.models.SessionMode",
        "SessionStatusEnum": "group_sessions.models.GroupSession.Status",
        "RegistrationStatusEnum": "group_sessions.models.Registration.Status",
    },
}

MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_ADAPTER = "accounts.adapter.MFAAdapter"
MFA_FORMS = {
    "authenticate": "accounts.auth_forms.AuthenticateForm",
    "reauthenticate": "accounts.auth_forms.MfaReauthenticateForm",
    "activate_totp": "accounts.auth_forms.ActivateTOTPForm",
    "deactivate_totp": "accounts.auth_forms.DeactivateTOTPForm",
    "generate_recovery_codes": "accounts.auth_forms.GenerateRecoveryCodesForm",
}
# Advisers, managers and administrators must use TOTP (accounts.mfa); off only for the local demo.
REQUIRE_STAFF_MFA = env.bool("REQUIRE_STAFF_MFA", default=not DEBUG)
MFA_TOTP_ISSUER = f"{ORGANISATION['acronym']} – Conseillers régionaux"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Internationalisation ----------------------------------------------------------------------
LANGUAGE_CODE = "fr-ca"
LANGUAGES = [("fr-ca", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="America/Toronto")
USE_I18N = True
FORMAT_MODULE_PATH = ["core.formats"]
USE_TZ = True
if not USE_TZ:  # pragma: no cover - a guard for anyone tempted to switch it off
    raise ImproperlyConfigured("USE_TZ must stay on: times are stored in UTC.")

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {},  # uploaded documents (core.uploads): filled in under "Uploaded documents" below
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- Uploaded documents (core.uploads, core.antivirus, core.downloads) -------------------------
# One file at most this many bytes (default 10 MiB). The upload handler stops reading a larger file
# as soon as it passes the limit (or before its first byte when Content-Length says so): nothing is
# stored and the view answers 413.
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
if UPLOAD_MAX_BYTES < 1024:
    raise ImproperlyConfigured("UPLOAD_MAX_BYTES must be at least 1024 bytes.")
FILE_UPLOAD_HANDLERS = [
    "core.uploads.SizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# A file over 256 kB spools to a temporary file while it arrives, never whole in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
FILE_UPLOAD_TEMP_DIR = env.str("FILE_UPLOAD_TEMP_DIR", default="") or None
# The other fields of a form (not its files): the largest real one is a message under 10 kB.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
# Where documents are kept: "filesystem" (default: a private folder outside static and media,
# never served by URL) or "s3" (any S3-compatible object store, through django-storages).
DOCUMENT_STORAGE = env.str("DOCUMENT_STORAGE", default="filesystem")
# Filesystem: the stored files' mode, octal (default 640: the app's user and its group). Behind nginx
# with X-Accel-Redirect its workers read them: their group, or 644 in a container of its own.
try:
    DOCUMENT_FILE_MODE = int(env.str("DOCUMENT_FILE_MODE", default="640"), 8)
except ValueError:
    raise ImproperlyConfigured("DOCUMENT_FILE_MODE is an octal mode such as 640 or 644.") from None
if DOCUMENT_FILE_MODE & ~0o666 or not DOCUMENT_FILE_MODE & 0o600 == 0o600:
    raise ImproperlyConfigured(
        "DOCUMENT_FILE_MODE must let the app read and write (6xx) and execute nothing."
    )
if DOCUMENT_STORAGE == "filesystem":
    STORAGES["private"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": env.str("DOCUMENT_STORAGE_DIR", default=str(VAR_DIR / "private")),
            "file_permissions_mode": DOCUMENT_FILE_MODE,
            # Folders: whoever may read a file may also cross to it.
            "directory_permissions_mode": DOCUMENT_FILE_MODE | (DOCUMENT_FILE_MODE & 0o444) >> 2,
        },
    }
elif DOCUMENT_STORAGE == "s3":
    if importlib.util.find_spec("boto3") is None:
        raise ImproperlyConfigured("DOCUMENT_STORAGE=s3 needs boto3: pip install '.[s3]'.")
    STORAGES["private"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("S3_BUCKET"),
            "endpoint_url": env.str("S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("S3_REGION", default="") or None,
            "access_key": env.str("S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("S3_SECRET_ACCESS_KEY", default="") or None,
            "location": env.str("S3_PREFIX", default="documents"),
            "default_acl": "private",
            "file_overwrite": False,
            "querystring_auth": True,  # never public URLs; downloads stream through the app anyway
        },
    }
else:
    raise ImproperlyConfigured('DOCUMENT_STORAGE must be "filesystem" or "s3".')
# Behind nginx (deploy/nginx.conf): the internal location that serves the private folder. Set,
# a download answers with X-Accel-Redirect to it after the access check; empty, the app streams.
DOCUMENT_ACCEL_REDIRECT_PREFIX = env.str("DOCUMENT_ACCEL_REDIRECT_PREFIX", default="")
if DOCUMENT_ACCEL_REDIRECT_PREFIX and (
    DOCUMENT_STORAGE != "filesystem"
    or not (DOCUMENT_ACCEL_REDIRECT_PREFIX.startswith("/") and DOCUMENT_ACCEL_REDIRECT_PREFIX.endswith("/"))
):
    raise ImproperlyConfigured(
        "DOCUMENT_ACCEL_REDIRECT_PREFIX is a path like /_documents/ and needs DOCUMENT_STORAGE=filesystem."
    )
# ClamAV's daemon: tcp://host:3310 or unix:///run/clamav/clamd.ctl. Empty: no scanner, documents
# stay "pending scan" (the page says so). Its StreamMaxLength must exceed UPLOAD_MAX_BYTES.
CLAMD_URL = env.str("CLAMD_URL", default="")
if CLAMD_URL and not (CLAMD_URL.startswith("tcp://") or CLAMD_URL.startswith("unix://")):
    raise ImproperlyConfigured("CLAMD_URL must be tcp://host:port or unix:///path/to/clamd.ctl.")
CLAMD_TIMEOUT_SECONDS = env.float("CLAMD_TIMEOUT_SECONDS", default=60.0)
# Development only: serve documents nobody scanned (never infected ones). Refused without DEBUG.
DOCUMENT_ALLOW_UNSCANNED = env.bool("DOCUMENT_ALLOW_UNSCANNED", default=False)
if DOCUMENT_ALLOW_UNSCANNED and not DEBUG:
    raise ImproperlyConfigured("DOCUMENT_ALLOW_UNSCANNED is for development only: it needs DEBUG=1.")
# Law 25: the documents of a company file are deleted this many days after the file is closed
# (company_files.documents, run by the daily retention task).
DOCUMENT_RETENTION_DAYS = env.int("DOCUMENT_RETENTION_DAYS", default=730)
if DOCUMENT_RETENTION_DAYS < 1:
    raise ImproperlyConfigured("DOCUMENT_RETENTION_DAYS must be a whole number of days, at least 1.")

# --- Email ------------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default=f"{ORGANISATION['acronym']} – Conseillers régionaux <no-reply@midi.example>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security -------------------------------------------------------------------------------
# Our reverse proxies (gunicorn reads the same variable): behind them REMOTE_ADDR becomes the
# visitor's address from X-Forwarded-For (core.proxy). Addresses or networks, or "*".
FORWARDED_ALLOW_IPS = env.list("FORWARDED_ALLOW_IPS", default=[])
for _proxy in FORWARDED_ALLOW_IPS:
    try:
        if _proxy != "*":
            ipaddress.ip_network(_proxy.strip(), strict=False)
    except ValueError:
        raise ImproperlyConfigured(f"FORWARDED_ALLOW_IPS: {_proxy!r} is not an address or network.") from None
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_PROXY", default=False) else None
)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)  # the proxy usually redirects
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
# Sessions read from the cache (Redis in production), written through to the database.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): our own origin only, no inline script or style. The one
# exception is FullCalendar, which writes its stylesheet into a <style> element: the calendar
# page gives it the response's nonce (templates/advisors/calendar.html). json_script blocks are
# data, not scripts. htmx runs with allowEval off and no injected styles (templates/base.html).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],  # FullCalendar's arrow icons are a data: font
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# --- Product settings ----------------------------------------------------------------------------
MINISTRY_STAFF_IN_REGIONS = 162  # figure from the announcement, shown on the about page

# Consultation requests (consultations.routing): the assigned adviser answers within this many
# business hours (Monday–Friday, BUSINESS_HOURS local time, Québec holidays excluded), else the
# request goes to the next nearest adviser; after ROUTING_MAX_HOPS advisers, to the manager.
BUSINESS_HOURS = (
    env.str("BUSINESS_DAY_START", default="08:30"),
    env.str("BUSINESS_DAY_END", default="16:30"),
)
ROUTING_SLA_BUSINESS_HOURS = env.int("ROUTING_SLA_BUSINESS_HOURS", default=16)  # 2 business days
ROUTING_MAX_HOPS = env.int("ROUTING_MAX_HOPS", default=3)
# Continuity (consultations.routing): the adviser who served the company last on the topic gets
# its new request when their open caseload is at most this much above the chosen adviser's.
ROUTING_CONTINUITY_MAX_LOAD_GAP = env.int("ROUTING_CONTINUITY_MAX_LOAD_GAP", default=2)
if ROUTING_CONTINUITY_MAX_LOAD_GAP < 0:
    raise ImproperlyConfigured("ROUTING_CONTINUITY_MAX_LOAD_GAP must be 0 or more.")

# Reminders (appointments.reminders): the beat task claims due reminders in batches.
REMINDER_BATCH_SIZE = env.int("REMINDER_BATCH_SIZE", default=200)
REMINDER_RETRY_MINUTES = env.int("REMINDER_RETRY_MINUTES", default=5)
REMINDER_SMTP_CONNECTIONS = env.int("REMINDER_SMTP_CONNECTIONS", default=16)  # per worker, side by side

# Law 25 (privacy.services): the free text of appointments that ended this many days ago is blanked.
PERSONAL_DATA_RETENTION_DAYS = env.int("PERSONAL_DATA_RETENTION_DAYS", default=730)
if PERSONAL_DATA_RETENTION_DAYS < 1:
    raise ImproperlyConfigured("PERSONAL_DATA_RETENTION_DAYS must be a whole number of days, at least 1.")

# --- Observability (core.logs, core.metrics) -------------------------------------
# Logs: one JSON object a line in production, readable lines with DEBUG; every line carries the
# request id (also in the Celery tasks a request queues), email addresses are masked.
LOG_FORMAT = env.str("LOG_FORMAT", default="console" if DEBUG else "json")
if LOG_FORMAT not in ("json", "console"):
    raise ImproperlyConfigured("LOG_FORMAT must be json or console.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "core.logs.RequestIdFilter"},
        "redact_emails": {"()": "core.logs.RedactEmails"},
        "redact_phone_numbers": {"()": "core.logs.RedactPhoneNumbers"},
        "paths_as_view_names": {"()": "core.logs.PathsAsViewNames"},
    },
    "formatters": {
        "json": {"()": "core.logs.JsonFormatter"},
        "console": {"()": "core.logs.ConsoleFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id", "paths_as_view_names", "redact_emails", "redact_phone_numbers"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's default handlers (console when DEBUG, mail_admins) removed: its records go to
        # ours, with the request id. django.server's lines repeat our access line.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": [], "level": "WARNING", "propagate": True},
        "django.db.backends": {"level": "INFO"},
        # Twilio's client logs each request and its headers at INFO: ids and numbers stay out.
        "twilio": {"level": "WARNING"},
    },
}
# /metrics: these networks (CIDR list) or `Authorization: Bearer <METRICS_TOKEN>`; others get a 404.
METRICS_ALLOWED_NETWORKS = env.list("METRICS_ALLOWED_NETWORKS", default=["127.0.0.1/32", "::1/128"])
for _network in METRICS_ALLOWED_NETWORKS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError:
        raise ImproperlyConfigured(f"METRICS_ALLOWED_NETWORKS: {_network!r} is not a network.") from None
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
if METRICS_TOKEN and len(METRICS_TOKEN) < 32:
    raise ImproperlyConfigured("METRICS_TOKEN must be at least 32 characters (or empty: networks only).")
# A pending reminder this many minutes past its time counts as late (the midi_reminders_late gauge).
REMINDER_LATE_MINUTES = env.int("REMINDER_LATE_MINUTES", default=10)

# --- Migration safety (core.migration_lint, `manage.py lint_migrations` in `make test`) ----------
# Tables that grow with the bookings (seed_load fills them by the million): building an index or
# validating a constraint on them blocks writes for too long. Database table names.
MIGRATION_LINT_BIG_TABLES = [
    "appointments_appointment",
    "appointments_appointmentevent",
    "appointments_consultationrequest",  # consultations.ConsultationRequest
    "appointments_reminder",
    "appointments_routingdecision",  # consultations.RoutingDecision
]
# Deployed before the check existed (2026-11-29): "app.migration" → why it was acceptable when it
# ran. Each adds NOT NULL columns with a Python default only; the fix today would be db_default.
MIGRATION_LINT_GRANDFATHERED = {
    "accounts.0002_initial": "initial schema, split by Django to break a dependency cycle: empty tables",
    "advisors.0002_advisor_buffer_after_minutes_and_more": (
        "advisers are created in the admin only; no release served before it"
    ),
    "appointments.0002_topic_horizon_days_topic_min_notice_business_days_and_more": (
        "topics are created in the admin only; no release served before it"
    ),
    "appointments.0003_requests_reminders_routing": (
        "topics are created in the admin only; no release served before it"
    ),
    "appointments.0004_events_notes_decline": (
        "a routing decision written by the previous release during the deploy failed and was "
        "routed again by the beat's sweep of requests still new"
    ),
}
