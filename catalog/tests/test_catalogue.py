"""The catalogue page: search, filters, sorting, pagination, and its query budget."""

import datetime
import re

import pytest
from django.urls import reverse

from catalog.models import Company, Favorite, Game, Genre, Image, Involvement, Theme

pytestmark = pytest.mark.django_db
INDEX = reverse("catalog:index")


def titles(response):
    """The titles of the cards on a catalogue page, in order."""
    html = response.content.decode()
    return re.findall(r'<span class="card-title [^"]*">([^<]*)</span>', html)


@pytest.fixture
def browse(client, normal_user):
    client.force_login(normal_user)

    def get(**params):
        response = client.get(INDEX, params)
        assert response.status_code == 200
        return response

    return get


@pytest.fixture
def games(make_game):
    """Four games with metadata: two genres, a theme, a developer and a publisher."""
    adventure = Genre.objects.create(igdb_id=31, name="Adventure")
    shooter = Genre.objects.create(igdb_id=5, name="Shooter")
    Genre.objects.create(igdb_id=99, name="Unused genre")
    horror = Theme.objects.create(igdb_id=19, name="Horror")
    id_soft = Company.objects.create(igdb_id=1, name="id Software")
    apogee = Company.objects.create(igdb_id=2, name="Apogee")
    dig = make_game(title="The Dig", year=1995, rating=81.4, match_status="matched")
    dig.genres.add(adventure)
    dig.alternative_names.create(name="Excavation")
    doom = make_game(title="Doom", year=1993, rating=90.0, match_status="matched")
    doom.genres.add(shooter)
    doom.themes.add(horror)
    Involvement.objects.create(game=doom, company=id_soft, developer=True)
    keen = make_game(title="Commander Keen", year=None, release_date=datetime.date(1990, 12, 14))
    Involvement.objects.create(game=keen, company=id_soft, developer=True)
    Involvement.objects.create(game=keen, company=apogee, publisher=True)
    zork = make_game(title="Zork", year=1980, match_status="no_match")
    return {
        "adventure": adventure,
        "shooter": shooter,
        "horror": horror,
        "id_soft": id_soft,
        "apogee": apogee,
        "dig": dig,
        "doom": doom,
        "keen": keen,
        "zork": zork,
    }


def test_catalogue_lists_every_game_by_title_ignoring_articles(browse, games):
    response = browse()
    assert titles(response) == ["Commander Keen", "The Dig", "Doom", "Zork"]
    assert b"4 games" in response.content


def test_catalogue_counts_with_thousands_separators(browse, make_game):
    Game.objects.bulk_create(
        Game(title=f"Game {n}", sort_title=f"game {n:04}", slug=f"game-{n}") for n in range(1234)
    )
    assert b"1,234 games" in browse().content


def test_search_matches_titles(browse, games):
    assert titles(browse(q="doo")) == ["Doom"]


def test_search_matches_alternative_names(browse, games):
    assert titles(browse(q="excavat")) == ["The Dig"]


def test_search_without_results_says_so(browse, games):
    response = browse(q="nothing like this")
    assert titles(response) == []
    assert b"No game matches these filters" in response.content


def test_genre_filter(browse, games):
    assert titles(browse(genre=games["adventure"].pk)) == ["The Dig"]


def test_theme_filter(browse, games):
    assert titles(browse(theme=games["horror"].pk)) == ["Doom"]


def test_developer_filter(browse, games):
    assert titles(browse(developer=games["id_soft"].pk)) == ["Commander Keen", "Doom"]


def test_publisher_filter_ignores_developers(browse, games):
    assert titles(browse(publisher=games["apogee"].pk)) == ["Commander Keen"]
    # id Software only developed: as a publisher filter it is no option, so it is ignored.
    assert len(titles(browse(publisher=games["id_soft"].pk))) == 4


