"""Helpdesk settings: one module, read from the environment.

Defaults run with no environment at all (SQLite under var/, embedded background jobs,
console email). Production sets DJANGO_SECRET_KEY, DATABASE_URL, REDIS_URL, EMAIL_URL and
DJANGO_ALLOWED_HOSTS; see the configuration table in README.md.
"""

import sys
from pathlib import Path

import django.forms
import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()


def secret(name: str, default=None):
    """Read a secret from NAME, or from the file named by NAME_FILE (Docker secrets)."""
    path = env.str(f"{name}_FILE", default="")
    if path:
        return Path(path).read_text().strip()
    return env.str(name, default=default)


DEBUG = env.bool("DJANGO_DEBUG", default=False)
# The test suite runs under pytest; it gets fast hashing, eager jobs and no HTTPS redirects.
TESTING = env.bool("HELPDESK_TESTING", default="pytest" in sys.modules)

# Commands that only read the code (migrations, translations) sign nothing and serve nobody: a
# checkout runs them without a production secret (`manage.py makemigrations --check`).
_CODE_ONLY_COMMANDS = {
    "makemigrations",
    "showmigrations",
    "sqlmigrate",
    "makemessages",
    "compilemessages",
}
_CODE_ONLY = (
    len(sys.argv) > 1
    and Path(sys.argv[0]).name == "manage.py"
    and sys.argv[1] in _CODE_ONLY_COMMANDS
)

_DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = secret("DJANGO_SECRET_KEY", default="") or ""
if not SECRET_KEY:
    if not (DEBUG or TESTING or _CODE_ONLY):
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off (production)."
        )
    SECRET_KEY = _DEV_SECRET_KEY

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # Daphne first: `runserver` (make run) then serves the ASGI application, pages and the
    # chat's WebSockets on one port.
    "daphne",
    # Django's admin, entered only through the app's login and second factor (superusers).
    "helpdesk.admin_apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django_htmx",
    "csp",
    "django_filters",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp.plugins.otp_email",
    "allauth",
    "allauth.account",
    # Audit log of administrative and sensitive changes (docs/architecture.md: why this one).
    "auditlog",
    "core",
    "helpdesk",
    "accounts",
    "tickets",
    "intake",
    "notifications",
    "cdc",
    "billing",
    "invoicing",
    "reports",
    "wiki",
    "administration",
    "rest_framework",
    "drf_spectacular",
    "integrations",
    "channels",
    "chat",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response that has none of its own (downloads have theirs).
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Logged-in people get their profile's language (visitors: LocaleMiddleware above).
    "accounts.middleware.ProfileLanguageMiddleware",
    # django-otp's, reading the person's device by a statement compiled once per process.
    "accounts.middleware.OTPMiddleware",
    # Every view needs a login unless marked @login_not_required (login, reset, healthz).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Logged-in people who have not entered their emailed code are sent to the code page.
    "accounts.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Audit entries get the acting person and their address (REMOTE_ADDR, or the proxy's
    # X-Forwarded-For only when HELPDESK_TRUSTED_PROXY_COUNT says proxies are in front).
    "core.audit.AuditMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "helpdesk.urls"
WSGI_APPLICATION = "helpdesk.wsgi.application"
ASGI_APPLICATION = "helpdesk.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "helpdesk.context_processors.navigation",
            ],
        },
    },
    # Jinja2 for the *.jinja fragments that the queue renders dozens of times a page and for
    # the forms (templates/jinja2/django/forms/, then Django's own Jinja2 widget templates),
    # with Django's escaping and translations (core/templating.py); everything else is above.
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "NAME": "jinja2",
        "DIRS": [
            BASE_DIR / "templates" / "jinja2",
            BASE_DIR / "templates",
            Path(django.forms.__file__).parent / "jinja2",
        ],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "core.templating.environment"},
    },
]

# Forms render from templates/jinja2/django/forms/ (Bootstrap markup for every form) by the
# jinja2 engine; the big lists of people and organizations are searchable pickers
# (accounts.forms.PickerSelect).
FORM_RENDERER = "core.templating.FormRenderer"

# --- Database -------------------------------------------------------------------------------
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the worker write side by side; IMMEDIATE avoids
    # "database is locked" on upgrade from a read to a write transaction.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and background jobs --------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "core.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "helpdesk",
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
else:
    # Embedded default: the file cache is shared by the web server and the worker, and
    # kombu's filesystem transport is the broker of the worker and beat of `make run`.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(VAR_DIR / "celery" / "queue"),
        "data_folder_out": str(VAR_DIR / "celery" / "queue"),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = None
