"""The suggestions under the catalogue's search box (catalog:suggest): an htmx fragment."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog import search as game_search
from catalog.models import Game, Image

pytestmark = pytest.mark.django_db
SUGGEST = reverse("catalog:suggest")


def suggested(response):
    """(title, year) of each option, in order."""
    html = response.content.decode()
    options = re.findall(r'<a id="suggestion-\d+" role="option".*?</a>', html, re.S)
    return [
        (
            re.search(r'<span class="min-w-0[^"]*">([^<]*)</span>', option)[1],
            re.search(r'<span class="shrink-0 text-sm[^"]*">(\d+)</span>', option)[1],
        )
        for option in options
    ]


def catalogue_queries(queries):
    """The queries that read the catalogue, not the session, user and permissions."""
    return [q["sql"] for q in queries if "catalog_" in q["sql"]]


@pytest.fixture
def quests(make_game):
    """12 games with "quest" in the title, every other one with a cover."""
    games = []
    for n in range(12):
        game = make_game(title=f"Space Quest {n:02}", year=1985 + n)
        if n % 2:
            game.cover = Image.objects.create(game=game, kind="cover", image_id=f"co{n}")
            game.save(update_fields=["cover"])
        games.append(game)
    return games


def test_anonymous_is_sent_to_log_in(client, quests):
    response = client.get(SUGGEST, {"q": "quest"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_demo_user_gets_suggestions_like_the_catalogue(client, demo_user, quests):
    client.force_login(demo_user)
    response = client.get(SUGGEST, {"q": "quest"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert len(suggested(response)) == 8
    # Only the fragment: no page around it.
    assert b"<html" not in response.content and b"<body" not in response.content


def test_at_most_8_games_in_the_order_search_gives(client, normal_user, quests):
    client.force_login(normal_user)
    response = client.get(SUGGEST, {"q": "quest"})
    expected = [(g.title, str(g.year)) for g in Game.objects.search("quest")[:8]]
    assert suggested(response) == expected
    assert suggested(response)[0] == ("Space Quest 00", "1985")


def test_order_is_search_s_own_not_resorted(client, normal_user, quests, monkeypatch):
    # Whatever order the ranking gives is the order shown.
    by_year = [game.pk for game in sorted(quests, key=lambda game: -game.year)]
    monkeypatch.setattr(game_search, "first_ids", lambda games, query, limit: by_year[:limit])
    client.force_login(normal_user)
    titles = [title for title, _ in suggested(client.get(SUGGEST, {"q": "quest"}))]
    assert titles == [f"Space Quest {n:02}" for n in range(11, 3, -1)]


def test_covers_come_as_thumbnails_and_games_without_one_show_initials(
    client, normal_user, quests, settings
):
    settings.IGDB_IMAGE_URL = "https://images.example.test/igdb/image/upload"
    client.force_login(normal_user)
    html = client.get(SUGGEST, {"q": "space quest"}).content.decode()
    # The first 8 of Space Quest 00 to 11: 01, 03, 05 and 07 have a cover.
    assert html.count("<img ") == 4
    assert 'src="https://images.example.test/igdb/image/upload/t_cover_small/co1.jpg"' in html
    assert html.count(">SQ</span>") == 4
    assert f'href="{quests[3].get_absolute_url()}"' in html


def test_titles_are_escaped(client, normal_user, make_game):
    make_game(title="<script>alert(1)</script> Quest")
    client.force_login(normal_user)
    response = client.get(SUGGEST, {"q": "quest"})
    assert b"<script>alert" not in response.content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt; Quest" in response.content


def test_one_query_reads_the_games_and_their_covers(client, normal_user, quests):
    client.force_login(normal_user)
    client.get(SUGGEST, {"q": "space quest"})  # the session and permissions, once warm
    with CaptureQueriesContext(connection) as queries:
        response = client.get(SUGGEST, {"q": "space quest"})
    assert len(suggested(response)) == 8
    reads = catalogue_queries(queries.captured_queries)
    # The first 8 by rank, then those games with their covers in one.
    assert len(reads) == 2
    assert "LIMIT 8" in reads[0] and "catalog_image" in reads[1]


def test_a_word_no_title_starts_with_ranks_every_match_in_one_more_query(
    client, normal_user, quests
):
    client.force_login(normal_user)
    client.get(SUGGEST, {"q": "quest"})
    with CaptureQueriesContext(connection) as queries:
        response = client.get(SUGGEST, {"q": "quest"})
    assert len(suggested(response)) == 8
    reads = catalogue_queries(queries.captured_queries)
    # On SQLite the first tiers first (no title starts with "quest"), then every match.
    assert len(reads) == (3 if connection.vendor == "sqlite" else 2)
    assert "catalog_image" in reads[-1]


@pytest.mark.parametrize("query", ["", " ", "q", " q ", "x" * 201])
def test_empty_one_letter_or_overlong_query_gives_nothing_without_a_query(
    client, normal_user, quests, query
):
    client.force_login(normal_user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(SUGGEST, {"q": query})
    assert response.status_code == 200
    assert response.content.strip() == b""
    assert catalogue_queries(queries.captured_queries) == []


def test_no_match_gives_an_empty_fragment(client, normal_user, quests):
    client.force_login(normal_user)
    response = client.get(SUGGEST, {"q": "zork"})
    assert response.status_code == 200
    assert response.content.strip() == b""


def test_post_is_refused(client, normal_user):
    client.force_login(normal_user)
    assert client.post(SUGGEST, {"q": "quest"}).status_code == 405
