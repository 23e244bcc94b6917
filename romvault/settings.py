"""romvault settings: every knob is an environment variable (see README, "Configuration").

Precedence: the process environment, then `.env` in the project root, then
`$XDG_CONFIG_HOME/romvault/romvault.env` (written by `make run` and `manage.py setup`).
"""

import ipaddress
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from romvault import config

BASE_DIR = config.BASE_DIR
config.load_environment()
env = environ.Env()

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _bool(name, default):
    raw = env.str(name, default=str(default)).strip().lower()
    if raw not in _TRUE | _FALSE:
        raise ImproperlyConfigured(
            f"{name} must be true or false (1/0, yes/no, on/off), not {raw!r}."
        )
    return raw in _TRUE


def _int(name, default, low, high):
    raw = env.str(name, default=str(default)).strip()
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise ImproperlyConfigured(
            f"{name} must be a whole number from {low} to {high}, not {raw!r}."
        )
    return value


def _list(name):
    return [item.strip() for item in env.str(name, default="").split(",") if item.strip()]


def _url(name, default):
    value = env.str(name, default=default).strip().rstrip("/")
    if not value.startswith(("http://", "https://")):
        raise ImproperlyConfigured(f"{name} must be an http:// or https:// URL, not {value!r}.")
    return value


DEBUG = _bool("DEBUG", False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY or SECRET_KEY.startswith(config.INSECURE_KEY_PREFIX):
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Run `make run` (it stores a random key in "
            f"{config.config_file()}) or set SECRET_KEY to a long random string; "
            "DEBUG=true allows a throwaway development key."
        )
    SECRET_KEY = config.INSECURE_KEY_PREFIX + "development-only"

ALLOWED_HOSTS = _list("ALLOWED_HOSTS") or ["localhost", "127.0.0.1", "[::1]"]
CSRF_TRUSTED_ORIGINS = _list("CSRF_TRUSTED_ORIGINS")

# HTTPS (README, "Running it in production"). HTTPS=true says visitors reach the site over
# https://, directly or through a proxy: cookies are then sent over HTTPS only, plain HTTP is
# redirected and browsers are told (HSTS) to use HTTPS from then on.
HTTPS = _bool("HTTPS", False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
# The proxy may redirect http:// itself; SECURE_SSL_REDIRECT=false then leaves it to the proxy.
SECURE_SSL_REDIRECT = HTTPS and _bool("SECURE_SSL_REDIRECT", True)
# The Docker health check asks over plain HTTP from inside the container.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Behind a proxy that ends TLS, the app sees plain HTTP; the proxy's header (X-Forwarded-Proto:
# https) says the visitor used HTTPS. Only set it when the proxy always sets or strips that header.
_proxy_header = env.str("SECURE_PROXY_SSL_HEADER", default="").strip()
if _proxy_header:
    if not _proxy_header.replace("-", "").isalnum():
        raise ImproperlyConfigured(
            "SECURE_PROXY_SSL_HEADER must be a header name such as X-Forwarded-Proto, "
            f"not {_proxy_header!r}."
        )
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_header.upper().replace("-", "_"), "https")
# Addresses of reverse proxies in front of romvault. A request from one of them is counted (login
# throttling) by the client address it appends to X-Forwarded-For; from anywhere else that
# header is ignored, since any client can send one.
TRUSTED_PROXIES = _list("TRUSTED_PROXIES")
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_address(_proxy)
    except ValueError:
        raise ImproperlyConfigured(
            f"TRUSTED_PROXIES must list IP addresses such as 127.0.0.1, not {_proxy!r}."
        ) from None
SECURE_HSTS_SECONDS = _int("SECURE_HSTS_SECONDS", 31_536_000 if HTTPS else 0, 0, 63_072_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
# Preloading is hard to undo (hstspreload.org), so it is the owner's explicit choice.
SECURE_HSTS_PRELOAD = _bool("SECURE_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = []
if not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS.append("security.W021")  # "you have not set SECURE_HSTS_PRELOAD"
if HTTPS and not SECURE_SSL_REDIRECT:
    SILENCED_SYSTEM_CHECKS.append("security.W008")  # the proxy redirects to HTTPS instead
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
# No script reads the CSRF cookie: base.html puts the token in <body hx-headers> for htmx, and
# forms carry {% csrf_token %}. So the cookie can be hidden from scripts too.
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

DATA_DIR = Path(env.str("DATA_DIR", default=str(config.default_data_dir()))).expanduser()

INSTALLED_APPS = [
    "romvault",  # the site-wide commands (`setup`)
    "accounts",
    "catalog",
    "scraper",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
]

MIDDLEWARE = [
    "romvault.middleware.ReleaseDatabaseMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "romvault.middleware.ContentSecurityPolicyMiddleware",
    "romvault.streaming.StaticFilesMiddleware",  # whitenoise's
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "romvault.middleware.HtmxLoginRedirectMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "romvault.urls"
WSGI_APPLICATION = "romvault.wsgi.application"

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
            ],
        },
    },
]

try:
    DATABASES = {
        "default": config.database_from_url(
            env.str("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'romvault.sqlite3'}")
        )
    }
