"""The Content Security Policy header (romvault/middleware.py) on every HTML page."""

import re

import pytest
from django.urls import reverse

from romvault.middleware import policy

pytestmark = pytest.mark.django_db

EXPECTED = (
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data: https://images.igdb.com; object-src 'none'; base-uri 'self'; "
    "frame-ancestors 'none'; form-action 'self'"
)


@pytest.fixture
def logged_in(client, settings, super_user, make_rom):
    settings.IGDB_IMAGE_URL = "https://images.igdb.com/igdb/image/upload"
    client.force_login(super_user)
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/?q=keen",
        "/favorites/",
        "/accounts/password/",
        "/no-such-page/",
    ],
)
def test_every_html_page_carries_the_policy(logged_in, url):
    response = logged_in.get(url)
    assert response["Content-Type"].startswith("text/html")
    assert response["Content-Security-Policy"] == EXPECTED


@pytest.mark.parametrize(
    "url", ["/admin/", "/admin/catalog/game/", "/admin/accounts/user/add/", "/admin/nothing/"]
)
def test_admin_pages_carry_the_same_policy(logged_in, url):
    assert logged_in.get(url)["Content-Security-Policy"] == EXPECTED


def test_the_game_page_and_its_htmx_fragment_carry_the_policy(logged_in, make_game):
    game = make_game(title="Doom")
    assert logged_in.get(game.get_absolute_url())["Content-Security-Policy"] == EXPECTED
    fragment = logged_in.get("/?q=doom", headers={"HX-Request": "true"})
    assert fragment["Content-Security-Policy"] == EXPECTED


def test_the_login_page_carries_the_policy(client):
    assert client.get(reverse("accounts:login"))["Content-Security-Policy"] == EXPECTED


def test_a_non_html_answer_has_no_policy(client):
    response = client.get("/healthz")
    assert "Content-Security-Policy" not in response


def test_images_may_come_from_the_configured_image_host(client, settings):
    settings.IGDB_IMAGE_URL = "https://cdn.example.org:8443/igdb/image/upload"
    header = client.get(reverse("accounts:login"))["Content-Security-Policy"]
    assert "img-src 'self' data: https://images.igdb.com https://cdn.example.org:8443;" in header
    assert policy("https://images.igdb.com/igdb/image/upload") == EXPECTED


def test_pages_have_no_inline_script_style_or_event_handler(logged_in, make_game):
    game = make_game(title="Doom")
    for url in ["/", game.get_absolute_url(), "/accounts/password/"]:
        html = logged_in.get(url).content.decode()
        assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", html), url
        assert not re.search(r"<style", html), url
        assert not re.search(r"\sstyle=", html), url
        assert not re.search(r"\son[a-z]+=", html), url
