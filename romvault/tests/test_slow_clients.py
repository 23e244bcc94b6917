"""Slow clients cannot stall the site: bench/slowclients.py, small, against the real server.

gunicorn as `make serve` runs it (gunicorn.conf.py) while one user holds downloads it never
reads and others trickle request headers a byte at a time; a second user's pages must keep
answering. With gthread's 2 x 8 threads (the setup before), 16 such clients stalled everything.
"""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]
POSTGRES = "postgres://postgres@127.0.0.1:5432"


def bench(*args, **env):
    return subprocess.run(
        [
            *(sys.executable, str(ROOT / "bench" / "slowclients.py"), "--seconds", "4"),
            *("--games", "100", "--downloads", "40", "--slowloris", "40", *args),
        ],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_stalled_downloads_and_slowloris_leave_pages_answering(tmp_path):
    result = bench("--keep", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "downloads: 40 opened, 0 refused at connect, 40 answered" in result.stdout
    assert "statuses {'200': 40}" in result.stdout
    assert ", 0 failures;" in result.stdout
    log = (tmp_path / "gunicorn.log").read_text()
    assert "Using worker: asgi" in log
    assert "Traceback" not in log
    assert "Warning" not in log  # Django's, when it reads a synchronous body whole under ASGI


@pytest.fixture
def scratch_postgres():
    name = f"romvault_slow_{uuid.uuid4().hex[:8]}"
    try:
        admin = psycopg.connect(f"{POSTGRES}/postgres", autocommit=True)
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL at 127.0.0.1:5432 is needed (README, Tests): {exc}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"{POSTGRES}/{name}"
        finally:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def test_stalled_downloads_hold_no_database_connection(scratch_postgres):
    # A pool of 2 connections per process: were a stalled download to keep the one its view
    # used until its last byte, two of them would leave the pages none.
    result = bench("--database-url", scratch_postgres, DATABASE_POOL_SIZE="2", WEB_CONCURRENCY="1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "statuses {'200': 40}" in result.stdout
    assert ", 0 failures;" in result.stdout
