"""Search: one normalisation, ranking, typos, companies and series, and the quality table.

The suite runs on SQLite and again on PostgreSQL (.ci/run): the same assertions hold on both,
each database answering from its own index (FTS5 trigram, pg_trgm)."""

import pytest
from django.db import connection

from catalog import search
from catalog.models import AlternativeName, Collection, Company, Game, Involvement
from catalog.tests.search_library import LIBRARY, QUERIES

pytestmark = pytest.mark.django_db


def add_game(title, year, names=(), companies=(), series=()):
    game = Game(year=year, match_key=title.lower())
    game.set_title(title)
    game.save()
    AlternativeName.objects.bulk_create(AlternativeName(game=game, name=n) for n in names)
    for name in companies:
        company, _ = Company.objects.get_or_create(
            name=name, defaults={"igdb_id": Company.objects.count() + 1, "slug": name.lower()}
        )
        Involvement.objects.bulk_create([Involvement(game=game, company=company)])
    for name in series:
        collection, _ = Collection.objects.get_or_create(
            name=name, defaults={"igdb_id": Collection.objects.count() + 1, "slug": name.lower()}
        )
        game.collections.through.objects.bulk_create(
            [game.collections.through(game=game, collection=collection)]
        )
    return game


@pytest.fixture
def library():
    games = [add_game(*row) for row in LIBRARY]
    search.refresh(game.pk for game in games)  # bulk writes, as the importer's
    return games


def found(text, n=None):
    titles = list(Game.objects.search(text).values_list("title", flat=True))
    return titles[:n] if n else titles


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Ultima VII - The Black Gate", "ultima 7 black gate"),
        ("ultima-vii: the black gate", "ultima 7 black gate"),
        ("ULTIMA 7 The Black Gate", "ultima 7 the black gate"),  # no separator: one part
        ("X-Wing", "x wing"),
        ("Ishidō: The Way of Stones", "ishido way of stones"),
        ("Sam & Max Hit the Road", "sam and max hit the road"),
        ("Dig, The", "dig"),
        ("ǅungla İstanbul ÆON", "dzungla istanbul aeon"),
    ],
)
def test_one_normalisation_for_what_is_typed_and_stored(typed, stored):
    assert search.words(typed) == stored


def test_every_game_has_its_title_names_and_related_names(library):
    keen = Game.objects.get(title__startswith="Commander Keen 4")
    assert keen.search_title == "commander keen 4 secret of the oracle"
    assert "|commander keen in goodbye galaxy|" in keen.search_names
    assert "|commanderkeen4secretoftheoracle|" in keen.search_names
    assert keen.search_related == "|id software|apogee software|commander keen|"


def test_the_quality_table_first_result(library):
    misses = [(q, want, found(q, 3)) for q, want in QUERIES if found(q, 1) != [want]]
    assert len(QUERIES) >= 60
    share = 1 - len(misses) / len(QUERIES)
    print(f"search quality: {share:.1%} of {len(QUERIES)} queries first ({connection.vendor})")
    assert share >= 0.95, f"{share:.1%} first; misses: {misses}"


def test_the_quality_table_top_five(library):
    misses = [(q, want) for q, want in QUERIES if want not in found(q, 5)]
    assert not misses


def test_doom_ranks_the_doom_games_before_doomsday(library):
    assert found("doom") == [
        "Doom",
        "Doom II: Hell on Earth",
        "Final Doom",
        "Depths of Doom Trilogy",
        "Buck Rogers: Countdown to Doomsday",
    ]


@pytest.mark.parametrize("typed", ["ultima 7", "Ultima VII", "ultima-vii", "ULTIMA 7"])
def test_numerals_case_and_punctuation_find_the_same_games(library, typed):
    assert found(typed) == ["Ultima VII: The Black Gate", "Ultima VII Part Two: Serpent Isle"]


@pytest.mark.parametrize("typed", ["x wing", "xwing", "X-Wing"])
def test_joined_and_split_words_find_the_same_game(library, typed):
    assert found(typed, 1) == ["X-Wing"]


