"""The Docker image's start-up script and health check, run outside a container: a temporary
data folder, no SECRET_KEY, gunicorn on a free port."""

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from romvault import config

ENTRYPOINT = config.BASE_DIR / "docker" / "entrypoint.sh"
HEALTHCHECK = config.BASE_DIR / "docker" / "healthcheck.py"
CLEARED = {"SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "HTTPS", "DEBUG", "ROM_DIRS"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def image_env(tmp_path, port, **extra):
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env.update(
        # `python` and `gunicorn` from this venv, as /venv/bin is first on the image's PATH.
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        HOME=str(tmp_path),
        DATA_DIR=str(tmp_path / "data"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        XDG_CONFIG_HOME=str(tmp_path / "data" / "config"),
        STATIC_ROOT=str(tmp_path / "static"),
        BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="1",
    )
    env.update(extra)
    return env


def healthcheck(env):
    return subprocess.run(
        [sys.executable, str(HEALTHCHECK)], env=env, capture_output=True, text=True, timeout=30
    )


def test_the_start_up_script_makes_a_key_migrates_and_serves_until_stopped(tmp_path):
    port = free_port()
    env = image_env(tmp_path, port, ALLOWED_HOSTS="games.example.org")
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [str(ENTRYPOINT), "gunicorn", "-c", "gunicorn.conf.py"],
            cwd=tmp_path,  # the script finds the project itself
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the workers stop with it
        )
    try:
        deadline = time.monotonic() + 90
        while healthcheck(env).returncode != 0:
            assert server.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.5)
        # A Host the site does not serve is refused; the health check sent an allowed one.
        request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz")
        try:
            status = urllib.request.urlopen(request, timeout=5).status  # noqa: S310
        except urllib.error.HTTPError as exc:
            status = exc.code
        assert status == 400
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        code = server.wait(timeout=60)
    output = log.read_text()
    assert code == 0, output
    assert "Generated a SECRET_KEY" in output
    assert "Listening at: http://127.0.0.1:" in output
    assert '"GET /healthz HTTP/1.1" 200' in output  # the access log, on stdout
    key = config.parse_env_file(tmp_path / "data" / "config" / "romvault" / "romvault.env")
    assert len(key["SECRET_KEY"]) >= 50
    with sqlite3.connect(tmp_path / "data" / "romvault.sqlite3") as db:
        applied = {app for (app,) in db.execute("SELECT app FROM django_migrations")}
    assert {"accounts", "catalog", "sessions"} <= applied


def test_the_health_check_fails_when_nothing_answers(tmp_path):
    result = healthcheck(image_env(tmp_path, free_port()))
    assert result.returncode == 1
    assert "unhealthy" in result.stderr
