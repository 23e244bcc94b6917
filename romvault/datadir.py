"""romvault's files at rest are private to its user: folders 0700, files 0600.

The data folder holds the SQLite database (session keys, password hashes), the IGDB token, scrape
logs and cached images; the config folder holds SECRET_KEY and the IGDB secret. Each writer gives
its files and folders these modes itself, rather than the process setting a umask of 077: the same
processes run `collectstatic`, whose files a web server running as another user may serve.
SQLite gives a database's -wal, -shm and -journal files the database file's own mode.

At start-up (romvault/apps.py) `secure()` creates the folders private or takes other users'
access away from existing ones, with a warning: installs from before this rule have 0755 folders
and 0644 files, and refusing to start would stop every one of them at the upgrade.
"""

import contextlib
import logging
import os
import shlex
import stat
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from romvault import config

FOLDER_MODE = 0o700
FILE_MODE = 0o600
OTHERS = 0o077  # the group's and everyone else's bits

logger = logging.getLogger(__name__)


def private_opener(path, flags):
    """For open(..., opener=private_opener): a new file is created 0600."""
    return os.open(path, flags, FILE_MODE)


def loose(path: Path) -> bool:
    return bool(path.stat().st_mode & OTHERS)


def make_private(path: Path) -> int:
    """Take the group's and others' access away from `path` and, for a folder, everything in it
    (symbolic links are not followed). Returns how many entries changed."""
    changed = 0
    for entry in _walk(path):
        mode = entry.lstat().st_mode
        if stat.S_ISLNK(mode) or not mode & OTHERS:
            continue
        try:
            entry.chmod(stat.S_IMODE(mode) & ~OTHERS)
        except PermissionError:
            raise ImproperlyConfigured(
                f"{path} can be read by other users and romvault's user (uid {os.geteuid()}) "
                f"cannot change that. As its owner, run: chmod -R go= {shlex.quote(str(path))}"
            ) from None
        changed += 1
    return changed


def _walk(path: Path):
    yield path
    if path.is_dir() and not path.is_symlink():
        for folder, folders, files in os.walk(path):
            for name in folders + files:
                yield Path(folder, name)


def secure_folder(path: Path, *, create: bool) -> None:
    """Make the folder 0700 (creating it when asked). A folder that was open to others is fixed
    with everything in it; one that was private needs no walk: nobody else can reach inside."""
    if create:
        path.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    path = path.resolve()
    if path.is_dir() and loose(path):
        changed = make_private(path)
        logger.warning(
            "%s could be read by other users: took their access away from it and everything "
            "in it (%d entries; folders are now 0700, files 0600).",
            path,
            changed,
        )


def secure_file(path: Path) -> None:
    if path.is_file() and loose(path):
        make_private(path)
        logger.warning("%s could be read by other users: made it owner-only (0600).", path)


def secure_sqlite_database(name: str) -> None:
    """Create the database file 0600 before SQLite would (with 0644), and make an existing one
    and its companion files private. Its folder is created 0700 when missing; an existing one
    is left alone: it may be shared, such as /srv."""
    if not name or name == ":memory:" or name.startswith("file:"):
        return
    database = Path(name)
    database.parent.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    for end in ("", "-wal", "-shm", "-journal"):
        secure_file(Path(f"{database}{end}"))


def secure() -> None:
    """The start-up step: the data folder, the config folder and file, a SQLite database."""
    secure_folder(Path(settings.DATA_DIR), create=True)
    # The config folder is created by whoever writes the file first (config.write_config_values).
    secure_folder(config.config_file().parent, create=False)
    secure_file(config.config_file())
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        secure_sqlite_database(str(database["NAME"]))