# Live chat (Django Channels): the Redis channel layer when REDIS_URL is set (several ASGI
# processes share it), else the in-memory layer of one process (make run).
# Redis pub/sub: a push is one PUBLISH (the list-based layer took several round trips per group
# send and fell behind at 100 chats in benchmarks/chat_load.py). A push missed by a socket
# that was away is caught up from the database when it reconnects.
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [REDIS_URL],
                "prefix": env.str("CHAT_CHANNEL_PREFIX", default="helpdesk-chat"),
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
if TESTING:
    # Each test run starts with an empty cache (rate-limit counters must not leak between runs).
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=TESTING)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "Europe/Paris"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- Authentication -------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "account_login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Helpdesk] "
# New accounts from the public sign-up wait for an admin's approval (seed 004).
HELPDESK_SIGNUP_REQUIRES_APPROVAL = env.bool("HELPDESK_SIGNUP_REQUIRES_APPROVAL", default=True)
HELPDESK_SIGNUP_OPEN = env.bool("HELPDESK_SIGNUP_OPEN", default=True)

# Two-factor: a 6-digit code by email at each new session (seed 004), valid 10 minutes.
OTP_EMAIL_TOKEN_VALIDITY = 600
# django-otp's throttle: after n wrong codes in a row, the next try waits 2^(n-1) seconds.
OTP_EMAIL_THROTTLE_FACTOR = 1
# django-otp's cooldown: seconds between two codes emailed to one person.
OTP_EMAIL_COOLDOWN_DURATION = env.int("OTP_EMAIL_COOLDOWN_DURATION", default=60)
OTP_TOTP_ISSUER = "Helpdesk"
# Roles that must pass the second factor; "*" means everyone (demo accounts are exempt).
HELPDESK_2FA_REQUIRED_ROLES = env.list("HELPDESK_2FA_REQUIRED_ROLES", default=["*"])
# Limits over a window, per account and per IP address, whatever the session (accounts.twofactor):
# wrong codes (then every code is refused until the window ends) and codes emailed.
HELPDESK_2FA_WINDOW_SECONDS = env.int("HELPDESK_2FA_WINDOW_SECONDS", default=15 * 60)
HELPDESK_2FA_MAX_ATTEMPTS = env.int("HELPDESK_2FA_MAX_ATTEMPTS", default=5)
HELPDESK_2FA_MAX_ATTEMPTS_PER_IP = env.int("HELPDESK_2FA_MAX_ATTEMPTS_PER_IP", default=30)
HELPDESK_2FA_MAX_CODES = env.int("HELPDESK_2FA_MAX_CODES", default=5)
HELPDESK_2FA_MAX_CODES_PER_IP = env.int("HELPDESK_2FA_MAX_CODES_PER_IP", default=60)

