"""Where romvault keeps its configuration and data, and how the env files layer.

Imports only the standard library: `make run` calls `python -m romvault.config
--ensure-secret-key` before Django can load settings (settings refuse to start without a real
SECRET_KEY when DEBUG is off).
"""

import argparse
import os
import re
import secrets
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
INSECURE_KEY_PREFIX = "django-insecure-"
DB_ENGINES = {"django.db.backends.sqlite3", "django.db.backends.postgresql"}


def xdg_dir(variable: str, fallback: str) -> Path:
    # The XDG spec says to ignore a relative value.
    value = os.environ.get(variable, "")
    return Path(value) if os.path.isabs(value) else Path.home() / fallback


def config_file() -> Path:
    """The file `manage.py setup` writes: $XDG_CONFIG_HOME/romvault/romvault.env."""
    return xdg_dir("XDG_CONFIG_HOME", ".config") / "romvault" / "romvault.env"


def default_data_dir() -> Path:
    return xdg_dir("XDG_DATA_HOME", ".local/share") / "romvault"


def dotenv_file() -> Path:
    return BASE_DIR / ".env"


def database_from_url(url: str) -> dict:
    """Django's DATABASES entry for a DATABASE_URL; ValueError unless it is SQLite or PostgreSQL
    (settings at start-up and `setup` on an answer apply this one rule)."""
    import environ  # not at the top: see the module docstring

    try:
        database = environ.Env.db_url_config(url)
    except Exception:  # django-environ raises several types for a malformed URL
        database = {}
    if database.get("ENGINE") not in DB_ENGINES:
        raise ValueError(
            "DATABASE_URL must be a SQLite or PostgreSQL URL, for example "
            "sqlite:////srv/romvault/romvault.sqlite3 or postgres://user:pass@host:5432/romvault."
        )
    return database


_SCHEME_AND_USER = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*:/+)(?P<user>[^:/@]*)")
_PASSWORD_PARAMETER = re.compile(r"([?&][^=&]*password=)[^&#]*", re.IGNORECASE)


def redact_url(url: str) -> str:
    """The URL as it may be shown: postgres://user:***@host/db. Also a malformed one, which may
    still hold a password: then all that precedes the last @ is hidden."""
    url = _PASSWORD_PARAMETER.sub(r"\1***", url)  # libpq also takes ?password=
    head, at, host = url.rpartition("@")
    if not at:
        return url
    match = _SCHEME_AND_USER.match(head)
    if match is None:
        return f"***@{host}"
    after_user = head[match.end() : match.end() + 1]
    if after_user == ":":
        return f"{match['scheme']}{match['user']}:***@{host}"
    # A user without a password, or an @ in a SQLite file's path.
    return url


def parse_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines; blank lines and # comments skipped; optional quotes removed."""
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        key = key.removeprefix("export ").strip()
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key] = value
    return values


def layered_environ(environ, files) -> dict[str, str]:
    """The process environment wins, then each file in the order given."""
    merged = {}
    for path in reversed(list(files)):
        if path.is_file():
            merged.update(parse_env_file(path))
    merged.update(environ)
    return merged


def load_environment() -> None:
    """Fill os.environ from `.env`, then the XDG file, never overriding what is set."""
    for key, value in layered_environ({}, [dotenv_file(), config_file()]).items():
        os.environ.setdefault(key, value)


def write_config_values(path: Path, updates: dict[str, str], remove=()) -> None:
    """Set keys in an env file (and drop those in `remove`), keeping its other lines; the file
    is private (0600)."""
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    pending = dict(updates)
    out = []
    for line in lines:
        key = line.partition("=")[0].removeprefix("export ").strip()
        if "=" not in line or (key not in updates and key not in remove):
            out.append(line)
        elif key in pending:
            out.append(f"{key}={pending.pop(key)}")
        # else: a later duplicate of a key set or removed here; the last one would win
    out += [f"{key}={value}" for key, value in pending.items()]
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # README, "Files at rest"
    # A private temporary file renamed over the old one: never a half-written file of secrets.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write("".join(line + "\n" for line in out))
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()


def ensure_secret_key() -> str:
    """Generate and store a SECRET_KEY for a local install unless one is configured."""
    load_environment()
    key = os.environ.get("SECRET_KEY", "")
    if key and not key.startswith(INSECURE_KEY_PREFIX):
        return "SECRET_KEY is configured."
    path = config_file()
    write_config_values(path, {"SECRET_KEY": secrets.token_urlsafe(50)})
    return f"Generated a SECRET_KEY and stored it in {path} (mode 0600)."


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m romvault.config", description=__doc__)
    parser.add_argument(
        "--ensure-secret-key",
        action="store_true",
        help="store a random SECRET_KEY in the XDG config file unless one is configured",
    )
    args = parser.parse_args(argv)
    if args.ensure_secret_key:
        print(ensure_secret_key())
    else:
        print(f"config file: {config_file()}\ndata dir:    {default_data_dir()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