except ValueError as exc:
    raise ImproperlyConfigured(str(exc)) from None

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets pages read while `scrape` writes; IMMEDIATE plus a busy timeout makes writers
    # queue instead of failing with "database is locked". temp_store=MEMORY keeps statement
    # journals off the disk: a multi-row INSERT inside a transaction copies every page it
    # changes into one (to undo just that statement), a temporary file once past 64 KB, which
    # doubled the scan's page writes. Those journals never outlive their transaction; crash
    # safety comes from the WAL.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY;"
            ),
        }
    )
    # Its folder and the file itself are created private at start-up (romvault/datadir.py).
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A pool per process, not persistent connections: under the ASGI server (gunicorn.conf.py)
    # each request runs in a thread of its own, where a kept connection would be stranded. The
    # pool also bounds the connections: 200 requests arriving at once took 200 (PostgreSQL's
    # default max_connections is 100: half failed, bench/slowclients.py); now the extra ones
    # wait their turn, at most DATABASE_POOL_TIMEOUT seconds. Requests hold one only while
    # their view runs (romvault.middleware.ReleaseDatabaseMiddleware).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "pool",
        {
            "min_size": 1,
            "max_size": env.int("DATABASE_POOL_SIZE", default=10),
            "timeout": env.int("DATABASE_POOL_TIMEOUT", default=20),
        },
    )
    # The planner's cost of a random page read: 4.0 by default, a spinning disk's, made it scan
    # the whole table for a search word in one game in ten (135 ms at 100,000 games) rather
    # than use the trigram index (23 ms). 1.1 is the usual value for SSDs and for data that
    # fits in memory, as a library's does; for romvault's connections only.
    DATABASES["default"]["OPTIONS"].setdefault("options", "-c random_page_cost=1.1")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "catalog:index"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "romvault.staticfiles.ProjectFinder",  # STATICFILES_DIRS without static/src/
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
MEDIA_URL = "media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    # Cached images, in the private data folder (romvault/datadir.py). Django's own default
    # would chmod each file 0644; static files keep it: a web server may serve them.
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"file_permissions_mode": 0o600, "directory_permissions_mode": 0o700},
    },
    "staticfiles": {"BACKEND": "romvault.staticfiles.StaticFilesStorage"},
}

# The library
ROM_DIRS = [Path(p).expanduser() for p in _list("ROM_DIRS")]
# Who sends a download's bytes once romvault has allowed it (catalog/downloads.py): Django itself
# (empty), nginx through X-Accel-Redirect ("nginx:/internal-location/"), Apache's mod_xsendfile.
DOWNLOAD_ACCEL = env.str("DOWNLOAD_ACCEL", default="").strip()
# The largest save a player may store per game file (a zip of the files the game changed).
SAVE_MAX_BYTES = env.int("SAVE_MAX_BYTES", default=8 * 1024 * 1024)
if DOWNLOAD_ACCEL not in {"", "sendfile"} and not (
    DOWNLOAD_ACCEL.startswith("nginx:/") and len(DOWNLOAD_ACCEL.split()) == 1
):
    raise ImproperlyConfigured(
        "DOWNLOAD_ACCEL must be empty (romvault sends files itself), nginx:/<internal location>/ "
        f"(nginx X-Accel-Redirect) or sendfile (Apache mod_xsendfile), not {DOWNLOAD_ACCEL!r}."
    )
# File extensions the scanner indexes; empty means the DOS defaults in scraper/scan.py.
ROM_EXTENSIONS = [ext.lower().lstrip(".") for ext in _list("ROM_EXTENSIONS")]
IGDB_CLIENT_ID = env.str("IGDB_CLIENT_ID", default="")
IGDB_SECRET_KEY = env.str("IGDB_SECRET_KEY", default="")
IGDB_API_URL = _url("IGDB_API_URL", "https://api.igdb.com/v4")
IGDB_IMAGE_URL = _url("IGDB_IMAGE_URL", "https://images.igdb.com/igdb/image/upload")
TWITCH_TOKEN_URL = _url("TWITCH_TOKEN_URL", "https://id.twitch.tv/oauth2/token")
SCRAPE_CONCURRENCY = _int("SCRAPE_CONCURRENCY", 4, 1, 8)
SCRAPE_BATCH_SIZE = _int("SCRAPE_BATCH_SIZE", 500, 1, 10_000)
# `scrape` keeps local copies of covers and screenshots, served to logged-in users by
# catalog/views/images.py; false leaves them on IGDB's CDN (`scrape --images` still keeps them).
SCRAPE_IMAGES = _bool("SCRAPE_IMAGES", True)
# How long a rendered catalogue page may be reused for the same user (catalog/pagecache.py);
# any change to the catalogue retires cached pages at once. 0 turns the cache off.
CATALOGUE_CACHE_SECONDS = _int("CATALOGUE_CACHE_SECONDS", 300, 0, 86_400)

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(
        f"LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, not {LOG_LEVEL!r}."
    )
# Where log lines go: stderr keeps a command's stdout for its own report (`scrape > out.txt`);
# gunicorn.conf.py sets stdout, where the server's own log lines go.
LOG_STREAM = env.str("LOG_STREAM", default="stderr").strip().lower()
if LOG_STREAM not in {"stdout", "stderr"}:
    raise ImproperlyConfigured(f"LOG_STREAM must be stdout or stderr, not {LOG_STREAM!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {
            "class": "romvault.logs.Formatter",
            "format": "{asctime} {levelname} {name}: {message}",
            "style": "{",
        }
    },
    "filters": {"without_traceback": {"()": "romvault.logs.WithoutTraceback"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": f"ext://sys.{LOG_STREAM}",
            "formatter": "plain",
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # httpx logs every request at INFO: thousands of lines per scrape.
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        # Anyone can send any Host header (scanners do): one line each, not a traceback.
        "django.security.DisallowedHost": {"filters": ["without_traceback"]},
    },
}
