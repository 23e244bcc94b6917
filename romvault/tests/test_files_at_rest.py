"""The data folder is private: the database (session keys, password hashes), the IGDB token, scrape
logs and cached images are created owner-only through the real commands, and a folder left
readable by others is made private at start-up.

Real processes with the usual umask (022, which alone would give 0755 folders and 0644 files), a
file-backed SQLite database and the fake IGDB.
"""

import os
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from fake_igdb import FakeIGDB, build_dataset
from romvault import config, datadir

CLEARED = {"SECRET_KEY", "DATABASE_URL", "ROM_DIRS", "DATA_DIR", "IGDB_CLIENT_ID"}


@pytest.fixture(scope="module")
def igdb():
    with FakeIGDB(build_dataset(n_games=8, seed=3), latency=0) as server:
        yield server


@pytest.fixture
def home(tmp_path):
    """A private XDG home: the data folder is $XDG_DATA_HOME/romvault, as on a fresh install."""
    (tmp_path / "share").mkdir()
    return tmp_path


def environment(home, **extra):
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env.update(
        HOME=str(home),
        XDG_DATA_HOME=str(home / "share"),
        XDG_CONFIG_HOME=str(home / "config"),
        IGDB_CLIENT_ID="",
    )
    env.update(extra)
    return env


def run(env, *args):
    result = subprocess.run(
        [sys.executable, *args],
        cwd=config.BASE_DIR,
        env=env,
        umask=0o022,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def modes(root: Path) -> dict[str, str]:
    """Every folder and file under root (root itself as "."), with its permission bits."""
    found = {".": oct(stat.S_IMODE(root.stat().st_mode))}
    for path in root.rglob("*"):
        found[str(path.relative_to(root))] = oct(stat.S_IMODE(path.lstat().st_mode))
    return found


def not_private(found: dict[str, str], root: Path) -> dict[str, str]:
    wanted = {True: "0o700", False: "0o600"}
    return {
        name: mode
        for name, mode in found.items()
        if mode != wanted[(root / name).is_dir() and not (root / name).is_symlink()]
    }


def wait_for_scrapes(database: Path, count: int, timeout=60.0) -> list[str]:
    """The statuses of the first `count` scrape runs, once they have all ended."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with sqlite3.connect(database) as db:
            statuses = [s for (s,) in db.execute("SELECT status FROM scraper_scraperun")]
        if len(statuses) >= count and "running" not in statuses:
            return statuses
        time.sleep(0.2)
    raise AssertionError("the scrape started from the admin's code path did not finish")


def test_everything_romvault_writes_in_a_fresh_data_folder_is_owner_only(home, igdb):
    library = home / "roms"
    igdb.dataset.write_library(library)
    env = environment(home, ROM_DIRS=str(library))
    data = home / "share" / "romvault"

    run(env, "-m", "romvault.config", "--ensure-secret-key")  # `make run` and the image do this
    run(env, "manage.py", "migrate", "--noinput", "-v0")
    database = data / "romvault.sqlite3"
    # Held open across the scrape, so its -wal and -shm files exist when they are looked at.
    reader = sqlite3.connect(database)
    try:
        reader.execute("SELECT count(*) FROM django_migrations").fetchone()
        scrape = run(dict(env, **igdb.settings()), "manage.py", "scrape", "--images")
        assert "downloaded, 0 failed" in scrape.stdout, scrape.stdout  # covers were saved
        # A scrape started as the admin's button starts one: it writes its log in DATA_DIR/logs.
        code = "from scraper.runs import start_in_background; start_in_background()"
        run(env, "manage.py", "shell", "-c", code)
        assert wait_for_scrapes(database, 2) == ["succeeded", "succeeded"]
        found = modes(data)
    finally:
        reader.close()

    names = set(found)
    assert {"romvault.sqlite3", "romvault.sqlite3-wal", "romvault.sqlite3-shm"} <= names
    assert {"igdb-token.json", "logs", "media", "media/igdb"} <= names
    assert any(name.startswith("logs/scrape-") for name in names)
    assert any(name.startswith("media/igdb/") and name.endswith(".jpg") for name in names)
    assert not_private(found, data) == {}
    config_folder = home / "config" / "romvault"
    assert modes(config_folder) == {".": "0o700", "romvault.env": "0o600"}


def test_a_data_folder_readable_by_others_is_made_private_at_start_up_with_a_warning(home):
    env = environment(home)
    data = home / "share" / "romvault"
    run(env, "-m", "romvault.config", "--ensure-secret-key")
    run(env, "manage.py", "migrate", "--noinput", "-v0")
    # What an older romvault left: everything readable by every local user.
    (data / "logs").mkdir()
    (data / "logs" / "scrape-20240101-000000-abcdef.log").write_text("Scan finished\n")
    (data / "media" / "igdb").mkdir(parents=True)
    (data / "media" / "igdb" / "co1abc.jpg").write_bytes(b"\xff\xd8")
    (data / "igdb-token.json").write_text("{}")
    for path in [data, *data.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    config_folder = home / "config" / "romvault"
    config_folder.chmod(0o755)
    (config_folder / "romvault.env").chmod(0o644)

    started = run(env, "manage.py", "migrate", "--noinput", "-v0")  # what every start runs

    assert f"{data} could be read by other users" in started.stderr
    assert not_private(modes(data), data) == {}
    assert modes(config_folder) == {".": "0o700", "romvault.env": "0o600"}
    # Once private, later starts have nothing to say.
    again = run(env, "manage.py", "migrate", "--noinput", "-v0")
    assert "could be read by other users" not in again.stderr


def test_a_sqlite_database_outside_the_data_folder_is_private_and_its_shared_folder_untouched(home):
    shared = home / "srv"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    database = shared / "romvault.sqlite3"
    env = environment(home, DATABASE_URL=f"sqlite:///{database}")
    run(env, "-m", "romvault.config", "--ensure-secret-key")
    run(env, "manage.py", "migrate", "--noinput", "-v0")
    assert oct(stat.S_IMODE(database.stat().st_mode)) == "0o600"
    assert oct(stat.S_IMODE(shared.stat().st_mode)) == "0o755"  # not romvault's folder

    database.chmod(0o644)
    started = run(env, "manage.py", "check")
    assert f"{database} could be read by other users" in started.stderr
    assert oct(stat.S_IMODE(database.stat().st_mode)) == "0o600"


def test_a_readable_folder_romvault_cannot_change_stops_start_up_with_the_command(
    tmp_path, monkeypatch
):
    data = tmp_path / "data"
    data.mkdir()
    data.chmod(0o777)

    def not_the_owner(path, mode):
        raise PermissionError(1, "Operation not permitted", str(path))

    # What chmod answers a user who may write in a folder but does not own it.
    monkeypatch.setattr(Path, "chmod", not_the_owner)
    with pytest.raises(ImproperlyConfigured) as refused:
        datadir.secure_folder(data, create=True)
    assert f"run: chmod -R go= {data}" in str(refused.value)
