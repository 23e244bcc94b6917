"""The catalogue page cache: reused for the same user and view, retired by any change."""

import re

import pytest
from django.contrib.messages import constants, get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog import pagecache
from catalog.models import Favorite, Game
from scraper import importer

pytestmark = pytest.mark.django_db
INDEX = reverse("catalog:index")
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')


def get(client, path=INDEX, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, headers=headers)
    assert response.status_code == 200
    return response, len(queries)


@pytest.fixture
def browsing(client, normal_user, make_game):
    for n in range(3):
        make_game(title=f"Game {n}")
    client.force_login(normal_user)
    return client


def test_a_page_seen_again_is_served_from_the_cache_with_the_same_content(browsing):
    first, rendered = get(browsing)
    again, cached = get(browsing)
    assert cached < rendered
    # session, user, two permission queries, the catalogue version: nothing about games.
    assert cached == 5
    tokens = re.compile(r"[A-Za-z0-9]{64}")  # masked CSRF tokens differ on every response
    assert tokens.sub("", first.content.decode()) == tokens.sub("", again.content.decode())


def test_each_cached_page_carries_a_fresh_csrf_token_that_posts(normal_user, make_game):
    game = make_game(title="Doom")
    client = Client(enforce_csrf_checks=True)
    client.force_login(normal_user)
    client.get(INDEX)
    cached = client.get(INDEX).content.decode()
    assert pagecache.PLACEHOLDER not in cached
    token = TOKEN.search(cached).group(1)
    toggle = reverse("catalog:favorite-toggle", args=[game.pk])
    response = client.post(toggle, {"csrfmiddlewaretoken": token, "next": INDEX})
    assert response.status_code == 302
    assert Favorite.objects.filter(user=normal_user, game=game).exists()


def test_toggling_a_favourite_retires_the_cached_page(browsing, normal_user):
    game = Game.objects.get(title="Game 1")
    get(browsing)
    browsing.post(reverse("catalog:favorite-toggle", args=[game.pk]), {"next": INDEX})
    page, queries = get(browsing)
    assert queries > 5  # rendered again
    assert 'aria-pressed="true"' in page.content.decode()


def test_a_scrape_writing_a_match_retires_the_cached_page(browsing):
    game = Game.objects.get(title="Game 2")
    get(browsing)
    importer.save_matches([(game.pk, None, {"id": 42, "name": "Renamed by IGDB"})])
    page, _ = get(browsing)
    assert "Renamed by IGDB" in page.content.decode()


def test_an_admin_edit_retires_the_cached_page(browsing):
    get(browsing)
    game = Game.objects.get(title="Game 0")
    game.set_title("Edited in the admin")
    game.save()
    assert "Edited in the admin" in get(browsing)[0].content.decode()


def test_users_never_see_each_others_cached_pages(client, make_user, make_game):
    from accounts.models import Role

    game = make_game(title="Shared")
    alice, bob = make_user(Role.NORMAL, username="alice"), make_user(Role.NORMAL, username="bob")
    Favorite.objects.create(user=alice, game=game)
    client.force_login(alice)
    assert 'aria-pressed="true"' in get(client)[0].content.decode()
    other = Client()
    other.force_login(bob)
    page = get(other)[0].content.decode()
    assert 'aria-pressed="true"' not in page and "bob" in page and "alice" not in page


def test_htmx_fragments_and_whole_pages_are_cached_apart(browsing):
    whole, _ = get(browsing)
    fragment, _ = get(browsing, **{"HX-Request": "true"})
    fragment_again, queries = get(browsing, **{"HX-Request": "true"})
    assert queries == 5
    assert "<html" in whole.content.decode() and "<html" not in fragment_again.content.decode()
    assert fragment_again["HX-Push-Url"] == fragment["HX-Push-Url"]


def test_a_page_with_a_message_to_show_is_rendered_not_cached(browsing):
    get(browsing)
    response = browsing.get(INDEX)  # cached now
    request = response.wsgi_request
    storage = get_messages(request)
    storage.add(constants.INFO, "hello")
    storage.update(response)
    browsing.cookies.update(response.cookies)
    _, queries = get(browsing)
    assert queries > 5


def test_the_cache_can_be_turned_off(browsing, settings):
    settings.CATALOGUE_CACHE_SECONDS = 0
    get(browsing)
    assert get(browsing)[1] > 5


def test_bump_moves_the_version_the_cache_keys_on():
    before = pagecache.version()
    pagecache.bump()
    assert pagecache.version() == before + 1


def test_bulk_deletes_of_replaced_metadata_keep_djangos_fast_path():
    from django.db.models import signals

    from catalog.models import AlternativeName, Image, Involvement

    for model in (AlternativeName, Image, Involvement):
        assert not signals.post_delete.has_listeners(model), model
    assert signals.post_delete.has_listeners(Game) and signals.post_delete.has_listeners(Favorite)


def test_removing_a_favourite_retires_the_cached_favourites_page(client, normal_user, make_game):
    game = make_game(title="Keen")
    Favorite.objects.create(user=normal_user, game=game)
    client.force_login(normal_user)
    favorites = reverse("catalog:favorites")
    assert "Keen" in get(client, favorites)[0].content.decode()
    Favorite.objects.filter(user=normal_user).delete()
    assert "Keen" not in get(client, favorites)[0].content.decode()


def test_the_token_goes_only_where_the_page_put_it_not_where_content_says_its_name(
    browsing, normal_user, make_game
):
    from catalog.models import Image

    name = "__csrf_token__"
    for n in range(60):  # two pages: pagination links repeat the search
        game = make_game(title=f"{name} {n}")
        game.cover = Image.objects.create(game=game, kind="cover", image_id=name)
        game.save()
    path = f"{INDEX}?q={name}"
    get(browsing, path)
    cached = get(browsing, path)[0].content.decode()
    token = TOKEN.search(cached).group(1)
    assert token != name and cached.count(token) >= 2  # the form fields and hx-headers
    assert f"/t_cover_big/{name}.jpg" in cached
    assert f"q={name}&amp;page=2" in cached
    own_places = re.compile(r'(csrfmiddlewaretoken" value=|"X-CSRFToken": )"[A-Za-z0-9]+"')
    assert token not in own_places.sub("", cached)


def test_a_genre_a_scrape_brings_is_in_the_filter_list_at_once(browsing):
    """The filter options are cached too, under the same version: a scrape (another process,
    maybe another host) retires them with the pages."""
    from catalog.models import Genre

    assert ">Puzzle</option>" not in get(browsing)[0].content.decode()
    genre = Genre.objects.create(igdb_id=9, name="Puzzle", slug="puzzle")
    Game.objects.get(title="Game 0").genres.add(genre)
    assert ">Puzzle</option>" in get(browsing)[0].content.decode()
