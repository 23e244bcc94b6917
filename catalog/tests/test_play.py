"""The player's server side: who may play, the versioned file URL, the saves, the page."""

import io
import json
import os
import zipfile
from pathlib import Path

import pytest
from django.urls import reverse

from catalog.downloads import version_of
from catalog.models import Played, Save

pytestmark = pytest.mark.django_db


def zipped(files: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture
def game_zip(rom_dir, make_rom, make_game):
    """A zip in the ROM folder, listed as a scan lists it: KEEN/KEEN4.EXE beside an installer."""
    data = zipped({"KEEN/KEEN4.EXE": b"MZ" + bytes(100), "KEEN/INSTALL.EXE": b"MZ"})
    path = rom_dir / "Commander Keen 4 (1991).zip"
    path.write_bytes(data)
    game = make_game(title="Commander Keen 4", year=1991)
    members = [["KEEN/INSTALL.EXE", 2], ["KEEN/KEEN4.EXE", 102]]
    return make_rom(game=game, path=str(path), size=len(data), members=members, file_count=2)


def player_config(response):
    html = response.content.decode()
    start = html.index('<script id="player-config" type="application/json">')
    start = html.index(">", start) + 1
    return json.loads(html[start : html.index("</script>", start)])


def upload(client, rom, data: bytes, **headers):
    return client.post(
        reverse("catalog:save", args=[rom.pk]), data, content_type="application/zip", **headers
    )


def test_the_player_page_runs_the_chosen_program_with_a_strict_policy_of_its_own(
    normal_client, game_zip, normal_user
):
    response = normal_client.get(reverse("catalog:play", args=[game_zip.pk]))
    assert response.status_code == 200
    config = player_config(response)
    assert config["archive"] is True
    assert config["fileName"] == "Commander Keen 4 (1991).zip"
    autoexec = config["conf"].split("[autoexec]")[1].split("\n")
    assert autoexec[-3:] == ["cd KEEN", "KEEN4.EXE", ""]
    assert "mount c ." in autoexec
    version = version_of(os.stat(game_zip.path))
    assert config["fileUrl"].endswith(f"/{version}/Commander%20Keen%204%20(1991).zip") or (
        f"/{version}/" in config["fileUrl"]
    )
    policy = response["Content-Security-Policy"]
    assert "'unsafe-eval'" in policy and "worker-src 'self' blob:" in policy
    assert "http" not in policy  # nothing from another host
    assert Played.objects.get(user=normal_user, game=game_zip.game)


def test_every_other_page_keeps_the_strict_policy(normal_client, game_zip):
    response = normal_client.get(game_zip.game.get_absolute_url())
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]


def test_the_game_page_offers_play_to_players_only(client, game_zip, normal_user, demo_user):
    client.force_login(normal_user)
    html = client.get(game_zip.game.get_absolute_url()).content.decode()
    assert reverse("catalog:play", args=[game_zip.pk]) in html
    client.force_login(demo_user)
    html = client.get(game_zip.game.get_absolute_url()).content.decode()
    assert reverse("catalog:play", args=[game_zip.pk]) not in html
    assert client.get(reverse("catalog:play", args=[game_zip.pk])).status_code == 403


def test_a_game_that_cannot_start_says_why_instead_of_play(normal_client, rom_dir, make_rom):
    path = rom_dir / "Manuals (1992).zip"
    path.write_bytes(zipped({"README.TXT": b"hi"}))
    rom = make_rom(path=str(path), size=path.stat().st_size, members=[], file_count=1)
    html = normal_client.get(rom.game.get_absolute_url()).content.decode()
    assert "No DOS program (.EXE, .COM, .BAT) in this archive." in html
    assert 'id="play-button"' not in html
    response = normal_client.get(reverse("catalog:play", args=[rom.pk]))
    assert response.status_code == 302  # back to the game page, which says why
    response = normal_client.get(reverse("catalog:play-game", args=[rom.game.pk]), follow=True)
    assert "cannot be played in the browser" in response.content.decode()


def test_disks_that_cannot_start_for_one_reason_say_it_once(
    normal_client, rom_dir, make_game, make_rom
):
    game = make_game(title="Manuals")
    for n in (1, 2):
        path = rom_dir / f"Manuals (Disk {n}).zip"
        path.write_bytes(zipped({"README.TXT": b"hi"}))
        make_rom(game=game, path=str(path), size=path.stat().st_size, members=[], file_count=1)
    html = normal_client.get(game.get_absolute_url()).content.decode()
    assert html.count("No DOS program (.EXE, .COM, .BAT) in this archive.") == 1


def test_a_game_whose_files_are_all_missing_says_so(normal_client, make_rom):
    rom = make_rom(missing_since="2026-01-01T00:00:00Z")
    html = normal_client.get(rom.game.get_absolute_url()).content.decode()
    assert "Cannot be played in the browser: its files are missing" in html


