"""A super user's start overrides survive rescans and re-scrapes, like a locked match."""

import pytest

from catalog.models import Game, Rom
from scraper import importer
from scraper.scan import Scanner

pytestmark = pytest.mark.django_db

OVERRIDES = {
    "start_path": "DOOM/GO.BAT",
    "start_args": "-nosound",
    "dosbox_conf": "[cpu]\ncycles=max",
    "boot_disk": "",
}
DOOM = {"id": 673, "name": "Doom", "summary": "In the future..."}


def overrides(game_pk):
    return Game.objects.filter(pk=game_pk).values(*OVERRIDES).get()


def set_overrides(game, **fields):
    Game.objects.filter(pk=game.pk).update(**(fields or OVERRIDES))


def test_a_scrape_and_a_refresh_keep_the_overrides(make_rom):
    game = make_rom(path="/roms/Doom (1993).zip").game
    set_overrides(game)
    importer.save_matches([(game.pk, None, DOOM)])
    importer.save_matches([(game.pk, None, {**DOOM, "name": "DOOM"})])  # a refresh
    assert Game.objects.get(pk=game.pk).title == "DOOM"
    assert overrides(game.pk) == OVERRIDES


def test_clearing_a_match_or_leaving_it_unmatched_keeps_the_overrides(make_rom):
    game = make_rom(path="/roms/Doom (1993).zip").game
    set_overrides(game)
    importer.save_matches([(game.pk, None, DOOM)])
    importer.clear_matches([game.pk])
    importer.save_unmatched([(game.pk, None)])
    importer.save_failures([(game.pk, "IGDB is down")])
    importer.clear_matches([game.pk], ignore=True)
    assert overrides(game.pk) == OVERRIDES


def test_a_merged_game_brings_its_overrides_unless_the_keeper_has_its_own(make_rom):
    keeper = make_rom(path="/roms/Doom (1993).zip").game
    importer.save_matches([(keeper.pk, None, DOOM)])
    duplicate = make_rom(path="/roms/DOOM.EXE").game
    set_overrides(duplicate)
    importer.save_matches([(duplicate.pk, None, DOOM)])
    assert overrides(keeper.pk) == OVERRIDES

    another = make_rom(path="/roms/Doom (v1.9).zip").game
    set_overrides(another, start_path="DOOM/DOOM.EXE")
    importer.save_matches([(another.pk, None, DOOM)])
    assert overrides(keeper.pk) == OVERRIDES


def test_a_rescan_of_a_changed_file_keeps_the_overrides(tmp_path):
    root = tmp_path / "roms"
    root.mkdir()
    archive = root / "Doom (1993).zip"
    archive.write_bytes(b"first")
    Scanner([root], on_error=lambda *_: None).run()
    game = Rom.objects.get().game
    set_overrides(game)
    archive.write_bytes(b"a changed archive")
    report = Scanner([root], on_error=lambda *_: None).run()
    assert report.changed == 1
    archive.rename(root / "Doom (1993) [renamed].zip")
    Scanner([root], on_error=lambda *_: None).run()
    assert Rom.objects.get().game_id == game.pk
    assert overrides(game.pk) == OVERRIDES