def test_year_range_uses_the_release_date_when_a_game_has_no_year(browse, games):
    assert titles(browse(year_from=1990, year_to=1993)) == ["Commander Keen", "Doom"]
    assert titles(browse(year_from=1994)) == ["The Dig"]
    assert titles(browse(year_to=1985)) == ["Zork"]


def test_a_reversed_year_range_is_swapped(browse, games):
    assert titles(browse(year_from=1993, year_to=1990)) == ["Commander Keen", "Doom"]


def test_match_status_filter_for_super_users(client, super_user, games):
    client.force_login(super_user)
    response = client.get(INDEX, {"match": "matched"})
    assert titles(response) == ["The Dig", "Doom"]
    assert '<label for="f-match">Match status</label>' in response.content.decode()
    assert "Remove filter Matched" in response.content.decode()
    assert titles(client.get(INDEX, {"match": "unmatched"})) == ["Commander Keen", "Zork"]
    assert titles(client.get(INDEX, {"developer": games["id_soft"].pk, "match": "matched"})) == [
        "Doom"
    ]


@pytest.mark.parametrize("persona", ["demo_user", "normal_user"])
def test_match_status_is_hidden_from_and_ignored_for_everyone_else(client, request, games, persona):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(INDEX, {"match": "unmatched"})
    html = response.content.decode()
    assert "Match status" not in html and 'name="match"' not in html
    assert titles(response) == ["Commander Keen", "The Dig", "Doom", "Zork"]  # not filtered
    assert "Remove filter" not in html  # no "Not matched" chip either


def test_filters_combine(browse, games):
    assert titles(browse(developer=games["id_soft"].pk, year_from=1991)) == ["Doom"]


def test_my_favourites_filter_shows_only_my_own(browse, games, normal_user, make_user):
    Favorite.objects.create(user=normal_user, game=games["zork"])
    Favorite.objects.create(user=make_user("normal"), game=games["doom"])
    assert titles(browse(fav=1)) == ["Zork"]


def test_demo_users_have_no_favourites_filter(client, demo_user, games):
    client.force_login(demo_user)
    response = client.get(INDEX, {"fav": 1})
    assert b'name="fav"' not in response.content
    assert len(titles(response)) == 4


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"sort": "title"}, ["Commander Keen", "The Dig", "Doom", "Zork"]),
        ({"sort": "title", "dir": "desc"}, ["Zork", "Doom", "The Dig", "Commander Keen"]),
        # Newest first; Keen's year comes from its release date.
        ({"sort": "year"}, ["The Dig", "Doom", "Commander Keen", "Zork"]),
        ({"sort": "year", "dir": "asc"}, ["Zork", "Commander Keen", "Doom", "The Dig"]),
        # Highest first; games without a rating last, whichever the direction.
        ({"sort": "rating"}, ["Doom", "The Dig", "Commander Keen", "Zork"]),
        ({"sort": "rating", "dir": "asc"}, ["The Dig", "Doom", "Commander Keen", "Zork"]),
        ({"sort": "added"}, ["Zork", "Commander Keen", "Doom", "The Dig"]),
        ({"sort": "added", "dir": "asc"}, ["The Dig", "Doom", "Commander Keen", "Zork"]),
        ({"sort": "no-such-sort"}, ["Commander Keen", "The Dig", "Doom", "Zork"]),
        ({"sort": "year", "dir": "sideways"}, ["The Dig", "Doom", "Commander Keen", "Zork"]),
    ],
)
def test_sorting(browse, games, params, expected):
    assert titles(browse(**params)) == expected


def test_games_without_a_year_go_last_in_both_directions(browse, make_game):
    make_game(title="Undated", year=None)
    make_game(title="Old", year=1985)
    make_game(title="New", year=1995)
    assert titles(browse(sort="year")) == ["New", "Old", "Undated"]
    assert titles(browse(sort="year", dir="asc")) == ["Old", "New", "Undated"]