# --- Email ----------------------------------------------------------------------------------
_email = env.email_url("EMAIL_URL", default="consolemail://")
# Every email goes through the outbox (stored, sent by Celery, retried, logged for admins);
# EMAIL_URL says how the outbox delivers (SMTP, console...).
EMAIL_BACKEND = "notifications.backend.OutboxBackend"
EMAIL_DELIVERY_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _email.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = secret("EMAIL_HOST_PASSWORD", default="") or _email.get(
    "EMAIL_HOST_PASSWORD", ""
)
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Helpdesk <support@helpdesk.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
HOTLINE_EMAILS = env.list("HOTLINE_EMAILS", default=[])
# Billing: the currency of contracts and estimates; how long an emailed estimate link works.
BILLING_CURRENCY = env.str("BILLING_CURRENCY", default="EUR")
BILLING_ESTIMATE_LINK_DAYS = env.int("BILLING_ESTIMATE_LINK_DAYS", default=14)
# Invoicing: the default VAT rate of a line (%), payment terms, the signed intervention link's
# lifetime, and the company printed on invoices, reports and statements.
INVOICING_VAT_RATE = env.str("INVOICING_VAT_RATE", default="20.00")
INVOICING_PAYMENT_DAYS = env.int("INVOICING_PAYMENT_DAYS", default=30)
INVOICING_LINK_DAYS = env.int("INVOICING_LINK_DAYS", default=14)
INVOICING_COMPANY = {
    "name": env.str("INVOICING_COMPANY_NAME", default="Helpdesk Services SAS"),
    "address": env.str("INVOICING_COMPANY_ADDRESS", default="1 rue de la Paix\n75002 Paris"),
    "siret": env.str("INVOICING_COMPANY_SIRET", default=""),
    "vat_number": env.str("INVOICING_COMPANY_VAT", default=""),
    "email": env.str("INVOICING_COMPANY_EMAIL", default=""),
    "phone": env.str("INVOICING_COMPANY_PHONE", default=""),
    "iban": env.str("INVOICING_COMPANY_IBAN", default=""),
}
# Sender of staff notifications; answers to it must reach nobody (default: noreply@ the domain
# of DEFAULT_FROM_EMAIL).
NOTIFICATIONS_NOREPLY_EMAIL = env.str("NOTIFICATIONS_NOREPLY_EMAIL", default="")
# Outbox: attempts before an email or a webhook post is given up (backoff 1, 5, 15, 60 min...),
# days the content of sent emails is kept, timeout of a webhook post.
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=6)
OUTBOX_KEEP_DAYS = env.int("OUTBOX_KEEP_DAYS", default=30)
WEBHOOK_TIMEOUT_SECONDS = env.int("WEBHOOK_TIMEOUT_SECONDS", default=5)
# Outgoing connections (webhooks, mailboxes) refuse loopback, private, link-local and reserved
# addresses (core/net.py), except to these host names, exactly as typed in the URL or mailbox
# (e.g. an intranet mail server): comma-separated.
HELPDESK_ALLOWED_INTERNAL_HOSTS = env.list("HELPDESK_ALLOWED_INTERNAL_HOSTS", default=[])
# Customer-base sync: the folder under which the ERP drops its exports (a sync source names a
# subfolder of it; nothing outside it is ever read).
HELPDESK_SYNC_DROP_ROOT = env.path("HELPDESK_SYNC_DROP_ROOT", default=str(VAR_DIR / "erp-drop"))
# Inbound email: automatic replies per sender per hour (beyond it, no confirmation is sent),
# failed polls in a row before the admins get an email, largest message kept whole.
INTAKE_AUTO_REPLY_LIMIT = env.int("INTAKE_AUTO_REPLY_LIMIT", default=5)
INTAKE_AUTO_REPLY_WINDOW_MINUTES = env.int("INTAKE_AUTO_REPLY_WINDOW_MINUTES", default=60)
INTAKE_ALERT_AFTER_FAILURES = env.int("INTAKE_ALERT_AFTER_FAILURES", default=3)
INTAKE_MAX_MESSAGE_MB = env.int("INTAKE_MAX_MESSAGE_MB", default=60)
INTAKE_POLL_LEASE_SECONDS = env.int("INTAKE_POLL_LEASE_SECONDS", default=120)
# Sender trust (intake/trust.py): the authserv-ids whose Authentication-Results vouch for
# senders, for ingest_email and every mailbox that names none of its own.
INTAKE_TRUSTED_AUTHSERV_IDS = env.list("INTAKE_TRUSTED_AUTHSERV_IDS", default=[])
# Days the original of a handled message (.eml) is kept; 0 keeps it for ever. Quarantined and
# flagged messages keep theirs until someone handles them.
INTAKE_RAW_RETENTION_DAYS = env.int("INTAKE_RAW_RETENTION_DAYS", default=365)
# Public address of the site, for links in emails.
HELPDESK_BASE_URL = env.str("HELPDESK_BASE_URL", default="http://127.0.0.1:8000")

