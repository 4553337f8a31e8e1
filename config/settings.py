"""The one settings module: every environment variable is read here, with its default inline."""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()

# --- Core -----------------------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=False)

# A development secret is generated once into var/; production must set SECRET_KEY
# (config/wsgi.py and `check --deploy` refuse to run with the development one).
_dev_secret_file = VAR_DIR / "secret_key"
SECRET_KEY = env("SECRET_KEY", default="")
USING_DEVELOPMENT_SECRET = not SECRET_KEY
if USING_DEVELOPMENT_SECRET:
    if not _dev_secret_file.exists():
        _dev_secret_file.write_text(secrets.token_urlsafe(50))
    SECRET_KEY = _dev_secret_file.read_text().strip()

# The public address of the site: links in emails, and its host is the WebAuthn RP ID.
SITE_URL = env("SITE_URL", default="http://localhost:8000").rstrip("/")
_site = urlsplit(SITE_URL)
SITE_HOST = _site.hostname or "localhost"
SITE_IS_HTTPS = _site.scheme == "https"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", SITE_HOST])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[SITE_URL])

INSTALLED_APPS = [
    "config.apps.WharfAdminConfig",
    "config.apps.ConfigConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "config.apps.EmailAddressesConfig",  # allauth.account
    "django_otp",
    "config.apps.AuthenticatorAppsConfig",  # django_otp.plugins.otp_totp
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "accounts",
    "organizations",
    "packages",
    "publishing",
    "tokens",
    "recovery",
]

MIDDLEWARE = [
    "core.logs.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "core.security_headers.ContentSecurityPolicyMiddleware",
    "core.errors.NulBytePathMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "tokens.authentication.PrincipalMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.sessions.SessionTrackingMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "core.errors.WharfErrorMiddleware",
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
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context.site",
                "accounts.reauth.restored_form",
            ],
        },
    },
]

# --- Data -----------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several app-server processes share the file: WAL lets readers run beside the one
    # writer, IMMEDIATE takes the write lock at BEGIN (no "database is locked" half-way
    # through a transaction), and a writer waits up to 5 s for another's commit. Each
    # connection is kept (opening one runs these pragmas again).
    DATABASES["default"].setdefault("CONN_MAX_AGE", None)
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000"
        ),
        "transaction_mode": "IMMEDIATE",
        **DATABASES["default"].get("OPTIONS", {}),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

# --- Files: distributions live in their own storage, local by default, S3 when configured.
FILES_STORAGE = env("FILES_STORAGE", default="")
FILES_ROOT = Path(env("FILES_ROOT", default=str(VAR_DIR / "files")))
FILES_URL = "/files/"
# S3 calls give up well before the app server's request timeout (granian/gunicorn: 120 s):
# at most S3_MAX_ATTEMPTS x (connect + read) seconds, so a hung endpoint answers 503, not a
# killed worker.
S3_CONNECT_TIMEOUT = env.float("S3_CONNECT_TIMEOUT", default=5)
S3_READ_TIMEOUT = env.float("S3_READ_TIMEOUT", default=20)
S3_MAX_ATTEMPTS = env.int("S3_MAX_ATTEMPTS", default=3)
# Downloads never pass through Python with S3: /files/<key> redirects to FILES_CDN_URL/<key>
# when set (a CDN in front of the bucket), else to a presigned URL valid this many seconds.
FILES_CDN_URL = env("FILES_CDN_URL", default="").rstrip("/")
FILES_PRESIGNED_SECONDS = env.int("FILES_PRESIGNED_SECONDS", default=3600)
if FILES_STORAGE.startswith("s3://"):
    from botocore.config import Config as _BotoConfig

    _s3 = urlsplit(FILES_STORAGE)
    _files_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": _s3.hostname,
            "location": _s3.path.strip("/"),
            "endpoint_url": env("AWS_S3_ENDPOINT_URL", default=None),
            "file_overwrite": True,
            "querystring_expire": FILES_PRESIGNED_SECONDS,
            "client_config": _BotoConfig(
                connect_timeout=S3_CONNECT_TIMEOUT,
                read_timeout=S3_READ_TIMEOUT,
                retries={"max_attempts": S3_MAX_ATTEMPTS, "mode": "standard"},
            ),
        },
    }
