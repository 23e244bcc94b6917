import pytest
from django.db import IntegrityError, transaction

from catalog.models import Favorite, Game, Rom, sort_title_for

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


@pytest.mark.parametrize(
    ("title", "shown"),
    [
        ("RTL \u202egnp.exe", "RTL gnp.exe"),  # shown as "RTL exe.png" with U+202E kept
        ("Com\u200bmander\u2066 Keen\u2069", "Commander Keen"),
        ("\ufeffThe Dig", "The Dig"),
        ("\u05d0\u05d1 \u0627\u0628 Caf\u00e9", "\u05d0\u05d1 \u0627\u0628 Caf\u00e9"),  # kept
    ],
)
def test_a_title_loses_bidi_controls_and_zero_width_characters(make_game, title, shown):
    """Scans, IGDB imports and the admin all store titles through set_title."""
    game = make_game(title=title)
    game.refresh_from_db()
    assert (game.title, game.sort_title) == (shown, sort_title_for(shown))


def test_titles_stored_before_lose_their_invisible_characters_on_migrate(make_game):
    from importlib import import_module

    from django.apps import apps

    keen, dig = make_game(title="Keen"), make_game(title="Dig")
    Game.objects.filter(pk=keen.pk).update(title="RTL \u202egnp.exe", sort_title="x", slug="x")
    Game.objects.filter(pk=dig.pk).update(title="\u200bThe Dig", sort_title="x", slug="x")
    dig.alternative_names.create(name="Dig")
    dig.alternative_names.create(name="D\u200big")  # the same name, once plain
    dig.alternative_names.create(name="\u2066Die Gruft\u2069")
    import_module("catalog.migrations.0005_visible_titles").strip_titles(apps, None)
    rows = Game.objects.filter(pk__in=[keen.pk, dig.pk]).order_by("pk")
    assert list(rows.values_list("title", "sort_title", "slug")) == [
        ("RTL gnp.exe", "rtl gnp.exe", "rtl-gnpexe"),
        ("The Dig", "dig", "the-dig"),
    ]
    assert list(dig.alternative_names.values_list("name", flat=True)) == ["Die Gruft", "Dig"]


@pytest.mark.parametrize(
    ("path", "parsed_title", "tags", "disk", "download"),
    [
        # A folder set: the folder names the game, the file only its disk.
        ("/roms/Dune II (1992)/DISK1.ZIP", "Dune II", {}, "Disk 1", "Dune II (1992) - DISK1.ZIP"),
        (
            "/roms/Dune II/Disk 2 of 3.img",
            "Dune II",
            {},
            "Disk 2 of 3",
            "Dune II - Disk 2 of 3.img",
        ),
        # As scanned now, with the number in the tags.
        ("/roms/Dune II/DISK2.ZIP", "Dune II", {"disk": 2}, "Disk 2", "Dune II - DISK2.ZIP"),
        ("/roms/Ultima VII/INSTALL.EXE", "Ultima VII", {}, "", "Ultima VII - INSTALL.EXE"),
        # Names that say which game they are keep their own name.
        (
            "/roms/Keen 4 (1991)(Disk 1 of 2).zip",
            "Keen 4",
            {"disk": 1, "disk_total": 2},
            "Disk 1 of 2",
            "Keen 4 (1991)(Disk 1 of 2).zip",
        ),
        ("/roms/Dune II/Dune II Disk1.zip", "Dune II", {"disk": 1}, "Disk 1", "Dune II Disk1.zip"),
        ("/roms/Adventure/Doom.zip", "Doom", {}, "", "Doom.zip"),
        # Straight in a ROM folder: the scan titled the game "DISK1", no folder names it.
        ("/roms/DISK1.ZIP", "DISK1", {}, "", "DISK1.ZIP"),
        # The folder's name loses the characters that would make it display as another.
        ("/roms/Dune\u202e II/DISK1.ZIP", "Dune II", {}, "Disk 1", "Dune II - DISK1.ZIP"),
    ],
)
def test_a_file_of_a_folder_set_shows_its_disk_and_downloads_under_its_folders_name(
    path, parsed_title, tags, disk, download
):
    rom = Rom(path=path, parsed_title=parsed_title, tags=tags)
    assert (rom.disk_label, rom.download_name) == (disk, download)
