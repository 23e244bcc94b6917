"""`python -m fake_igdb`, as the README tells developers to start it by hand."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def test_the_printed_settings_are_romvaults_and_reach_the_running_server():
    process = subprocess.Popen(
        [sys.executable, "-m", "fake_igdb", "--port", "0", "--games", "20", "--latency", "0"],
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        printed = {}
        for line in process.stdout:
            if line.startswith("{"):  # the dataset summary follows the settings
                break
            name, sep, value = line.strip().partition("=")
            if sep:
                printed[name] = value
        assert set(printed) == {
            "IGDB_CLIENT_ID", "IGDB_SECRET_KEY", "IGDB_API_URL", "TWITCH_TOKEN_URL",
            "IGDB_IMAGE_URL",
        }  # fmt: skip
        assert all(hasattr(settings, name) for name in printed)

        token = httpx.post(printed["TWITCH_TOKEN_URL"], data={
            "client_id": printed["IGDB_CLIENT_ID"], "client_secret": printed["IGDB_SECRET_KEY"],
            "grant_type": "client_credentials",
        }).json()["access_token"]  # fmt: skip
        headers = {"Client-ID": printed["IGDB_CLIENT_ID"], "Authorization": f"Bearer {token}"}
        response = httpx.post(
            printed["IGDB_API_URL"] + "/games", content="fields name; limit 3;", headers=headers
        )
        assert response.status_code == 200 and len(response.json()) == 3
    finally:
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=10)
    assert process.returncode == 0
    assert json.loads(rest.splitlines()[-1])["requests"] == 1  # the stats, printed on Ctrl-C