else:
    _files_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(FILES_ROOT), "base_url": FILES_URL},
    }
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "files": _files_storage,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "media"

# --- Pre-rendered simple pages (packages.pages): written on every change, served by nginx
# (deploy/nginx.conf), a CDN in front of S3, or the WSGI fast path (config/wsgi.py).
PAGES_STORAGE = env("PAGES_STORAGE", default="")  # "" = the PAGES_ROOT folder; s3://bucket/prefix
PAGES_ROOT = Path(env("PAGES_ROOT", default=str(VAR_DIR / "pages")))
PAGES_S3_ENDPOINT_URL = env("PAGES_S3_ENDPOINT_URL", default=None)
# The CDN purge hook called after each page write: "", "fastly", "cloudflare" or a dotted path.
CDN_PURGE = env("CDN_PURGE", default="")
CDN_SERVICE_ID = env("CDN_SERVICE_ID", default="")  # Fastly service id / Cloudflare zone id
CDN_API_TOKEN = env("CDN_API_TOKEN", default="")
CDN_API_URL = env("CDN_API_URL", default="")  # the provider's API (tests: a local fake)
CDN_PAGES_URL = env("CDN_PAGES_URL", default="")  # public base of the pages [SITE_URL]

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns on every request when it is missing
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True
WHITENOISE_MANIFEST_STRICT = False

# --- Accounts ---------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.validators.MaximumLengthPasswordValidator"},
    {"NAME": "accounts.validators.BreachedPasswordValidator"},
]
# Breached passwords: the k-anonymity range API of Have I Been Pwned (only the first five
# hex digits of the SHA-1 leave the server). "offline" checks the small list shipped in
# accounts/breached_passwords.txt instead (make run, no network); when the service fails the
# password is allowed and the failure logged.
PWNED_PASSWORDS_URL = env("PWNED_PASSWORDS_URL", default="https://api.pwnedpasswords.com/range/")
# Reset links live this long (NIST 800-63B: short); they are single use and die when the
# password changes or the user signs in.
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=60 * 60)
# Expired email domains: every day the domains of verified addresses are looked up (MX, then
# A/AAAA); an address whose domain no longer resolves is marked unverified.
EMAIL_DOMAIN_RESOLVER = env("EMAIL_DOMAIN_RESOLVER", default="accounts.domains.DnsResolver")
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "accounts:account"
LOGOUT_REDIRECT_URL = "/"

# The version of the terms of service a signup agrees to (stored with the account).
TERMS_VERSION = env("TERMS_VERSION", default="2026-11-01")

ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupForm"
# Reset links go only to verified addresses; unverified ones are pointed to /recovery/.
ACCOUNT_FORMS = {
    "login": "accounts.allauth_forms.LoginForm",
    "reset_password": "accounts.allauth_forms.ResetPasswordForm",
    "signup": "accounts.allauth_forms.SignupForm",
}
ACCOUNT_USERNAME_VALIDATORS = "accounts.validators.USERNAME_VALIDATORS"
ACCOUNT_USERNAME_MIN_LENGTH = 1
ACCOUNT_PRESERVE_USERNAME_CASING = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "optional"  # signing in is allowed; publishing needs it
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 3
ACCOUNT_MAX_EMAIL_ADDRESSES = 5
ACCOUNT_CHANGE_EMAIL = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Wharf] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = _site.scheme or "http"
# Behind N reverse proxies, the client is the Nth address from the right of X-Forwarded-For:
# per-IP limits and the IPs in the security history use it (0: REMOTE_ADDR, no proxy).
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# allauth's own limits are off: every limit is core.limits' (RATE_LIMITS below), so there
# is one way to count, one 429 with Retry-After, and one table in the README.
ACCOUNT_RATE_LIMITS = False

