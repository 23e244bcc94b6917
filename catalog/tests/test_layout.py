"""The site layout (templates/base.html): menu by role, scripts and styles from the app."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_layout_has_the_menu_of_a_normal_user(client, normal_user, make_game):
    make_game()  # an empty library has no search (test_empty_library.py)
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
