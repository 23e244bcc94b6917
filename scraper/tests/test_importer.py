import copy
import json
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import (
    AlternativeName,
    Company,
    Favorite,
    Game,
    Genre,
    Image,
    Involvement,
    Rom,
)
from scraper import importer
from scraper.identify import Kind

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "igdb"


def sample(name):
    """A real record as our query returns it: image_id beside each image (GameDB kept url)."""
    record = json.loads((SAMPLES / name).read_text())
    if "first_release_date" not in record:
        dated = [r["date"] for r in record.get("release_dates", []) if "date" in r]
        record["first_release_date"] = min(dated)
    for key in ("cover", "screenshots", "artworks"):
        images = record.get(key)
        for image in [images] if isinstance(images, dict) else images or []:
            image["image_id"] = image["url"].rsplit("/", 1)[1].removesuffix(".jpg")
    return record


@pytest.fixture
def doom():
    return sample("doom_673__LizardByte-GameDB.json")


def test_a_matched_game_gets_its_fields_and_all_its_metadata(make_rom, doom):
    game = make_rom(path="/roms/Doom (1993).zip").game
    importer.save_matches([(game.pk, None, doom)])
    game.refresh_from_db()
    assert (game.title, game.igdb_id, game.match_status) == ("Doom", 673, "matched")
    assert game.igdb_url == "https://www.igdb.com/games/doom"
    assert game.summary.startswith("In the future")
    assert game.release_date.year == 1993
    assert round(game.rating) == 85
    assert [g.name for g in game.genres.all()] == ["Shooter"]
    assert sorted(t.name for t in game.themes.all()) == ["Action", "Horror", "Science fiction"]
    assert [c.name for c in game.collections.all()] == ["Doom"]
    assert [f.name for f in game.franchises.all()] == ["Doom"]
    developers = Company.objects.filter(involvements__game=game, involvements__developer=True)
    assert "id Software" in {c.name for c in developers}
    assert game.cover.image_id == "co5rav"
    assert game.images.filter(kind="screenshot").count() == len(doom["screenshots"])
    assert game.scraped_at is not None


def test_lookups_are_shared_between_games(make_rom, doom):
    first = make_rom().game
    second = make_rom().game
    other = copy.deepcopy(doom)
    other["id"] = 99999
    importer.save_matches([(first.pk, None, doom), (second.pk, None, other)])
    assert Genre.objects.filter(igdb_id=5).count() == 1
    assert Genre.objects.get(igdb_id=5).games.count() == 2


def test_a_refresh_replaces_the_sets_exactly(make_rom, doom):
    game = make_rom().game
    importer.save_matches([(game.pk, None, doom)])
    kept_screenshot = game.images.get(image_id=doom["screenshots"][0]["image_id"])
    changed = copy.deepcopy(doom)
    changed["genres"] = [{"id": 31, "name": "Adventure"}]
    changed["themes"] = []
    changed["screenshots"] = changed["screenshots"][:1]
    changed["alternative_names"] = [{"id": 1, "name": "DOOM", "comment": "Stylized title"}]
    del changed["cover"]
    importer.save_matches([(game.pk, None, changed)])
    game.refresh_from_db()
    assert [g.name for g in game.genres.all()] == ["Adventure"]
    assert game.themes.count() == 0
    assert list(game.images.filter(kind="screenshot")) == [kept_screenshot]
    assert game.cover is None
    assert list(game.alternative_names.values_list("name", flat=True)) == ["DOOM"]
    assert Genre.objects.filter(igdb_id=5).exists()  # the lookup row stays for other games


def test_fields_edited_by_hand_are_left_as_they_are_by_imports_and_clearing(make_rom, doom):
    game = make_rom(path="/roms/Doom (1993).zip").game
    importer.save_matches([(game.pk, None, doom)])
    game.refresh_from_db()
    shotgun = Genre.objects.create(igdb_id=999, name="Shotgun opera")
    screenshot = game.images.filter(kind="screenshot").first()
    game.set_title("DOOM (registered)")
    game.summary, game.cover = "Mine.", screenshot
    game.edited_fields = ["cover", "genres", "summary", "title"]
    game.save()
    game.genres.set([shotgun])
    changed = copy.deepcopy(doom)
    changed["storyline"] = "IGDB's new storyline."
    importer.save_matches([(game.pk, None, changed)])  # a re-fetch or scrape --refresh
    game.refresh_from_db()
    assert (game.title, game.sort_title, game.slug) == ("DOOM (registered)", "doom (registered)",
                                                        "doom-registered")  # fmt: skip
    assert (game.summary, game.cover) == ("Mine.", screenshot)
    assert list(game.genres.all()) == [shotgun]
    # What nobody edited follows IGDB.
    assert game.storyline == "IGDB's new storyline." and game.themes.count() == 3
    importer.clear_matches([game.pk])
    game.refresh_from_db()
    assert (game.title, game.summary, list(game.genres.all())) == ("DOOM (registered)", "Mine.",
                                                                   [shotgun])  # fmt: skip
    assert game.igdb_id is None and game.storyline == "" and not game.themes.exists()


def test_a_cover_chosen_by_hand_that_igdb_drops_gives_way_to_igdbs(make_rom, doom):
    game = make_rom().game
    importer.save_matches([(game.pk, None, doom)])
    game.refresh_from_db()
    game.cover = game.images.filter(kind="screenshot").first()
    game.edited_fields = ["cover"]
    game.save()
    changed = copy.deepcopy(doom)
    changed["screenshots"] = []
    importer.save_matches([(game.pk, None, changed)])
    game.refresh_from_db()
    assert game.cover.image_id == "co5rav"


