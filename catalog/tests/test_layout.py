"""The site layout (templates/base.html): menu by role, scripts and styles from the app."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_layout_has_the_menu_of_a_normal_user(client, normal_user):
    client.force_login(normal_user)
    html = client.get(reverse("catalog:index")).content.decode()
    assert 'hx-headers=\'{"X-CSRFToken": "' in html
    assert ">normal<" in html  # the username, then the role
    assert f'href="{reverse("catalog:favorites")}"' in html
    assert f'href="{reverse("accounts:password-change")}"' in html
    assert f'action="{reverse("accounts:logout")}"' in html
    assert 'role="search"' in html


def test_only_super_users_see_the_admin_link(client, demo_user, super_user):
    client.force_login(demo_user)
    assert b'href="/admin/"' not in client.get("/").content
    client.force_login(super_user)
    assert b'href="/admin/"' in client.get("/").content


def test_demo_users_have_no_favourites_link(client, demo_user):
    client.force_login(demo_user)
    assert b'href="/favorites/"' not in client.get(reverse("catalog:index")).content


def test_pages_load_their_scripts_from_the_app_and_run_no_inline_code(client, normal_user):
    client.force_login(normal_user)
    html = client.get(reverse("catalog:index")).content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts
    for attributes, body in scripts:
        assert 'src="/static/' in attributes and not body.strip()
    assert "/static/js/alpine.min.js" in html and "/static/css/app.css" in html


def test_the_stylesheet_and_scripts_exist():
    for name in ("css/app.css", "js/alpine.min.js", "js/app.js"):
        assert finders.find(name), name


def test_every_page_links_a_favicon_and_favicon_ico_answers(client, normal_user):
    html = client.get(reverse("accounts:login")).content.decode()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
    client.force_login(normal_user)
    assert 'href="/static/favicon.ico"' in client.get(reverse("catalog:index")).content.decode()
    response = client.get("/favicon.ico")
    assert (response.status_code, response["Location"]) == (302, "/static/favicon.ico")
    assert finders.find("favicon.ico") and finders.find("favicon.svg")
    with open(finders.find("favicon.ico"), "rb") as icon:
        assert icon.read(4) == b"\0\0\1\0"  # an icon file, not a renamed image


def test_the_catalogue_offers_a_skip_link_to_the_games_and_a_search_shortcut(client, normal_user):
    client.force_login(normal_user)
    html = client.get(reverse("catalog:index")).content.decode()
    assert html.index('href="#results"') < html.index('href="#main"') < html.index("<header")
    assert 'id="results"' in html
    assert 'data-search-shortcut aria-keyshortcuts="/"' in html
    # Other pages skip to their content, and their header search answers "/" too.
    html = client.get(reverse("catalog:favorites")).content.decode()
    assert 'href="#results"' not in html and 'href="#main"' in html
    assert 'id="site-search"' in html and "data-search-shortcut" in html