def test_a_rar_says_it_must_be_repacked(normal_client, rom_dir, make_rom):
    path = rom_dir / "Doom (1993).rar"
    path.write_bytes(b"Rar!")
    rom = make_rom(path=str(path), size=4, members=[["DOOM.EXE", 4]], file_count=1)
    html = normal_client.get(rom.game.get_absolute_url()).content.decode()
    assert "not .rar archives: repack this file as a .zip to play it." in html


def test_a_bare_image_with_a_long_name_gets_a_dos_name(normal_client, rom_dir, make_rom):
    path = rom_dir / "Space Quest (1986) (Disk 1).img"
    path.write_bytes(bytes(1474560))  # a 1.44 MB floppy
    rom = make_rom(path=str(path), size=1474560)
    config = player_config(normal_client.get(reverse("catalog:play", args=[rom.pk])))
    assert config["archive"] is False
    assert config["fileName"] == "GAME.IMG"
    assert "imgmount a GAME.IMG -t floppy" in config["conf"]


def test_the_play_file_is_served_for_its_version_only_and_may_be_kept(normal_client, game_zip):
    version = version_of(os.stat(game_zip.path))
    url = reverse("catalog:play-file", args=[game_zip.pk, version, "GAME.ZIP"])
    response = normal_client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == Path(game_zip.path).read_bytes()
    assert "immutable" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert normal_client.get(url, HTTP_RANGE="bytes=0-1").status_code == 206
    with open(game_zip.path, "ab") as file:  # the file changes: the old URL is gone
        file.write(b"more")
    assert normal_client.get(url).status_code == 404


def test_a_save_round_trips_and_stays_the_users_own(client, game_zip, normal_user, make_user):
    client.force_login(normal_user)
    url = reverse("catalog:save", args=[game_zip.pk])
    assert client.get(url).status_code == 204
    data = zipped({"KEEN/SAVEGAM0.CK4": b"level 3"})
    response = upload(client, game_zip, data)
    assert response.status_code == 200 and response.json()["size"] == len(data)
    got = client.get(url)
    assert got.status_code == 200 and got.content == data and "no-store" in got["Cache-Control"]
    client.force_login(make_user("normal", username="other"))
    assert client.get(url).status_code == 204  # nothing is shared between users


def test_a_bad_save_keeps_the_previous_one(normal_client, game_zip, normal_user, settings):
    good = zipped({"SAVE.DAT": b"1"})
    assert upload(normal_client, game_zip, good).status_code == 200
    response = upload(normal_client, game_zip, b"not a zip at all")
    assert response.status_code == 400 and "previous save is kept" in response.json()["error"]
    settings.SAVE_MAX_BYTES = 1000
    big = zipped({"SAVE.DAT": os.urandom(2000)})
    response = upload(normal_client, game_zip, big)
    assert response.status_code == 413 and "limited to" in response.json()["error"]
    assert bytes(Save.objects.get(user=normal_user, rom=game_zip).data) == good


def test_a_save_needs_the_csrf_token(client, game_zip, normal_user):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(normal_user)
    assert upload(csrf_client, game_zip, zipped({"A": b"1"})).status_code == 403
    assert not Save.objects.exists()


def test_saves_are_listed_and_deleted_on_the_game_page(normal_client, game_zip, normal_user):
    upload(normal_client, game_zip, zipped({"SAVE.DAT": b"1"}))
    html = normal_client.get(game_zip.game.get_absolute_url()).content.decode()
    assert "Your saves" in html and "Saved 0" in html
    response = normal_client.post(reverse("catalog:save-delete", args=[game_zip.pk]), follow=True)
    assert "is deleted" in response.content.decode()
    assert not Save.objects.exists()


def test_continue_playing_lists_games_with_my_saves_first(normal_client, game_zip, make_game):
    make_game(title="Another Game")
    html = normal_client.get(reverse("catalog:index")).content.decode()
    assert "Continue playing" not in html
    upload(normal_client, game_zip, zipped({"SAVE.DAT": b"1"}))
    html = normal_client.get(reverse("catalog:index")).content.decode()
    assert "Continue playing" in html
    row = html[html.index("Continue playing") : html.index("</section>")]
    assert "Commander Keen 4" in row and "Another Game" not in row
    assert reverse("catalog:play-game", args=[game_zip.game.pk]) in html


def test_a_new_save_is_laid_over_the_previous_one(normal_client, game_zip, normal_user):
    upload(normal_client, game_zip, zipped({"SAVE1.DAT": b"old", "OPTIONS.CFG": b"old"}))
    upload(normal_client, game_zip, zipped({"OPTIONS.CFG": b"new"}))
    data = bytes(Save.objects.get(user=normal_user, rom=game_zip).data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert {n: archive.read(n) for n in archive.namelist()} == {
            "SAVE1.DAT": b"old",
            "OPTIONS.CFG": b"new",
        }
