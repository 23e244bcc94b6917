"""Tests for scraper.launch.choose_start: one hand-written archive per rule.

Pure Python: no database, no Django settings needed. The accuracy on real games is measured by
bench/launch.py, not here.
"""

from __future__ import annotations

import pytest

from scraper.launch import Start, choose_start


def files(*names: str, size: int = 100_000) -> list[tuple[str, int]]:
    return [(name, size) for name in names]


# --- decoys ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "decoy",
    ["INSTALL.EXE", "SETUP.EXE", "SETSOUND.EXE", "UNINSTAL.EXE", "DOS4GW.EXE", "CWSDPMI.EXE",
     "UNIVBE.EXE", "README.EXE", "HELPME.EXE", "ORDER.EXE", "CATALOG.EXE", "WAR_EDIT.EXE",
     "PATCH.EXE", "PKUNZIP.EXE", "IPXSETUP.EXE", "PUSHDIR.COM"],
)  # fmt: skip
def test_a_decoy_never_beats_the_game_even_when_bigger(decoy):
    start = choose_start([("WARLORDS.EXE", 50_000), (decoy, 900_000)], "Warlords")
    assert start.path == "WARLORDS.EXE"
    assert start.candidates[-1] == decoy


def test_a_program_named_like_the_game_beats_a_bigger_unrelated_one():
    members = [("INDARK.EXE", 155_088), ("CLEARDRV.EXE", 8_426), ("MUSIC.EXE", 400_000)]
    start = choose_start(members, "Alone in the Dark")
    assert start.path == "INDARK.EXE"
    assert start.reason == "INDARK.EXE is named like the game."


def test_abbreviations_of_the_title_count_as_named_like_the_game():
    members = [("AITD2.EXE", 75_063), ("CLEARDRV.EXE", 8_426), ("TOOL.EXE", 200_000)]
    assert choose_start(members, "Alone in the Dark 2").path == "AITD2.EXE"
    members = [("U8.EXE", 935_440), ("DEARJ.EXE", 67_782)]
    assert choose_start(members, "Ultima VIII - Pagan").path == "U8.EXE"


def test_without_a_title_the_biggest_program_that_is_not_a_decoy_wins():
    members = [("SETUP.EXE", 900_000), ("SMALL.EXE", 10_000), ("BIG.EXE", 500_000)]
    start = choose_start(members)
    assert start.path == "BIG.EXE"
    assert start.candidates == ("BIG.EXE", "SMALL.EXE", "SETUP.EXE")


def test_an_add_on_named_in_the_subtitle_beats_the_base_game_beside_it():
    members = [("HEXEN.EXE", 923_019), ("HEXENDK.EXE", 12_299), ("SETUP.EXE", 44_820)]
    assert choose_start(members, "Hexen - Deathkings of the Dark Citadel").path == "HEXENDK.EXE"
    members = [("RR.EXE", 1_172_333), ("ROUTE66.EXE", 10_272)]
    assert choose_start(members, "Redneck Rampage: Route 66").path == "ROUTE66.EXE"


def test_an_add_on_named_after_a_plus_beats_the_base_game_beside_it():
    members = [("XWING.COM", 7_643), ("XWING.EXE", 270_751), ("BWING.EXE", 275_053)]
    title = "Star Wars - X-Wing + Imperial Pursuit + B-Wing"
    assert choose_start(members, title).path == "BWING.EXE"
    # The base game is all before the "+": "X-Wing" is not an add-on of "Star Wars".
    assert choose_start(members, "Star Wars - X-Wing + Imperial Pursuit").path == "XWING.COM"


def test_the_part_before_a_separator_names_the_game():
    members = [("PLANET.BAT", 102), ("BS_FIRE.EXE", 144_374), ("JAMERR.EXE", 22_069)]
    assert choose_start(members, "Blake Stone - Planet Strike").path == "BS_FIRE.EXE"
    # Without the separator the same letters are a poor abbreviation of the title.
    members = [("PLANET.BAT", 102), ("BSFIRE.EXE", 144_374), ("JAMERR.EXE", 22_069)]
    assert choose_start(members, "Blake Stone - Planet Strike").path == "PLANET.BAT"


def test_without_a_program_for_the_subtitle_the_main_titles_program_wins():
    members = [("HEXEN.EXE", 923_019), ("HEXMOD.EXE", 14_081), ("SETUP.EXE", 44_820)]
    assert choose_start(members, "Hexen - Beyond Heretic").path == "HEXEN.EXE"


