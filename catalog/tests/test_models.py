import pytest
from django.db import IntegrityError, transaction

from catalog.models import Favorite, Game, sort_title_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("The Dig", "dig"),
        ("A Mind Forever Voyaging", "mind forever voyaging"),
        ("Theme Park", "theme park"),
    ],
)
def test_sort_title_ignores_a_leading_article(title, expected):
    assert sort_title_for(title) == expected


def test_two_games_cannot_share_an_igdb_id(make_game):
    make_game(title="Doom", igdb_id=673)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_game(title="Doom (copy)", igdb_id=673)


def test_many_unmatched_games_may_have_no_igdb_id(make_game):
    make_game(title="One")
    make_game(title="Two")
    assert Game.objects.filter(igdb_id__isnull=True).count() == 2


def test_a_game_is_a_favourite_of_a_user_only_once(make_game, normal_user):
    game = make_game()
    Favorite.objects.create(user=normal_user, game=game)
    with pytest.raises(IntegrityError), transaction.atomic():
        Favorite.objects.create(user=normal_user, game=game)


def test_search_finds_titles_and_alternative_names(make_game):
    keen = make_game(title="Commander Keen 4")
    keen.alternative_names.create(name="Secret of the Oracle")
    make_game(title="Doom")
    assert list(Game.objects.search("oracle")) == [keen]
    assert list(Game.objects.search("KEEN")) == [keen]
    assert Game.objects.search("").count() == 2


def test_game_url_carries_id_and_slug(make_game):
    game = make_game(title="Dig, The")
    assert game.get_absolute_url() == f"/games/{game.pk}/dig-the/"