# --- Rate limits: "count/seconds" per key; each also settable as RATE_LIMIT_<NAME> --------
# Counted in the cache: production needs a shared one (Redis), or each worker counts alone.
_RATE_LIMIT_DEFAULTS = {
    "sign_in_ip": "30/60",  # failed sign-ins (web) from one IP address
    "sign_in_account": "5/300",  # failed sign-ins (web) naming one account; success resets
    "second_factor_account": "5/300",  # wrong second-factor codes or keys for one account
    "upload_auth_ip": "10/300",  # failed Basic sign-ins at /legacy/ from one IP address
    "upload_auth_account": "10/300",  # failed Basic sign-ins at /legacy/ for one account
    "api_auth_ip": "20/300",  # failed Basic sign-ins to /api/v1/ from one IP address
    "api_auth_account": "10/300",  # failed Basic sign-ins to /api/v1/ for one account
    "signup_ip": "10/3600",  # accounts created from one IP address
    "reset_ip": "20/60",  # password reset requests from one IP address
    "reset_address": "5/300",  # password reset requests for one address
    "recovery_ip": "5/3600",  # recovery requests from one IP address
    "recovery_account": "3/86400",  # recovery requests claiming one account
    "email_resend_user": "1/180",  # verification mails sent to one address
    "oidc_mint_ip": "60/60",  # trusted-publishing token exchanges from one IP address
    "oidc_mint_publisher": "30/60",  # token exchanges for one trusted publisher
    "publisher_add_user": "20/3600",  # trusted publishers one account registers
}
RATE_LIMITS = {
    name: env(f"RATE_LIMIT_{name.upper()}", default=default)
    for name, default in _RATE_LIMIT_DEFAULTS.items()
}

# --- Two-factor -----------------------------------------------------------------------
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="Wharf")
OTP_TOTP_TOLERANCE = 1
# Staff never see a user's TOTP secret: django-otp's admin would show its key and QR code
# (and answered an unknown device id with a 500).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# A sign-in waiting for its second factor expires after this many seconds (allauth's stage).
ACCOUNT_LOGIN_TIMEOUT = env.int("ACCOUNT_LOGIN_TIMEOUT", default=300)
# Sensitive actions need the password (and second factor) entered within this many seconds.
REAUTH_MAX_AGE = env.int("REAUTH_MAX_AGE", default=300)

# --- Email: every message goes out through a celery task --------------------------------
_email = env.email_url("EMAIL_URL", default="consolemail://")
if _email["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend":
    # django-environ strips the leading slash of filemail:///abs/dir.
    _email["EMAIL_FILE_PATH"] = "/" + str(_email["EMAIL_FILE_PATH"]).lstrip("/")
vars().update(_email)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default=f"Wharf <noreply@{SITE_HOST}>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery: with no broker, tasks run in-process -----------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="") or "memory://"
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL == "memory://"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
# Beat's schedule state: outside the code (the systemd unit sets /var/lib/wharf/...).
CELERY_BEAT_SCHEDULE_FILENAME = env(
    "CELERY_BEAT_SCHEDULE_FILE", default=str(VAR_DIR / "celerybeat-schedule")
)
# Our LOGGING (JSON lines) applies in the worker too.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- API --------------------------------------------------------------------------------
# API access tokens (POST /api/v1/auth/session-token/) live this long.
API_SESSION_TOKEN_MINUTES = env.int("API_SESSION_TOKEN_MINUTES", default=60)
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "core.api.ApiSchema",
    # Basic first, so an anonymous call gets 401 with a WWW-Authenticate challenge.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tokens.authentication.ApiAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "core.api.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Wharf API",
    "DESCRIPTION": "Scripts and CI: tokens, projects, roles and the account.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "publishing.api.require_publisher_body",
    ],
    # PATCH bodies are validated whole (the views use no partial serializers): document the
    # same required fields, not a "Patched" copy where every field is optional.
    "COMPONENT_SPLIT_PATCH": False,
    # Request and response components apart: a request's text fields say they may not be
    # blank (minLength), which a response's need not.
    "COMPONENT_SPLIT_REQUEST": True,
    # Projects and organizations both have roles; organizations and tokens both a status.
    "ENUM_NAME_OVERRIDES": {
        "ProjectRoleEnum": ["Owner", "Maintainer"],
        "OrganizationRoleEnum": ["Owner", "Manager", "Member"],
        "TokenStatusEnum": ["active", "revoked", "expired"],
        # The kind of a publisher's input body (one per kind, for projects and organizations).
        "GithubKindEnum": ["github"],
        "GitlabKindEnum": ["gitlab"],
        "GenericKindEnum": ["generic"],
    },
}