def test_a_program_named_like_another_plus_a_letter_is_its_variant():
    members = [("MAIN.EXE", 518_713), ("SMAIN.EXE", 499_257), ("DOS4GW.EXE", 231_179)]
    assert choose_start(members, "Syndicate").path == "MAIN.EXE"
    # A digit names an episode, and a batch file is a launcher, not the plain program.
    members = [("KEEN4.EXE", 100_000), ("KEEN.EXE", 90_000)]
    assert choose_start(members, "Commander Keen 4").path == "KEEN4.EXE"
    members = [("DESCENT.BAT", 172), ("DESCENTR.EXE", 1_101_785)]
    assert choose_start(members, "Descent").path == "DESCENTR.EXE"


# --- generic names ---------------------------------------------------------------------------


def test_a_generic_name_gives_way_to_a_program_named_like_the_game():
    members = [("GO.BAT", 19), ("PLAY.EXE", 80_000), ("STELLAR7.EXE", 79_181)]
    assert choose_start(members, "Stellar 7").path == "STELLAR7.EXE"


def test_a_generic_name_is_demoted_not_rejected():
    start = choose_start(files("PLAY.EXE", "INSTALL.BAT"), "Metal Gear")
    assert start.path == "PLAY.EXE"
    assert start.command == ("PLAY.EXE",)


# --- folders ---------------------------------------------------------------------------------


def test_the_single_folder_everything_sits_in_is_the_top_folder():
    members = files("GAME/BEDLAM/BEDLAM.EXE", "GAME/BEDLAM/SETUP.EXE", "GAME/BEDLAM/DOS4GW.EXE")
    start = choose_start(members, "Bedlam")
    assert start.path == "GAME/BEDLAM/BEDLAM.EXE"
    assert start.command == ("cd GAME\\BEDLAM", "BEDLAM.EXE")


def test_a_program_in_the_top_folder_beats_one_in_a_subfolder():
    members = [("UFO.BAT", 308), ("UFOEXE/GEOSCAPE.EXE", 382_957), ("DOS4GW.EXE", 254_556)]
    assert choose_start(members, "X-COM - UFO Defense").path == "UFO.BAT"


def test_the_only_program_on_top_starts_the_game_in_its_subfolders():
    members = [("PLAY.COM", 1_131), ("SYS/FIGHT.EXE", 240_910), ("SYS/START.EXE", 120_230)]
    start = choose_start(members, "Little Fighter")
    assert start.path == "PLAY.COM"
    assert start.reason == "PLAY.COM is the only program on top: it starts those below."
    members = [("GAME/PLAY.COM", 1_131), ("GAME/SYS/FIGHT.EXE", 240_910), ("GAME/SETUP.EXE", 9)]
    assert choose_start(members, "Little Fighter").path == "GAME/PLAY.COM"
    # Two programs on top: neither is singled out.
    members = [("PLAY.COM", 1_131), ("MENU.EXE", 5_000), ("SYS/FIGHT.EXE", 240_910)]
    assert choose_start(members, "Little Fighter").path == "SYS/FIGHT.EXE"


def test_a_program_named_like_its_folder_is_the_folders_launcher():
    members = [
        ("T7G/T7G.BAT", 6), ("T7G/V.EXE", 23_425), ("T7G/INSTALL.EXE", 43_704),
        ("T7G/ADLIB.COM", 2_848), ("CD/README.TXT", 100),
    ]  # fmt: skip
    start = choose_start(members, "")
    assert start.path == "T7G/T7G.BAT"
    assert start.reason == "T7G.BAT is named like its folder."


def test_the_folder_named_like_the_game_wins_over_a_bonus_folder():
    members = files("JACK/JACK.BAT", "JACK/INDARK2.EXE", "INDARK/INDARK.EXE", "INDARK/INSTALL.EXE")
    start = choose_start(members, "Alone in the Dark")
    assert start.path == "INDARK/INDARK.EXE"
    assert start.command == ("cd INDARK", "INDARK.EXE")


def test_programs_in_driver_and_sound_folders_are_not_the_game():
    members = [("DRIVERS/DIGPLAY.EXE", 900_000), ("SOUND/MIXER.EXE", 900_000), ("S.EXE", 500)]
    assert choose_start(members, "").path == "S.EXE"


