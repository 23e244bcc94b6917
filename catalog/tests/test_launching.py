import pytest

from catalog.launching import conf_errors, find_member, start_file

DOOM = [["DOOM/DOOM.EXE", 709_905], ["DOOM/SETUP.EXE", 60_000], ["DOOM/GO.BAT", 20]]
BOOTER = [["DISK1.IMG", 368_640], ["DISK2.IMG", 368_640], ["INSTALL.EXE", 30_000]]


def start(members=DOOM, file_count=12, listing_error="", path="/roms/Doom.zip", **overrides):
    return start_file("Doom", path, 1000, members, file_count, listing_error, **overrides)


def test_without_overrides_it_is_the_choosers_pick():
    result = start()
    assert result.path == "DOOM/DOOM.EXE"
    assert result.command == ("cd DOOM", "DOOM.EXE")
    assert result.reason == "DOOM.EXE is named like the game."
    assert result.candidates[0] == "DOOM/DOOM.EXE"
    assert (result.by_admin, result.state) == (False, "known")


def test_an_admins_program_runs_from_its_folder_with_its_arguments():
    result = start(start_path="doom\\go.bat", start_args="-nosound")
    assert result.path == "DOOM/GO.BAT"
    assert result.command == ("cd DOOM", "GO.BAT -nosound")
    assert result.reason == "Chosen by an admin: DOOM/GO.BAT."
    assert result.by_admin


def test_arguments_alone_go_after_the_choosers_pick():
    result = start(start_args="-warp 1 1")
    assert result.command == ("cd DOOM", "DOOM.EXE -warp 1 1")
    assert result.reason.endswith("An admin added the arguments -warp 1 1.")


def test_a_boot_disk_is_mounted_as_a_and_booted():
    result = start(members=BOOTER, boot_disk="disk1.img")
    assert result.command == ("imgmount a DISK1.IMG -t floppy", "boot -l a")
    assert result.reason == "Chosen by an admin: boot from DISK1.IMG."
    assert result.path == "DISK1.IMG"


def test_an_override_that_is_not_in_this_file_leaves_the_choosers_pick_and_says_so():
    result = start(start_path="OTHER/GAME.EXE")
    assert result.path == "DOOM/DOOM.EXE"
    assert "The admin's choice, OTHER/GAME.EXE, is not in this file." in result.reason
    assert not result.by_admin


def test_an_admins_program_keeps_the_archives_cd_mounted():
    members = [["GAME.ISO", 600_000_000], ["RUN.BAT", 30], ["GAME.EXE", 100_000]]
    result = start_file("Game", "/roms/g.zip", 1, members, 3, start_path="run.bat")
    assert result.command == ("imgmount d GAME.ISO -t iso", "RUN.BAT")


def test_paths_with_spaces_are_quoted_for_dos():
    members = [["MY GAME/PLAY IT.BAT", 40]]
    result = start(members=members, start_path="my game/play it.bat")
    assert result.command == ('cd "MY GAME"', '"PLAY IT.BAT"')


def test_the_extra_dosbox_conf_lines_are_carried_for_the_player():
    assert start(dosbox_conf="[cpu]\ncycles=max\n").conf == "[cpu]\ncycles=max"


def test_a_file_not_listed_yet_says_to_run_a_scan():
    result = start(members=[], file_count=None)
    assert (result.path, result.command, result.state) == (None, (), "unlisted")
    assert result.reason == "This file's contents have not been listed yet: run a scan."


def test_an_unreadable_archive_says_why():
    result = start(members=[], file_count=None, listing_error="Bad CRC in DOOM.WAD")
    assert result.reason == "This archive could not be read: Bad CRC in DOOM.WAD."
    assert result.state == "unlisted"


def test_a_bare_disk_image_is_its_own_member():
    path = "/roms/Dune II (1992)/DISK1.IMG"
    result = start_file("Dune II", path, 737_280, [], None)
    assert result.command == ("imgmount a DISK1.IMG -t floppy", "a:", "dir /w")
    result = start_file("Dune II", path, 737_280, [], None, boot_disk="disk1.img")
    assert result.command == ("imgmount a DISK1.IMG -t floppy", "boot -l a")


def test_an_archive_with_only_an_installer_is_installer_only():
    result = start(members=[["INSTALL.EXE", 30_000]])
    assert result.state == "installer"
    assert start(members=[], file_count=4).state == "none"


def test_members_are_found_whatever_the_case_and_slashes():
    members = [("GAME/GO.BAT", 1)]
    assert find_member("/game\\go.bat ", members) == "GAME/GO.BAT"
    assert find_member("GO.BAT", members) is None
    assert find_member("", members) is None


@pytest.mark.parametrize(
    "text",
    ["", "[cpu]\ncycles=max\n\n# faster\n[dosbox]\nmemsize = 32", "; note\n[sblaster]\nirq=5"],
)
def test_well_formed_dosbox_conf_lines_pass(text):
    assert conf_errors(text) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("cycles=max", "Line 1: “cycles=max” comes before any [section]"),
        ("[cpu]\ncycles max", "Line 2: “cycles max” is not a [section], a key=value"),
        ("[autoexec]\nmount c .", "Line 1: romvault writes [autoexec] itself"),
        ("[cpu", "Line 1: “[cpu” is not a [section]"),
    ],
)
def test_malformed_dosbox_conf_lines_are_named(text, message):
    assert any(error.startswith(message) for error in conf_errors(text))


@pytest.mark.django_db
def test_a_rom_starts_with_its_games_overrides(make_game, make_rom):
    game = make_game(title="Doom", start_path="DOOM/GO.BAT", dosbox_conf="[cpu]\ncycles=max")
    rom = make_rom(game=game, members=DOOM, file_count=12)
    other = make_rom(game=game, members=[["DOOM2/DOOM2.EXE", 700_000]], file_count=3)
    assert rom.start().reason == "Chosen by an admin: DOOM/GO.BAT."
    assert rom.start().conf == "[cpu]\ncycles=max"
    assert other.start().path == "DOOM2/DOOM2.EXE"  # the override is not in that file