def test_the_sort_direction_stays_in_every_link_and_only_when_it_is_not_the_default(browse, games):
    genre = games["adventure"].pk
    html = browse(genre=genre, sort="year", dir="asc").content.decode()
    assert 'href="/?sort=year&amp;dir=asc"' in html  # the genre's chip keeps the direction
    html = browse(genre=genre, sort="year", dir="desc").content.decode()
    assert 'href="/?sort=year"' in html  # newest first is the year's own direction
    html = browse(genre=genre, dir="desc").content.decode()
    assert 'href="/?dir=desc"' in html  # titles Z to A


def test_the_order_select_names_the_directions_of_the_current_sort(browse, games):
    html = browse(sort="rating", dir="asc").content.decode()
    assert '<option value="asc" selected>Lowest first</option>' in html
    assert '<option value="desc">Highest first</option>' in html
    # What app.js needs to relabel it when another sort is chosen.
    assert (
        'value="year" data-default="desc" data-asc="Oldest first" data-desc="Newest first"' in html
    )


def test_filter_options_list_only_values_that_have_games(browse, games):
    html = browse().content.decode()
    assert ">Adventure</option>" in html
    assert "Unused genre" not in html
    # Companies are not listed (a library knows thousands); they come from game page links.
    assert 'id="f-developer"' not in html


def test_a_company_filter_shows_as_a_removable_chip_and_stays_in_the_form(browse, games):
    html = browse(developer=games["id_soft"].pk, theme=games["horror"].pk).content.decode()
    assert "Developer: id Software" in html
    assert f'name="developer" value="{games["id_soft"].pk}"' in html


def test_pagination_keeps_every_filter_in_its_links(browse, make_game):
    for n in range(50):
        make_game(title=f"Keen {n:02}", year=1991)
    make_game(title="Doom", year=1993)
    response = browse(q="keen", year_from=1991, sort="year")
    assert b"50 games" in response.content
    assert len(titles(response)) == 48
    assert b'href="?q=keen&amp;year_from=1991&amp;sort=year&amp;page=2"' in response.content
    second = browse(q="keen", year_from=1991, sort="year", page=2)
    assert titles(second) == ["Keen 48", "Keen 49"]


def test_each_active_filter_links_to_the_catalogue_without_it(browse, games):
    genre = games["adventure"].pk
    html = browse(q="dig", genre=genre, sort="year").content.decode()
    assert f'href="/?genre={genre}&amp;sort=year"' in html  # drops the search
    assert 'href="/?q=dig&amp;sort=year"' in html  # drops the genre


def test_a_page_past_the_end_shows_the_last_page(browse, make_game):
    for n in range(50):
        make_game(title=f"Keen {n:02}")
    assert titles(browse(page=99)) == ["Keen 48", "Keen 49"]