# --- batch files -----------------------------------------------------------------------------


def test_a_batch_file_named_like_the_game_beats_an_unrelated_program():
    members = [("CARMA/CARMA.BAT", 59), ("CARMA/MAINPROG.EXE", 1_311_622)]
    assert choose_start(members, "Carmageddon").path == "CARMA/CARMA.BAT"


def test_a_batch_file_beside_its_program_is_the_launcher():
    members = [("CDSHOCK.BAT", 24), ("CDSHOCK.EXE", 1_543_695), ("INSTALL.EXE", 360_233)]
    assert choose_start(members, "").path == "CDSHOCK.BAT"


def test_a_program_beats_a_batch_file_equally_like_the_game():
    members = [("SIEDL.BAT", 21), ("SIED.EXE", 671_191), ("INTRO.EXE", 321_477)]
    assert choose_start(members, "Die Siedler").path == "SIED.EXE"


def test_a_batch_file_beside_a_resident_dpmi_host_is_the_launcher():
    members = [("FUEL.EXE", 197_120), ("HDPMI32.EXE", 35_848), ("PLAY.BAT", 23)]
    start = choose_start(members, "RetroFuel")
    assert start.path == "PLAY.BAT"
    assert start.reason == "PLAY.BAT loads the DPMI host the game needs."
    # CWSDPMI is loaded by the program itself: no batch file needed.
    members = [("FUEL.EXE", 197_120), ("CWSDPMI.EXE", 21_325), ("PLAY.BAT", 23)]
    assert choose_start(members, "RetroFuel").path == "FUEL.EXE"


def test_a_batch_file_calling_its_namesake_below_gives_way_to_it():
    members = [
        ("Phantasmagoria (Disc 1).chd", 600_000_000), ("SIERRA/PHCD.BAT", 169),
        ("SIERRA/SCARYDOS/PHCD.BAT", 147), ("SIERRA/SCARYDOS/SIERRA.EXE", 942_697),
    ]  # fmt: skip
    start = choose_start(members, "Phantasmagoria")
    assert start.path == "SIERRA/SCARYDOS/PHCD.BAT"
    assert start.command == ("cd SIERRA\\SCARYDOS", "PHCD.BAT")
    assert start.reason == "PHCD.BAT above only calls the one in SCARYDOS, which starts the game."
    # As the only program on top, the wrapper hands its place to the namesake too.
    members = [("RUN.BAT", 40), ("BIN/RUN.BAT", 30), ("BIN/ENGINE.EXE", 300_000)]
    assert choose_start(members, "Fury").path == "BIN/RUN.BAT"


def test_a_program_copied_into_a_subfolder_is_not_a_wrapper():
    members = [("FURY.EXE", 300_000), ("BACKUP/FURY.EXE", 300_000)]
    assert choose_start(members, "Fury").path == "FURY.EXE"


def test_batch_files_beside_folder_changers_give_way_to_the_program():
    members = [("PQ1_VGA.BAT", 54), ("PQ.BAT", 10), ("SCIDHUV.EXE", 144_836)]
    title = "Police Quest 1 - In Pursuit of the Death Angel"
    assert choose_start(members, title).path == "PQ1_VGA.BAT"
    # PUSHDIR, GODIR and POPDIR serve batch files that go to where a collection installed the game.
    changers = [("PUSHDIR.COM", 768), ("GODIR.COM", 507), ("POPDIR.COM", 768)]
    assert choose_start(members + changers, title).path == "SCIDHUV.EXE"


def test_a_pif_file_marks_the_program_windows_starts():
    members = [("DOTT.BAT", 13), ("DOTT.EXE", 40_279), ("TENTACLE.EXE", 148_149)]
    assert choose_start(members, "Day of the Tentacle").path == "DOTT.BAT"
    start = choose_start([*members, ("TENTACLE.PIF", 545)], "Day of the Tentacle")
    assert start.path == "TENTACLE.EXE"
    assert (
        start.reason == "TENTACLE.EXE has a .PIF file: the publisher's shortcut to it in Windows."
    )
    # A set-up program's .PIF does not make it the game.
    members = [("WAR2.EXE", 2_000_000), ("SETUP.EXE", 120_000), ("SETUP.PIF", 545)]
    assert choose_start(members, "Warcraft II").path == "WAR2.EXE"


