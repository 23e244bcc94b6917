import json
import os
import subprocess
import sys

import pytest

from romvault import config

ROMVAULT_VARS = {
    "SECRET_KEY",
    "DEBUG",
    "DATABASE_URL",
    "ROM_DIRS",
    "SCRAPE_CONCURRENCY",
    "SCRAPE_BATCH_SIZE",
    "IGDB_API_URL",
    "LOG_LEVEL",
    "DATA_DIR",
    "HTTPS",
    "SECURE_HSTS_SECONDS",
    "SECURE_PROXY_SSL_HEADER",
    "LOG_STREAM",
}
PRINT_SETTINGS = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'rom_dirs': [str(p) for p in s.ROM_DIRS], "
    "'concurrency': s.SCRAPE_CONCURRENCY, 'db': str(s.DATABASES['default']['NAME']), "
    "'debug': s.DEBUG}))"
)


def load_settings(tmp_path, config_lines=(), **env):
    """Import the real settings in a fresh interpreter with a private home and XDG folders."""
    base = {k: v for k, v in os.environ.items() if k not in ROMVAULT_VARS}
    base.update(
        HOME=str(tmp_path),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        DJANGO_SETTINGS_MODULE="romvault.settings",
    )
    base.update(env)
    if config_lines:
        path = tmp_path / "config" / "romvault" / "romvault.env"
        path.parent.mkdir(parents=True)
        path.write_text("\n".join(config_lines) + "\n")
    return subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=config.BASE_DIR,
        env=base,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_environment_wins_over_dotenv_which_wins_over_the_xdg_file(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("A=dotenv\nB=dotenv\n# comment\nexport D='quoted'\n")
    xdg = tmp_path / "romvault.env"
    xdg.write_text("A=xdg\nB=xdg\nC=xdg\n")
    merged = config.layered_environ({"A": "process"}, [dotenv, xdg])
    assert (merged["A"], merged["B"], merged["C"], merged["D"]) == (
        "process",
        "dotenv",
        "xdg",
        "quoted",
    )


def test_settings_read_the_xdg_config_file(tmp_path):
    result = load_settings(
        tmp_path, ["SECRET_KEY=" + "k" * 50, "ROM_DIRS=/games/a, /games/b", "SCRAPE_CONCURRENCY=2"]
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["rom_dirs"] == ["/games/a", "/games/b"]
    assert values["concurrency"] == 2
    assert values["debug"] is False


def test_process_environment_overrides_the_xdg_config_file(tmp_path):
    result = load_settings(
        tmp_path, ["SECRET_KEY=" + "k" * 50, "SCRAPE_CONCURRENCY=2"], SCRAPE_CONCURRENCY="6"
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["concurrency"] == 6


def test_sqlite_database_lives_in_the_xdg_data_folder_by_default(tmp_path):
    result = load_settings(tmp_path, SECRET_KEY="k" * 50)
    assert result.returncode == 0, result.stderr
    db = json.loads(result.stdout)["db"]
    assert db == str(tmp_path / "data" / "romvault" / "romvault.sqlite3")


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SCRAPE_CONCURRENCY", "9"),
        ("SCRAPE_CONCURRENCY", "four"),
        ("SCRAPE_BATCH_SIZE", "0"),
        ("DEBUG", "maybe"),
        ("DATABASE_URL", "nosuchdb://x"),
        ("IGDB_API_URL", "ftp://igdb"),
        ("LOG_LEVEL", "LOUD"),
        ("HTTPS", "sometimes"),
        ("SECURE_HSTS_SECONDS", "-1"),
        ("SECURE_PROXY_SSL_HEADER", "X-Forwarded-Proto: https"),
        ("LOG_STREAM", "syslog"),
    ],
)
def test_a_bad_value_stops_start_up_naming_the_variable(tmp_path, variable, value):
    result = load_settings(tmp_path, SECRET_KEY="k" * 50, **{variable: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr.splitlines()[-1]


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = load_settings(tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_debug_mode_runs_with_a_development_key(tmp_path):
    result = load_settings(tmp_path, DEBUG="true")
    assert result.returncode == 0, result.stderr


def test_ensure_secret_key_stores_a_private_key_once(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setattr(config, "dotenv_file", lambda: tmp_path / "no.env")
    assert "Generated" in config.ensure_secret_key()
    path = tmp_path / "romvault" / "romvault.env"
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    key = config.parse_env_file(path)["SECRET_KEY"]
    assert len(key) >= 50
    # load_environment put it in os.environ; a second call keeps the stored key.
    assert "configured" in config.ensure_secret_key()
    assert config.parse_env_file(path)["SECRET_KEY"] == key


@pytest.mark.parametrize(
    "url", ["nosuchdb://x", "mysql://user@host/romvault", "postgres://host:port/x"]
)
def test_only_sqlite_and_postgresql_urls_are_databases(url):
    with pytest.raises(ValueError, match="DATABASE_URL must be a SQLite or PostgreSQL URL"):
        config.database_from_url(url)


def test_a_postgresql_url_becomes_a_database_entry():
    database = config.database_from_url("postgres://user:pw@db.example:5432/romvault")
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["HOST"], database["PORT"], database["NAME"]) == (
        "db.example",
        5432,
        "romvault",
    )