# --- Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# --- Static files and media -------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
if DEBUG or TESTING:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns when it is missing
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Media are never served from a public URL: downloads go through permission-checked views.
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
_media_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
if AWS_STORAGE_BUCKET_NAME:
    _media_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "access_key": secret("AWS_ACCESS_KEY_ID", default=""),
            "secret_key": secret("AWS_SECRET_ACCESS_KEY", default=""),
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
STORAGES = {
    "default": _media_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "core.staticfiles.StaticStorage"
        )
    },
}
HELPDESK_MAX_UPLOAD_MB = env.int("HELPDESK_MAX_UPLOAD_MB", default=25)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Security ---------------------------------------------------------------------------------
# Django's database sessions, read by a statement compiled once per process (core/sessions.py).
SESSION_ENGINE = "core.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 12
# Cookies go over HTTPS only in production; the language cookie travels like the session's.
SESSION_COOKIE_SECURE = not DEBUG and not TESTING
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
# No script reads the CSRF cookie: forms carry the token and htmx sends the one set on <body>
# (hx-headers in base.html).
CSRF_COOKIE_HTTPONLY = True
# The language cookie (language switch, profile): no script reads it either.
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"  # previews framed by our own pages use @xframe_options_sameorigin
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG and not TESTING:
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # /healthz is probed over plain HTTP by the orchestrator.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Content-Security-Policy (django-csp): our own files only, nothing inline, no eval. Pages have no
# inline <script>, no style= and no event handlers (tests/foundation/test_guards.py); htmx runs
# without eval and without its injected indicator <style> (the htmx-config meta of base.html).
# Downloads set a sandboxing policy of their own (core.files.file_response), which this leaves.
# Browsers post what they block to /csp-report/ (helpdesk.csp_reports.csp_report logs it).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        # 'self' covers ws:// and wss:// on the page's own host (make run, a proxy sending
        # /ws/ to the ASGI service); CHAT_WEBSOCKET_ORIGIN adds a separate one (below).
        "connect-src": ["'self'", *env.list("CHAT_WEBSOCKET_ORIGIN", default=[])],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "report-uri": ["/csp-report/"],
    }
}
# --- JSON API (integrations.api): Django REST Framework, drf-spectacular ------------------------
# Personal tokens only (no session: a browser's cookie never writes through the API); a token
# acts as its owner through the apps' access rules. Throttling counts in the default cache.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["integrations.api.authentication.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["integrations.api.permissions.TokenScope"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("HELPDESK_API_ANON_RATE", default="60/min"),
        "user": env.str("HELPDESK_API_RATE", default="600/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Helpdesk API",
    "DESCRIPTION": "Tickets, organizations and contacts, as the token's owner sees them.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SECURITY": [{"bearerAuth": []}],
    "COMPONENT_SPLIT_REQUEST": True,
}

# Largest violation report read (a browser's report is about 1 KB).
CSP_REPORT_MAX_BYTES = 64 * 1024

# --- Logging ----------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint reports each step of every PDF (invoices, statements) at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- Audit log and GDPR ---------------------------------------------------------------------
# How many reverse proxies in front of the app append to X-Forwarded-For (0:
# none, REMOTE_ADDR is the client). Closed tickets' client data is anonymised after
# GDPR_RETENTION_MONTHS (0: never); a prepared export can be downloaded for GDPR_EXPORT_KEEP_HOURS.
HELPDESK_TRUSTED_PROXY_COUNT = env.int("HELPDESK_TRUSTED_PROXY_COUNT", default=0)
AUDITLOG_DISABLE_REMOTE_ADDR = False
GDPR_RETENTION_MONTHS = env.int("GDPR_RETENTION_MONTHS", default=0)
GDPR_EXPORT_KEEP_HOURS = env.int("GDPR_EXPORT_KEEP_HOURS", default=72)

# --- Tickets ----------------------------------------------------------------------------------
# Days a ticket may wait on the client (e.g. "Réponse envoyée") before it closes itself; the
# client is warned a day before.
TICKETS_AUTO_CLOSE_DAYS = env.int("TICKETS_AUTO_CLOSE_DAYS", default=7)
# Days before the auto-close that the client is warned (admins change both in Administration).
TICKETS_AUTO_CLOSE_WARNING_DAYS = env.int("TICKETS_AUTO_CLOSE_WARNING_DAYS", default=1)
# Agents may reopen a closed ticket (resolved ones always); off: only clients and admins.
TICKETS_AGENTS_MAY_REOPEN_CLOSED = env.bool("TICKETS_AGENTS_MAY_REOPEN_CLOSED", default=False)

# Dashboard and queue refresh themselves this often (seed 004: every minute).
HELPDESK_REFRESH_SECONDS = env.int("HELPDESK_REFRESH_SECONDS", default=60)
# Queue counters are cached until the next ticket change, and at most this long.
HELPDESK_COUNTERS_CACHE_SECONDS = env.int("HELPDESK_COUNTERS_CACHE_SECONDS", default=30)

# Report indexes carry extra columns on PostgreSQL (INCLUDE, tickets.Ticket.Meta.indexes);
# SQLite builds them without, which Django warns about: that is the intent. Likewise a contract's
# rates are unique with "no activity"/"no level" counted as one value (nulls_distinct=False): SQLite
# cannot say so, the forms check it (model validation) and PostgreSQL enforces it.
SILENCED_SYSTEM_CHECKS = ["models.W040", "models.W047"]
# --- Live chat ----------------------------------------------------------------------------------
# Where browsers open the chat's WebSockets: empty means the page's own host (make run, or a
# proxy that sends /ws/ to the ASGI service); e.g. "wss://chat.example.com" for a separate host
# (also added to the CSP's connect-src above).
CHAT_WEBSOCKET_ORIGIN = (env.list("CHAT_WEBSOCKET_ORIGIN", default=[]) or [""])[0]
# Longest chat message, in characters.
CHAT_MESSAGE_MAX = 4000