def test_a_duplicate_game_merges_into_the_one_holding_the_record(make_rom, normal_user, doom):
    keeper = make_rom(path="/roms/Doom (1993).zip").game
    importer.save_matches([(keeper.pk, None, doom)])
    duplicate_rom = make_rom(path="/roms/DOOM.EXE")
    Favorite.objects.create(user=normal_user, game=duplicate_rom.game)
    merged = importer.save_matches([(duplicate_rom.game.pk, None, doom)])
    assert merged == {duplicate_rom.game.pk: keeper.pk}
    assert not Game.objects.filter(pk=duplicate_rom.game.pk).exists()
    assert Rom.objects.get(pk=duplicate_rom.pk).game_id == keeper.pk
    assert Favorite.objects.get(user=normal_user).game_id == keeper.pk


def test_two_files_of_one_record_in_a_batch_end_in_one_game(make_rom, doom):
    a, b = make_rom().game, make_rom().game
    importer.save_matches([(a.pk, None, doom), (b.pk, None, doom)])
    assert Game.objects.filter(igdb_id=673).count() == 1
    assert Rom.objects.filter(game__igdb_id=673).count() == 2


def test_saving_a_batch_takes_a_bounded_number_of_queries(make_rom, doom):
    def run(first_id, n):
        records = []
        for i in range(n):
            record = copy.deepcopy(doom)
            record["id"] = first_id + i
            records.append((make_rom().game.pk, None, record))
        with CaptureQueriesContext(connection) as queries:
            importer.save_matches(records)
        return len(queries)

    run(1, 1)  # the shared lookups exist from here on
    # Not one query per game: only long INSERTs split (SQLite takes 999 parameters a query).
    assert run(100, 5) <= run(200, 40) <= run(100, 5) + 6


def test_unmatched_games_keep_their_candidates_for_review(make_game):
    from scraper.matching import Match

    game = make_game(title="Obscure Shareware")
    candidates = ({"id": 1, "name": "Obscura", "year": 1994, "platforms": [13], "score": 0.4},)
    importer.save_unmatched([(game.pk, Match(None, 0.4, candidates))])
    game.refresh_from_db()
    assert game.match_status == "no_match"
    assert game.match_candidates == list(candidates)


def test_a_failure_is_recorded_and_never_downgrades_a_match(make_rom, make_game, doom):
    matched = make_rom().game
    importer.save_matches([(matched.pk, None, doom)])
    fresh = make_game(title="Keen")
    importer.save_failures([(matched.pk, "IGDB answered 500"), (fresh.pk, "IGDB answered 500")])
    matched.refresh_from_db()
    fresh.refresh_from_db()
    assert matched.match_status == "matched"
    assert (fresh.match_status, fresh.match_error) == ("failed", "IGDB answered 500")


def test_records_with_missing_fields_import_cleanly(make_rom):
    game = make_rom().game
    importer.save_matches([(game.pk, None, {"id": 5, "name": "Bare"})])
    game.refresh_from_db()
    assert (game.title, game.summary, game.release_date, game.cover) == ("Bare", "", None, None)
    assert not Involvement.objects.exists()
    assert not AlternativeName.objects.exists()
    assert not Image.objects.exists()


def test_every_kind_of_lookup_result_is_a_match_status_a_game_can_have():
    assert {kind.value for kind in Kind} <= set(Game.MatchStatus.values)


@pytest.mark.parametrize(
    ("url", "stored"),
    [
        ("https://www.igdb.com/games/doom", "https://www.igdb.com/games/doom"),
        ("javascript:alert(1)", ""),
        ("https://evil.example/games/doom", ""),
        ("https://www.igdb.com@evil.example/", ""),
        ("//www.igdb.com/games/doom", ""),
        (["https://www.igdb.com/games/doom"], ""),
    ],
)
def test_only_an_igdb_page_is_kept_as_the_games_igdb_url(make_rom, doom, url, stored):
    game = make_rom(path="/roms/Doom (1993).zip").game
    importer.save_matches([(game.pk, None, doom | {"url": url})])
    game.refresh_from_db()
    assert game.igdb_url == stored


def test_image_ids_that_are_not_igdbs_are_left_out(make_rom, doom):
    game = make_rom(path="/roms/Doom (1993).zip").game
    shots = [{"id": 1, "image_id": "../../x"}, {"id": 2, "image_id": "sc1abc"},
             {"id": 3, "image_id": "SC2/x"}, {"id": 4, "image_id": 5}]  # fmt: skip
    record = doom | {"cover": {"id": 9, "image_id": "co1/../../x"}, "screenshots": shots}
    importer.save_matches([(game.pk, None, record)])
    game.refresh_from_db()
    assert game.cover is None
    assert list(game.images.values_list("kind", "image_id")) == [
        *(("artwork", a["image_id"]) for a in doom["artworks"]),
        ("screenshot", "sc1abc"),
    ]


def test_igdb_names_lose_bidi_controls_and_zero_width_characters(make_rom, doom):
    game = make_rom(path="/roms/Doom (1993).zip").game
    names = [{"id": 1, "name": "Do\u200bom"}, {"id": 2, "name": "Doom\u202e II"}]
    importer.save_matches(
        [(game.pk, None, doom | {"name": "\u202eDoom", "alternative_names": names})]
    )
    game.refresh_from_db()
    assert game.title == "Doom"
    assert list(game.alternative_names.values_list("name", flat=True)) == ["Doom", "Doom II"]
