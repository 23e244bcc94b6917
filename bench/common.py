"""What every benchmark needs: the project importable, and Django on a private SQLite database."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django(work: Path, **env: str) -> None:
    """Settings from the environment, as in production, but every file under `work`."""
    (work / "static").mkdir(parents=True, exist_ok=True)  # whitenoise warns when it is missing
    os.environ.update(
        DJANGO_SETTINGS_MODULE="romvault.settings",
        SECRET_KEY="bench-only-" + "x" * 40,
        DATABASE_URL=f"sqlite:///{work / 'bench.sqlite3'}",
        XDG_CONFIG_HOME=str(work / "config"),
        DATA_DIR=str(work / "data"),
        STATIC_ROOT=str(work / "static"),
        ALLOWED_HOSTS="testserver",  # the test Client's host name
        **env,
    )
    import django

    django.setup()
