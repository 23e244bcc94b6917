import os
import subprocess
import sys

import pytest
from django.urls import reverse

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


def test_home_page_sends_anonymous_visitors_to_login(client):
    response = client.get(reverse("catalog:index"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login") + "?next=/"


def test_home_page_refuses_a_user_without_a_role(client, make_user):
    client.force_login(make_user())
    assert client.get(reverse("catalog:index")).status_code == 403


@pytest.mark.parametrize("persona", ["demo_user", "normal_user", "super_user"])
def test_home_page_lists_games_for_every_role(client, request, make_game, persona):
    make_game(title="Dig, The", year=1995)
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("catalog:index"))
    assert response.status_code == 200
    assert b"1 game" in response.content


def test_only_super_users_see_the_admin_link(client, demo_user, super_user):
    client.force_login(demo_user)
    assert b'href="/admin/"' not in client.get("/").content
    client.force_login(super_user)
    assert b'href="/admin/"' in client.get("/").content


def test_login_page_logs_a_user_in(client, make_user):
    make_user("demo", username="carol", password="s3cret-enough-pass")
    assert client.get(reverse("accounts:login")).status_code == 200
    response = client.post(
        reverse("accounts:login"), {"username": "carol", "password": "s3cret-enough-pass"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("catalog:index")


def test_login_with_a_wrong_password_says_so(client, make_user):
    make_user("demo", username="carol")
    response = client.post(reverse("accounts:login"), {"username": "carol", "password": "nope"})
    assert response.status_code == 200
    assert b"didn't match" in response.content


def test_login_never_redirects_to_another_site(client, make_user):
    make_user("demo", username="carol", password="s3cret-enough-pass")
    response = client.post(
        reverse("accounts:login") + "?next=https://evil.example/",
        {"username": "carol", "password": "s3cret-enough-pass", "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("catalog:index")


def test_logout_needs_a_post_and_ends_the_session(client, demo_user):
    client.force_login(demo_user)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert client.get(reverse("catalog:index")).status_code == 302


def test_game_page_lists_the_files(client, demo_user, make_rom):
    rom = make_rom(path="/roms/Keen 4.zip", size=2048)
    client.force_login(demo_user)
    response = client.get(rom.game.get_absolute_url())
    assert response.status_code == 200
    assert b"Keen 4.zip" in response.content


def test_game_page_of_an_unknown_game_is_404(client, demo_user):
    client.force_login(demo_user)
    assert client.get("/games/999999/nothing/").status_code == 404
