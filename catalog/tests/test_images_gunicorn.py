"""Kept covers through the production path: the Docker image's (and systemd unit's) start-up
script, gunicorn with gunicorn.conf.py (as `make run` serves), DEBUG off, a private data folder.
Nothing serves /media/; /images/ works for a logged-in user only."""

import os
import signal
import subprocess
import sys
import time

import httpx

from romvault import config
from romvault.tests.test_entrypoint import ENTRYPOINT, free_port, healthcheck, image_env

JPEG = b"\xff\xd8\xff\xe0 kept cover \xff\xd9"
MAKE_USER = """
from accounts.models import Role, User
User.objects.create_user("ada", password="correct horse battery").set_role(Role.DEMO)
"""


def test_gunicorn_serves_kept_images_to_logged_in_users_with_a_year_of_cache(tmp_path):
    port = free_port()
    env = image_env(tmp_path, port)
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [str(ENTRYPOINT), "gunicorn", "-c", "gunicorn.conf.py"],
            cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while healthcheck(env).returncode != 0:
            assert server.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.5)
        manage = [sys.executable, "manage.py", "shell", "-c", MAKE_USER]
        subprocess.run(manage, cwd=config.BASE_DIR, env=env, check=True, timeout=60)
        kept = tmp_path / "data" / "media" / "igdb" / "t_cover_big"
        kept.mkdir(mode=0o700, parents=True)
        (kept / "co1abc.jpg").write_bytes(JPEG)
        (kept / "co1abc.jpg").chmod(0o600)

        cover = f"http://127.0.0.1:{port}/images/t_cover_big/co1abc.jpg"
        with httpx.Client(timeout=10) as anonymous:
            response = anonymous.get(cover)
            assert response.status_code == 302
            assert response.headers["location"].startswith("/accounts/login/?next=/images/")
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as browser:
            browser.get("/accounts/login/")
            login = browser.post(
                "/accounts/login/",
                data={
                    "username": "ada",
                    "password": "correct horse battery",
                    "csrfmiddlewaretoken": browser.cookies["csrftoken"],
                },
                headers={"Referer": f"http://127.0.0.1:{port}/accounts/login/"},
            )
            assert login.status_code == 302, login.text
            response = browser.get(cover)
            assert response.status_code == 200 and response.content == JPEG
            assert response.headers["content-type"] == "image/jpeg"
            assert response.headers["cache-control"] == "private, max-age=31536000, immutable"
            again = browser.get(cover, headers={"If-None-Match": response.headers["etag"]})
            assert again.status_code == 304
            assert browser.get("/media/igdb/t_cover_big/co1abc.jpg").status_code == 404
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
