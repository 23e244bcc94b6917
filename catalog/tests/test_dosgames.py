"""The DOS test programs and the game files built from them, before any browser plays them."""

import dataclasses
import struct

import pytest

from catalog.tests import dosgames
from scraper.launch import choose_start

ARCHIVES = [
    dosgames.hello_zip,
    dosgames.subfolder_zip,
    dosgames.bat_zip,
    dosgames.com_file,
    dosgames.cd_game_zip,
    dosgames.two_disks_zip,
    dosgames.vga_zip,
    dosgames.save_zip,
    dosgames.big_zip,
]


@pytest.mark.parametrize("build", ARCHIVES, ids=lambda build: build.__name__)
def test_the_chooser_picks_the_program_that_starts_each_game(build):
    game = build()
    assert choose_start(game.members(), game.title).path == game.program


def test_set_up_programs_lose_to_the_game_even_when_no_name_is_like_the_title():
    game = dataclasses.replace(dosgames.subfolder_zip(), title="Space Adventure")
    start = choose_start(game.members(), game.title)
    assert start.command == ("cd GAME", "HELLO.EXE")


def test_disk_images_are_mounted_by_the_chooser_and_started_by_the_admin():
    for game in (dosgames.floppy_image(), dosgames.cd_image()):
        start = choose_start(game.members(), game.title)
        assert start.path is None
        assert start.command[0] == game.start[0]  # the same mount; the admin adds the program


def test_an_exe_program_has_an_mz_header_that_loads_its_whole_image():
    program = dosgames.assemble("hello", exe=True)
    last_page, pages, _, header_paragraphs = struct.unpack("<2xHHHH", program[:10])
    assert program[:2] == b"MZ"
    assert (pages - 1) * 512 + last_page == len(program)
    assert dosgames.HELLO.encode() in program[header_paragraphs * 16 :]
    assert dosgames.assemble("hello")[:2] != b"MZ"  # the .COM has no header


def test_the_floppy_is_a_bootable_fat12_disk_with_the_program_in_its_root_folder():
    program = dosgames.assemble("hello")
    image = dosgames.floppy({"HELLO.COM": program})
    assert len(image) == dosgames.FLOPPY_SIZE
    assert image[510:512] == b"\x55\xaa" and image[54:62] == b"FAT12   "
    assert image[512:515] == image[512 * 10 : 512 * 10 + 3] == b"\xf0\xff\xff"  # both FATs
    name, cluster, size = struct.unpack("<11s15xHI", image[512 * 19 : 512 * 19 + 32])
    assert (name, size) == (b"HELLO   COM", len(program))
    at = 512 * (33 + cluster - 2)
    assert image[at : at + size] == program