def test_htmx_search_returns_only_the_results_with_a_clean_address(client, normal_user, games):
    client.force_login(normal_user)
    response = client.get(
        INDEX, {"q": "doom", "genre": "", "theme": "", "sort": ""}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert titles(response) == ["Doom"]
    assert response["HX-Push-Url"] == "/?q=doom"
    assert "HX-Request" in response["Vary"]


def test_htmx_history_restore_gets_the_whole_page(client, normal_user, games):
    client.force_login(normal_user)
    response = client.get(INDEX, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert b"<html" in response.content


def test_filter_form_works_without_javascript(browse, games):
    html = browse().content.decode()
    form = html.split('<form id="filters"')[1].split("</form>")[0]
    assert 'method="get"' in form and 'action="/"' in form
    assert '<button type="submit"' in form
    assert 'hx-trigger="input changed delay:300ms, search"' in html
    assert 'form="filters"' in html  # the header's live search belongs to the filter form


def test_every_filter_input_has_a_label(browse, games):
    html = browse().content.decode()
    ids = re.findall(r'<(?:input|select)[^>]* id="([^"]+)"', html)
    assert ids
    for input_id in ids:
        assert f'for="{input_id}"' in html, input_id


NASTY = [
    {"year_from": "nineteen"},
    {"year_to": "1e3"},
    {"year_from": "9" * 5000},
    {"year_from": "-5", "year_to": "99999"},
    {"page": "abc"},
    {"page": "0"},
    {"page": "-1"},
    {"page": "9" * 5000},
    {"sort": "'; DROP TABLE catalog_game; --"},
    {"genre": "99999999999999999999999"},
    {"genre": "1 OR 1=1"},
    {"theme": "-3"},
    {"developer": "424242"},
    {"publisher": "[]"},
    {"match": "everything"},
    {"fav": "yes please"},
    {"q": "x" * 10_000},
    {"q": "nul\x00byte"},
    {"q": "{{ settings.SECRET_KEY }}{% debug %}"},
    {"q": "%_\\' \" <script>alert(1)</script>"},
    {"q": "🎮" * 50, "sort": "rating"},
    {"dir": "<script>alert(1)</script>", "sort": "year"},
    {"dir": ["asc", "desc"]},
]


@pytest.mark.parametrize("params", NASTY, ids=lambda p: repr(p)[:40])
def test_bad_parameters_never_break_the_catalogue(client, normal_user, games, params):
    client.force_login(normal_user)
    response = client.get(INDEX, params)
    assert response.status_code == 200
    assert b"<script>alert(1)" not in response.content
    htmx = client.get(INDEX, params, HTTP_HX_REQUEST="true")
    assert htmx.status_code == 200


@pytest.fixture
def many_games(make_game, normal_user):
    """60 games, each with a cover, two genres, a theme, companies and every other a favourite."""
    genres = [Genre.objects.create(igdb_id=n, name=f"Genre {n}") for n in range(1, 6)]
    theme = Theme.objects.create(igdb_id=1, name="Fantasy")
    company = Company.objects.create(igdb_id=1, name="Sierra")
    for n in range(60):
        game = make_game(title=f"Quest {n:02}", year=1980 + n % 20)
        game.cover = Image.objects.create(game=game, kind="cover", image_id=f"co{n}")
        game.save(update_fields=["cover"])
        game.genres.add(genres[n % 5], genres[(n + 1) % 5])
        game.themes.add(theme)
        Involvement.objects.create(game=game, company=company, developer=True, publisher=True)
        game.alternative_names.create(name=f"Saga {n}")
        if n % 2:
            Favorite.objects.create(user=normal_user, game=game)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "quest", "genre": "1", "sort": "year"},
        {"fav": "1", "sort": "rating", "dir": "asc", "page": "2"},
    ],
)
def test_catalogue_of_one_game_runs_at_most_8_queries(
    client, normal_user, make_game, django_assert_max_num_queries, params
):
    make_game(title="Quest 00")
    client.force_login(normal_user)
    with django_assert_max_num_queries(queries_allowed(params)):
        assert client.get(INDEX, params).status_code == 200


def queries_allowed(params):
    # The whole catalogue's first page also lists the games the user has saves of. A search
    # reads its page's ids by rank before their cards (catalog/views/browse.py).
    return 9 if not params or "q" in params else 8


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "saga", "genre": "1", "sort": "year"},
        {"fav": "1", "sort": "rating", "dir": "asc", "page": "2"},
    ],
)
def test_catalogue_of_60_games_runs_at_most_8_queries(
    client, normal_user, many_games, django_assert_max_num_queries, params
):
    client.force_login(normal_user)
    with django_assert_max_num_queries(queries_allowed(params)):
        response = client.get(INDEX, params)
    assert response.status_code == 200
    if not params:
        assert len(titles(response)) == 48
        assert response.content.count(b'aria-pressed="true"') == 24


def test_favourites_page_of_60_games_runs_at_most_8_queries(
    client, normal_user, many_games, django_assert_max_num_queries
):
    client.force_login(normal_user)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("catalog:favorites"))
    assert len(titles(response)) == 30
