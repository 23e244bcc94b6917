"""romvault settings: every knob is an environment variable (see README, "Configuration").

Precedence: the process environment, then `.env` in the project root, then
`$XDG_CONFIG_HOME/romvault/romvault.env` (written by `make run` and `manage.py setup`).
"""

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

DATA_DIR = Path(env.str("DATA_DIR", default=str(config.default_data_dir()))).expanduser()

INSTALLED_APPS = [
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
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
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

_DB_ENGINES = {"django.db.backends.sqlite3", "django.db.backends.postgresql"}
try:
    DATABASES = {
        "default": env.db_url_config(
            env.str("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'romvault.sqlite3'}")
        )
    }
except Exception:  # django-environ raises several types for a malformed URL
    DATABASES = {"default": {"ENGINE": None}}
if DATABASES["default"]["ENGINE"] not in _DB_ENGINES:
    raise ImproperlyConfigured(
        "DATABASE_URL must be a SQLite or PostgreSQL URL, for example "
        "sqlite:////srv/romvault/romvault.sqlite3 or postgres://user:pass@host:5432/romvault."
    )

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets pages read while `scrape` writes; IMMEDIATE plus a busy timeout makes writers
    # queue instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": ("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"),
        }
    )
    db_name = DATABASES["default"]["NAME"]
    if db_name and db_name != ":memory:":
        Path(db_name).parent.mkdir(parents=True, exist_ok=True)
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)

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
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
MEDIA_URL = "media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# The library
ROM_DIRS = [Path(p).expanduser() for p in _list("ROM_DIRS")]
# Who sends a download's bytes once romvault has allowed it (catalog/downloads.py): Django itself
# (empty), nginx through X-Accel-Redirect ("nginx:/internal-location/"), Apache's mod_xsendfile.
DOWNLOAD_ACCEL = env.str("DOWNLOAD_ACCEL", default="").strip()
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
# How long a rendered catalogue page may be reused for the same user (catalog/pagecache.py);
# any change to the catalogue retires cached pages at once. 0 turns the cache off.
CATALOGUE_CACHE_SECONDS = _int("CATALOGUE_CACHE_SECONDS", 300, 0, 86_400)

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(
        f"LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, not {LOG_LEVEL!r}."
    )
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "{asctime} {levelname} {name}: {message}", "style": "{"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # httpx logs every request at INFO: thousands of lines per scrape.
    "loggers": {"httpx": {"level": "WARNING"}, "httpcore": {"level": "WARNING"}},
}