def test_companies_and_series_come_after_the_title_matches(library):
    apogee = found("apogee")
    assert len(apogee) == 8 and "Duke Nukem II" in apogee
    keen = found("keen")
    assert keen[0] == "Keen Dreams"  # the title that starts with it
    assert set(keen) == {
        "Keen Dreams",
        "Commander Keen 1: Marooned on Mars",
        "Commander Keen 4: Secret of the Oracle",
    }
    sierra = found("sierra")
    assert "Gabriel Knight: Sins of the Fathers" in sierra and "Doom" not in sierra


def test_typos_are_corrected_only_when_the_words_find_nothing(library):
    assert found("wing comander", 1) == ["Wing Commander"]
    assert found("comander keen", 2) == [
        "Commander Keen 1: Marooned on Mars",
        "Commander Keen 4: Secret of the Oracle",
    ]
    assert found("boom") == []  # four letters: no typo of "doom"
    assert found("dooom", 1) == ["Doom"]  # five letters: one too many
    assert found("qwertyuiop") == []


def test_short_queries_match_the_start_of_titles(library):
    # In the order of the title index: alphabetical, the exact title (the shortest) first.
    assert found("du") == [
        "Duke Nukem II",
        "Duke Nukem 3D",
        "Dune",
        "Dune II: The Building of a Dynasty",
    ]
    assert found("x", 2) == ["X-COM: UFO Defense", "X-Wing"]
    assert found("!!") == []


def first_titles(text, limit):
    return [game.title for game in Game.objects.suggestions(text, limit=limit)]


@pytest.mark.parametrize("limit", [1, 3, 8])
def test_suggestions_are_the_first_results_in_the_same_order(library, limit):
    """Suggestions read the first tiers alone when they hold enough games (catalog.search.
    first_ids): never another order than the results page's."""
    for text, _ in QUERIES:
        assert first_titles(text, limit) == found(text, limit), text


def test_a_word_many_titles_start_with_ranks_only_those_for_suggestions(library):
    for i in range(12):
        add_game(f"Space Station {i}", 1990 + i)
    add_game("Space", 1985)
    add_game("Lost in Space", 1989)
    add_game("Moonbase", 1990, names=["Space"])  # another name, exact: the first tier
    add_game("Spacewar Deluxe", 1994)
    search.refresh(Game.objects.values_list("pk", flat=True))
    assert first_titles("space", 8) == found("space", 8)
    assert first_titles("space", 8)[:3] == ["Space", "Moonbase", "Space Station 0"]
    assert "Lost in Space" in found("space") and "Lost in Space" not in first_titles("space", 8)
    assert first_titles("space", 20) == found("space", 20)  # too few in the first tiers


def test_an_edit_in_the_admin_or_the_orm_is_searchable_at_once(library):
    doom = Game.objects.get(title="Doom")
    doom.alternative_names.create(name="Hell Knight")
    assert found("hell knight") == ["Doom"]
    doom.set_title("Doom Classic")
    doom.save()
    search.refresh([doom.pk])
    assert found("doom classic") == ["Doom Classic"]
    doom.delete()
    assert found("hell knight") == []


@pytest.mark.django_db(transaction=True)  # PostgreSQL builds no index in a test's transaction
def test_a_lost_index_comes_back_after_migrate(library):
    # SQLite drops a table's triggers when a migration rebuilds the table; post_migrate puts
    # them back and rebuilds the FTS5 index. On PostgreSQL the same call restores an index.
    lost = "catalog_game_search_insert" if connection.vendor == "sqlite" else "game_search_trgm"
    with connection.cursor() as cursor:
        kind = "TRIGGER" if connection.vendor == "sqlite" else "INDEX"
        cursor.execute(f"DROP {kind} {lost}")
    search.ensure_index()
    add_game("Tyrian 2000", 1999)
    assert found("tyrian 2000") == ["Tyrian 2000"]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE name = %s", [lost])
        else:
            cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname = %s", [lost])
        assert cursor.fetchone() == (lost,)