# --- Outside HTTP (core.outside.fetch): private addresses are refused unless this allows them
# (tests run fake servers on 127.0.0.1; never set it in production).
OUTSIDE_ALLOW_PRIVATE_HOSTS = env.bool("OUTSIDE_ALLOW_PRIVATE_HOSTS", default=False)

# --- Packages -------------------------------------------------------------------------
TOKEN_PREFIX = env("TOKEN_PREFIX", default="wharf")
# Where GitHub publishes the keys that sign secret-scanning (leaked token) reports.
GITHUB_SECRET_SCANNING_KEYS_URL = env(
    "GITHUB_SECRET_SCANNING_KEYS_URL",
    default="https://api.github.com/meta/public_keys/secret_scanning",
)
MAX_FILE_SIZE = env.int("MAX_FILE_SIZE", default=100 * 1024 * 1024)
MAX_PROJECT_SIZE = env.int("MAX_PROJECT_SIZE", default=10 * 1024 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Upload policies: password uploads (refused anyway for accounts with 2FA: they use tokens),
# and an index-wide rule that only accounts with two-factor authentication may publish.
PASSWORD_UPLOADS_ALLOWED = env.bool("PASSWORD_UPLOADS_ALLOWED", default=True)
TWO_FACTOR_REQUIRED_TO_PUBLISH = env.bool("TWO_FACTOR_REQUIRED_TO_PUBLISH", default=False)
# How long an Owner's invitation to a project stays open.
ROLE_INVITATION_DAYS = env.int("ROLE_INVITATION_DAYS", default=7)
# Names nobody may register, on top of the standard library's modules (sys.stdlib_module_names).
RESERVED_PROJECT_NAMES = env.list("RESERVED_PROJECT_NAMES", default=["wharf", "pypi", "pip"])
# Archives are checked before they are stored (packages/archives.py): what they may unpack to.
ARCHIVE_MAX_UNCOMPRESSED_SIZE = env.int("ARCHIVE_MAX_UNCOMPRESSED_SIZE", default=1024 * 1024 * 1024)
ARCHIVE_MAX_MEMBERS = env.int("ARCHIVE_MAX_MEMBERS", default=20_000)
# A member over ARCHIVE_RATIO_MIN_SIZE may not be compressed more than this ratio (Warehouse: 50).
ARCHIVE_MAX_COMPRESSION_RATIO = env.int("ARCHIVE_MAX_COMPRESSION_RATIO", default=50)
ARCHIVE_RATIO_MIN_SIZE = env.int("ARCHIVE_RATIO_MIN_SIZE", default=10 * 1024 * 1024)

# --- Trusted publishing: CI jobs exchange their OIDC token for a 15-minute upload token -----
# The audience a CI job must request its OIDC token for (GET /_/oidc/audience says it).
OIDC_AUDIENCE = env("OIDC_AUDIENCE", default=SITE_HOST)
# The issuers trusted at all, as comma-separated kind=url pairs (kinds: github, gitlab,
# generic); add a self-managed GitLab, Gitea/Forgejo Actions or any OIDC CI here.
OIDC_ISSUERS = [
    (kind.strip(), url.strip().rstrip("/"))
    for kind, _, url in (
        pair.partition("=")
        for pair in env.list(
            "OIDC_ISSUERS",
            default=[
                "github=https://token.actions.githubusercontent.com",
                "gitlab=https://gitlab.com",
            ],
        )
        if pair.strip()
    )
]
# Fetch an issuer's keys from a private address (tests run a fake issuer on 127.0.0.1).
OIDC_ALLOW_PRIVATE_ISSUERS = env.bool("OIDC_ALLOW_PRIVATE_ISSUERS", default=False)
# Clock skew tolerated on exp, nbf and iat, in seconds.
OIDC_LEEWAY = env.int("OIDC_LEEWAY", default=30)
# How long a minted upload token lives, and how long a pending publisher waits for its name.
TRUSTED_PUBLISHING_TOKEN_MINUTES = env.int("TRUSTED_PUBLISHING_TOKEN_MINUTES", default=15)
PENDING_PUBLISHER_DAYS = env.int("PENDING_PUBLISHER_DAYS", default=30)

# --- Organizations --------------------------------------------------------------------
# When true, a new organization waits for staff approval in admin before it can be used.
ORGANIZATIONS_REQUIRE_APPROVAL = env.bool("ORGANIZATIONS_REQUIRE_APPROVAL", default=False)
# How long an invitation to join an organization stays open.
ORGANIZATION_INVITATION_DAYS = env.int("ORGANIZATION_INVITATION_DAYS", default=7)

# --- Account recovery: staff review; approval waits so the real owner can still cancel ----
RECOVERY_WAITING_PERIOD = timedelta(hours=env.float("RECOVERY_WAITING_PERIOD_HOURS", default=24))
# An account with two-factor on waits longer: its owner has a factor they may yet find.
RECOVERY_WAITING_PERIOD_TWO_FACTOR = timedelta(
    days=env.float("RECOVERY_WAITING_PERIOD_TWO_FACTOR_DAYS", default=7)
)
RECOVERY_LINK_LIFETIME = timedelta(days=3)  # contact verification and "answer" links
RECOVERY_CANCEL_LINK_LIFETIME = timedelta(days=30)  # the owner's "this wasn't me" link
RECOVERY_PASSWORD_LINK_LIFETIME = timedelta(hours=6)  # the new-password link, one use
RECOVERY_UNVERIFIED_CLOSE_AFTER = timedelta(days=3)
RECOVERY_STAFF_REMINDER_AFTER = timedelta(hours=48)
# The repository challenge fetches claimant-chosen URLs: private addresses only in tests.
RECOVERY_CHALLENGE_ALLOW_PRIVATE_HOSTS = env.bool(
    "RECOVERY_CHALLENGE_ALLOW_PRIVATE_HOSTS", default=False
)

# --- Security headers: strict whenever the site is served over HTTPS ----------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# The __Host- prefix binds a cookie to this exact host over https (no Domain, Path=/, Secure).
SESSION_COOKIE_NAME = "__Host-sessionid" if SITE_IS_HTTPS else "sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken" if SITE_IS_HTTPS else "csrftoken"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 24 * 14)
SESSION_COOKIE_SECURE = SITE_IS_HTTPS
CSRF_COOKIE_SECURE = SITE_IS_HTTPS
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=SITE_IS_HTTPS)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SITE_IS_HTTPS else None
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if SITE_IS_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SITE_IS_HTTPS
SECURE_HSTS_PRELOAD = SITE_IS_HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
# Scripts only from this site (no inline ones); README images may come from anywhere https.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: https:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Operations: logs, error reporting ---------------------------------------------------
# One JSON object per line (time, level, logger, message, request_id, user) for log
# collectors; LOG_FORMAT=text for a person reading a terminal.
LOG_FORMAT = env("LOG_FORMAT", default="text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "core.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
}

# Errors (web and celery tasks) go to Sentry when SENTRY_DSN is set.
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        environment=env("SENTRY_ENVIRONMENT", default="production"),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
        send_default_pii=False,
    )