def test_a_com_file_beats_its_exe_twin_as_dos_does():
    members = [("STARCON2.COM", 8_154), ("STARCON2.EXE", 342_819), ("MELEE.EXE", 170_177)]
    assert choose_start(members, "Star Control II").path == "STARCON2.COM"


def test_the_dos_version_of_a_launcher_is_preferred():
    members = [("IGN_DOS.BAT", 15), ("MAINDOS.EXE", 1_156_502), ("DOS4GW.EXE", 265_396)]
    assert choose_start(members, "Ignition").path == "IGN_DOS.BAT"


# --- installers and nothing to run -----------------------------------------------------------


def test_an_installer_only_archive_says_to_install_first():
    start = choose_start(files("INSTALL.EXE", "DATA.CAB", "README.TXT"), "Some Game")
    assert start.path == "INSTALL.EXE"
    assert start.command == ("INSTALL.EXE",)
    assert start.reason == "The only program is an installer (INSTALL.EXE): install the game first."


def test_an_archive_without_a_program_has_no_start():
    start = choose_start(files("MANUAL.PDF", "MAP.GIF"), "Some Game")
    assert start == Start(None, (), "No DOS program (.EXE, .COM, .BAT) in this archive.", ())


def test_an_archive_of_only_helpers_has_no_start_but_lists_them():
    start = choose_start(files("DOS4GW.EXE", "README.COM"), "Some Game")
    assert start.path is None
    assert set(start.candidates) == {"DOS4GW.EXE", "README.COM"}
    assert "none of them starts a game" in start.reason


def test_an_empty_archive_has_no_start():
    assert choose_start([]).path is None


# --- disk images -----------------------------------------------------------------------------


def test_a_floppy_image_is_mounted_on_a():
    start = choose_start([("disk1.img", 184_320)], "Zork I")
    assert start.path is None
    assert start.command == ("imgmount a disk1.img -t floppy", "a:", "dir /w")
    assert "mounted on A:" in start.reason


def test_the_disks_of_a_set_are_mounted_together_in_order():
    members = [
        ("Game (Disk 2 of 3).ima", 737_280), ("Game (Disk 10 of 3).ima", 737_280),
        ("Game (Disk 1 of 3).ima", 737_280), ("README.TXT", 10),
    ]  # fmt: skip
    start = choose_start(members, "Game")
    assert start.command[0] == (
        'imgmount a "Game (Disk 1 of 3).ima" "Game (Disk 2 of 3).ima" "Game (Disk 10 of 3).ima"'
        " -t floppy"
    )
    assert "3 disk images" in start.reason


def test_an_img_file_of_game_data_is_not_a_floppy():
    members = [("ARENA2/BANK00I0.IMG", 40_737), ("FALL.EXE", 1_500_000)]
    assert choose_start(members, "Daggerfall").command == ("FALL.EXE",)


def test_a_cd_image_is_mounted_as_d_through_its_cue_sheet():
    members = [("CD/GAME.CUE", 1_343), ("CD/GAME.BIN", 43_008_000)]
    start = choose_start(members, "Quake")
    assert start.path is None
    assert start.command == ("imgmount d CD\\GAME.CUE -t iso", "d:", "dir /w")


def test_a_cd_image_beside_the_installed_game_is_mounted_before_the_game_starts():
    members = [("CD/QUAKE.ISO", 600_000_000), ("QUAKE.EXE", 409_600), ("CWSDPMI.EXE", 25_920)]
    start = choose_start(members, "Quake")
    assert start.path == "QUAKE.EXE"
    assert start.command == ("imgmount d CD\\QUAKE.ISO -t iso", "QUAKE.EXE")
    assert start.reason.endswith("with the game's CD on D:.")


def test_the_discs_of_a_cd_set_are_mounted_together():
    members = [("Game (Disc 2).iso", 600_000_000), ("Game (Disc 1).iso", 600_000_000)]
    start = choose_start(members, "Game")
    assert start.command[0] == 'imgmount d "Game (Disc 1).iso" "Game (Disc 2).iso" -t iso'


# --- paths -----------------------------------------------------------------------------------


def test_windows_separators_and_any_case_are_accepted():
    start = choose_start([("game\\sub\\Petra.exe", 377_856)], "Post Apocalyptic Petra")
    assert start.path == "game/sub/Petra.exe"
    assert start.command == ("cd game\\sub", "Petra.exe")
