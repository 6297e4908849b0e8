"""One settings module for CompMS, configured entirely from the environment.

COMPMS_DATABASE_URL  sqlite:///path or postgresql://user:pass@host:port/db (default: SQLite in the data folder)
COMPMS_DATA_DIR      where the SQLite file, the generated secret key and uploads live (default: ./data)
COMPMS_SECRET_KEY    if unset, generated once and stored in the data folder
COMPMS_DEBUG         "1"/"true" to enable debug (off by default)
COMPMS_ALLOWED_HOSTS comma-separated host names (default: localhost,127.0.0.1,[::1])
COMPMS_TOKEN_DAYS    how long a new API token works, in days (default: 90)
COMPMS_RETENTION_YEARS years after leaving before a person is anonymised (default: 6)
COMPMS_UPLOAD_MAX_MB largest uploaded file (evidence attachment, catalogue file) in MB (default: 20)
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlparse

BASE_DIR = Path(__file__).resolve().parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name, "")
    items = [item.strip() for item in value.split(",") if item.strip()]
    return items or default


DATA_DIR = Path(os.environ.get("COMPMS_DATA_DIR") or Path.cwd() / "data").resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def load_secret_key() -> str:
    from_env = os.environ.get("COMPMS_SECRET_KEY")
    if from_env:
        return from_env
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        # Written once with owner-only permissions so restarts keep sessions and tokens valid.
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(64))
    return key_file.read_text().strip()


def database_from_url(url: str | None) -> dict[str, object]:
    if not url:
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(DATA_DIR / "compms.sqlite3"),
                "OPTIONS": {"timeout": 30, "transaction_mode": "IMMEDIATE",
                            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}}
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = unquote(parsed.path)
        if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
            path = path.lstrip("/")
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": path or str(DATA_DIR / "compms.sqlite3"),
                "OPTIONS": {"timeout": 30, "transaction_mode": "IMMEDIATE"}}
    if parsed.scheme in {"postgres", "postgresql"}:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")) or "compms",
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            # Persistent connections: a new PostgreSQL connection per request costs more than the query.
            "CONN_MAX_AGE": int(os.environ.get("COMPMS_CONN_MAX_AGE", "600")),
            "CONN_HEALTH_CHECKS": True,
        }
    raise ValueError(f"COMPMS_DATABASE_URL: unsupported scheme {parsed.scheme!r} (use sqlite:// or postgresql://)")


SECRET_KEY = load_secret_key()
DEBUG = env_bool("COMPMS_DEBUG", False)
ALLOWED_HOSTS = env_list("COMPMS_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("COMPMS_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Listed so /api/v1/docs serves Swagger UI from ninja's bundled static files, not a CDN.
    "ninja",
    # Login throttling: counts failures per user name and address, locks out for a while.
    "axes",
    "compms.site",
    "compms.accounts",
    "compms.audit",
    "compms.frameworks",
    "compms.organisation",
    "compms.evidence",
    "compms.gaps",
    "compms.strategy",
    "compms.campaigns",
    "compms.logbook",
    "compms.assessments",
    "compms.authorisations",
    "compms.development",
    "compms.training",
    "compms.succession",
    "compms.interop",
    "compms.privacy",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise so static files get the Content-Security-Policy too.
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Refuses NUL characters, over-long integers and over-deep JSON before any view or database sees them.
    "compms.site.middleware.RequestHygieneMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "compms.accounts.security.SessionTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "compms.accounts.middleware.LoginRequiredMiddleware",
    # Last, as django-axes asks: it turns a lock-out found during authenticate() into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "compms.urls"
WSGI_APPLICATION = "compms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "compms.accounts.context_processors.roles",
            ],
        },
    },
]

DATABASES = {"default": database_from_url(os.environ.get("COMPMS_DATABASE_URL"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"
# API tokens stop working this many days after they are made (COMPMS_TOKEN_DAYS, default 90).
COMPMS_TOKEN_DAYS = int(os.environ.get("COMPMS_TOKEN_DAYS") or "90")
if COMPMS_TOKEN_DAYS < 1:
    raise ValueError("COMPMS_TOKEN_DAYS: give a whole number of days, at least 1")

AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses a locked-out user name + address before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": int(os.environ.get("COMPMS_PASSWORD_MIN_LENGTH", "12"))}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = int(os.environ.get("COMPMS_PASSWORD_RESET_HOURS", "2")) * 3600

# Login throttling (django-axes): a user name tried from one address fails LIMIT times, then that pair is
# locked for the cool-off; a success resets the count. Behind a reverse proxy set COMPMS_PROXY_COUNT so
# the client's own address (from X-Forwarded-For) is counted, not the proxy's.
AXES_FAILURE_LIMIT = int(os.environ.get("COMPMS_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("COMPMS_LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "compms.accounts.security.lockout_response"
AXES_CLIENT_IP_CALLABLE = "compms.accounts.security.client_ip_address"
COMPMS_PROXY_COUNT = int(os.environ.get("COMPMS_PROXY_COUNT", "0"))
AXES_VERBOSE = False

# Sessions end after this much inactivity; administrators and HR (who see and change the most) sooner.
COMPMS_SESSION_HOURS = float(os.environ.get("COMPMS_SESSION_HOURS", "8"))
COMPMS_PRIVILEGED_SESSION_MINUTES = float(os.environ.get("COMPMS_PRIVILEGED_SESSION_MINUTES", "60"))
SESSION_COOKIE_AGE = int(COMPMS_SESSION_HOURS * 3600)

# Content-Security-Policy on every response: only the app's own scripts, styles and images. The one
# relaxation (inline styles for the printable job description) is set on that view; a response that
# sets its own header (e.g. a sandboxed download) keeps it.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("COMPMS_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
# Serve straight from the finders so a fresh checkout needs no collectstatic step.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"
# Each uploaded file (evidence attachment, catalogue file) is at most this many MB; its content is
# checked against an allow-list of kinds (compms.site.uploads).
COMPMS_UPLOAD_MAX_MB = int(os.environ.get("COMPMS_UPLOAD_MAX_MB") or "20")
# Request bodies other than files (JSON: an xAPI batch of 10,000 statements is a few MB).
DATA_UPLOAD_MAX_MEMORY_SIZE = max(50, COMPMS_UPLOAD_MAX_MB) * 1024 * 1024
# Uploads above this are streamed to a temporary file instead of being held in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = int(2.5 * 1024 * 1024)

EMAIL_BACKEND = os.environ.get("COMPMS_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("COMPMS_FROM_EMAIL", "compms@localhost")

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("COMPMS_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = env_bool("COMPMS_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("COMPMS_SECURE_COOKIES", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("COMPMS_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("COMPMS_LOG_LEVEL", "WARNING")},
}

# Personal data: a leaver is anonymised this many whole years after left_on (`compms privacy anonymise --due`).
COMPMS_RETENTION_YEARS = int(os.environ.get("COMPMS_RETENTION_YEARS", "6"))
