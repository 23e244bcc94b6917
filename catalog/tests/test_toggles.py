"""Adding and removing favourites (catalog/views/toggles.py)."""

import pytest
from django.urls import reverse

from catalog.models import Favorite

pytestmark = pytest.mark.django_db


def toggle_url(game):
    return reverse("catalog:favorite-toggle", args=[game.pk])


def test_favourite_urls_send_anonymous_visitors_to_login(client, make_game):
    game = make_game()
    for response in (client.get(reverse("catalog:favorites")), client.post(toggle_url(game))):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    assert not Favorite.objects.exists()


def test_demo_users_get_403_on_favourites(client, demo_user, make_game):
    game = make_game()
    client.force_login(demo_user)
    assert client.get(reverse("catalog:favorites")).status_code == 403
    assert client.post(toggle_url(game)).status_code == 403
    assert not Favorite.objects.exists()


def test_favourite_toggle_needs_a_post(client, normal_user, make_game):
    client.force_login(normal_user)
    assert client.get(toggle_url(make_game())).status_code == 405


def test_favourite_toggle_of_an_unknown_game_is_404(client, normal_user):
    client.force_login(normal_user)
    assert client.post("/favorites/999999/").status_code == 404


def test_favourite_toggle_without_javascript_redirects_back(client, normal_user, make_game):
    game = make_game()
    client.force_login(normal_user)
    response = client.post(toggle_url(game), {"next": "/?q=keen&page=2"})
    assert response.status_code == 302 and response["Location"] == "/?q=keen&page=2"
    assert Favorite.objects.filter(user=normal_user, game=game).exists()
    client.post(toggle_url(game), {"next": "/?q=keen"})
    assert not Favorite.objects.filter(user=normal_user, game=game).exists()


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"]
)
def test_favourite_toggle_never_redirects_to_another_site(client, normal_user, make_game, target):
    game = make_game()
    client.force_login(normal_user)
    response = client.post(toggle_url(game), {"next": target})
    assert response["Location"] == game.get_absolute_url()


def test_favourite_toggle_by_htmx_returns_only_the_button(client, normal_user, make_game):
    game = make_game()
    client.force_login(normal_user)
    response = client.post(toggle_url(game), {"next": "/"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and html.strip().startswith("<form")
    assert 'aria-pressed="true"' in html and f'hx-post="{toggle_url(game)}"' in html
    response = client.post(toggle_url(game), {"next": "/"}, HTTP_HX_REQUEST="true")
    assert 'aria-pressed="false"' in response.content.decode()


def test_another_users_favourite_is_neither_shown_nor_changed(
    client, normal_user, make_user, make_game
):
    game = make_game(title="Doom")
    other = make_user("normal")
    Favorite.objects.create(user=other, game=game)
    client.force_login(normal_user)
    assert b'aria-pressed="true"' not in client.get(game.get_absolute_url()).content
    assert b"Doom" not in client.get(reverse("catalog:favorites")).content
    client.post(toggle_url(game), HTTP_HX_REQUEST="true")  # adds mine, leaves theirs
    client.post(toggle_url(game), HTTP_HX_REQUEST="true")  # removes mine, leaves theirs
    assert list(Favorite.objects.values_list("user", flat=True)) == [other.pk]
