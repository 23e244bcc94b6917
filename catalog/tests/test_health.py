"""/healthz (catalog/views/health.py)."""

import os
import subprocess
import sys

import pytest

from romvault import config

pytestmark = pytest.mark.django_db


def test_healthz_answers_200_when_the_database_is_reachable(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"


def test_healthz_answers_503_when_the_database_is_unreachable(tmp_path):
    # A real process pointed at a PostgreSQL port where nothing listens.
    code = (
        "import django; django.setup(); from django.test import Client; "
        "print(Client().get('/healthz').status_code)"
    )
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="romvault.settings",
        SECRET_KEY="k" * 50,
        DATABASE_URL="postgres://postgres@127.0.0.1:9/romvault",
        ALLOWED_HOSTS="testserver",
        XDG_CONFIG_HOME=str(tmp_path),
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=config.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "503", result.stderr
