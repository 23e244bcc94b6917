"""Who may see the catalogue and the favourites page (catalog/views/browse.py).

Search, filters, sorting and paging: test_catalogue.py.
"""

import pytest
from django.urls import reverse

from catalog.models import Favorite

pytestmark = pytest.mark.django_db


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


def test_favourites_page_lists_my_favourite_games(client, normal_user, make_game):
    doom, _ = make_game(title="Doom"), make_game(title="Zork")
    Favorite.objects.create(user=normal_user, game=doom)
    client.force_login(normal_user)
    response = client.get(reverse("catalog:favorites"))
    assert response.status_code == 200
    assert b">Doom</span>" in response.content and b"Zork" not in response.content
    assert b"1 game" in response.content


def test_favourites_page_without_favourites_says_how_to_add_them(client, super_user):
    client.force_login(super_user)
    response = client.get(reverse("catalog:favorites"))
    assert b"No favourites yet" in response.content


def test_catalogue_cards_carry_favourite_buttons_by_role(client, demo_user, normal_user, make_game):
    game = make_game()
    Favorite.objects.create(user=normal_user, game=game)
    client.force_login(demo_user)
    assert b"aria-pressed" not in client.get("/").content
    client.force_login(normal_user)
    html = client.get("/").content.decode()
    toggle = reverse("catalog:favorite-toggle", args=[game.pk])
    assert f'action="{toggle}"' in html and 'aria-pressed="true"' in html


def test_catalogue_favourites_and_game_pages_are_private_and_checked_again_on_back(
    client, normal_user, make_game
):
    """Back then asks the server again, and shows a favourite as it is now."""
    game = make_game(title="Keen")
    client.force_login(normal_user)
    index = reverse("catalog:index")
    pages = [index, index, reverse("catalog:favorites"), game.get_absolute_url()]  # index: cached
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200
        assert set(response["Cache-Control"].split(", ")) == {"private", "no-cache"}, url
    fragment = client.get(index, headers={"HX-Request": "true"})
    assert set(fragment["Cache-Control"].split(", ")) == {"private", "no-cache"}


def test_a_card_shows_its_whole_title_in_a_tooltip_and_on_keyboard_focus(
    client, demo_user, make_game
):
    make_game(title='Tom "Ace" <Jones> & the Very Long Title That Two Lines Cannot Hold')
    client.force_login(demo_user)
    html = client.get("/").content.decode()
    escaped = (
        "Tom &quot;Ace&quot; &lt;Jones&gt; &amp; the Very Long Title That Two Lines Cannot Hold"
    )
    assert f'title="{escaped}" class="group/link ' in html
    assert "line-clamp-2" in html and "group-focus-visible/link:line-clamp-none" in html
    assert "<Jones>" not in html
