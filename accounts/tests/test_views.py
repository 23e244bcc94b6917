"""Log in, log out and change the password (accounts/views.py)."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


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


def test_login_page_shows_no_menu_or_search(client):
    html = client.get(reverse("accounts:login")).content.decode()
    assert 'role="search"' not in html and "Log out" not in html
    assert '<label for="id_username"' in html and '<label for="id_password"' in html


def test_password_change_page_uses_the_site_layout(client, normal_user):
    client.force_login(normal_user)
    response = client.get(reverse("accounts:password-change"))
    assert response.status_code == 200
    assert b"Change password" in response.content
    assert b"/static/css/app.css" in response.content
    assert b'<label for="id_old_password"' in response.content


@pytest.mark.parametrize(
    "next_url", ["/accounts/login/", "/accounts/login/?next=/accounts/login/", "/accounts/login/#x"]
)
def test_a_signed_in_user_sent_back_to_the_login_page_lands_on_the_catalogue(
    client, demo_user, next_url
):
    client.force_login(demo_user)
    response = client.get(reverse("accounts:login"), {"next": next_url})
    assert response.status_code == 302
    assert response["Location"] == reverse("catalog:index")
