import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from scraper import archives
from scraper.archives import Listing, is_listed, list_members

DATA = Path(__file__).parent / "data" / "rar"


def make_zip(path, files, **kwargs):
    with zipfile.ZipFile(path, "w", **kwargs) as zf:
        for name, data in files:
            zf.writestr(name, data)
    return str(path)


def central_directory_only(path, entries):
    """A zip of central directory entries and nothing else: what the lister reads, with the
    raw names, flags and extra fields that zipfile will not write. entries: (raw name, size,
    flags, extra)."""
    directory = b""
    for name, size, flags, extra in entries:
        size32 = min(size, 0xFFFFFFFF)
        fields = [20, 0, 20, 0, flags, 0, 0, 0, 0, size32, size32, len(name), len(extra)]
        directory += struct.pack("<4s4B4HL2L5H2L", b"PK\x01\x02", *fields, 0, 0, 0, 0, 0)
        directory += name + extra
    end = struct.pack(
        "<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(directory), 0, 0
    )
    path.write_bytes(directory + end)
    return str(path)


def _vint(n):
    out = bytearray()
    while True:
        n, low = n >> 7, n & 0x7F
        out.append(low | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _rar5_header(body):
    data = _vint(len(body)) + body
    return struct.pack("<L", zlib.crc32(data)) + data


def make_rar5(path, files):
    """A RAR 5 archive of stored (uncompressed) files: no free tool writes RAR."""
    out = b"Rar!\x1a\x07\x01\x00" + _rar5_header(_vint(1) + _vint(0) + _vint(0))
    for name, data in files:
        raw = name.encode()
        fields = [2, 2, len(data), 0x4, len(data), 0x20]  # file, has data, size, CRC present
        body = b"".join(map(_vint, fields)) + struct.pack("<L", zlib.crc32(data))
        body += _vint(0) + _vint(0) + _vint(len(raw)) + raw  # stored, Windows, name
        out += _rar5_header(body) + data
    path.write_bytes(out + _rar5_header(_vint(5) + _vint(0) + _vint(0)))
    return str(path)


def test_a_zip_keeps_its_programs_and_images_and_counts_every_file(tmp_path):
    path = make_zip(
        tmp_path / "Game.zip",
        [
            ("GAME/", b""),
            ("GAME/GAME.EXE", b"x" * 300),
            ("GAME/SETUP.COM", b"x" * 20),
            ("GAME/GO.BAT", b"game"),
            ("GAME/README.TXT", b"hello"),
            ("GAME/DATA/LEVEL1.DAT", b"y" * 50),
            ("GAME/DATA/", b""),
            ("GAME/CD/GAME.CUE", b"cue"),
            ("GAME/DISKS/DISK1.IMA", b"z" * 10),
        ],
        compression=zipfile.ZIP_DEFLATED,
    )
    assert list_members(path) == Listing(
        [
            ["GAME/GAME.EXE", 300],
            ["GAME/SETUP.COM", 20],
            ["GAME/GO.BAT", 4],
            ["GAME/CD/GAME.CUE", 3],
            ["GAME/DISKS/DISK1.IMA", 10],
        ],
        7,
        "",
    )


def test_a_dosz_is_a_zip(tmp_path):
    path = make_zip(tmp_path / "Game.dosz", [("GAME.EXE", b"x"), (".jsdos/dosbox.conf", b"")])
    assert list_members(path) == Listing([["GAME.EXE", 1]], 2, "")


def test_an_empty_zip_has_no_files(tmp_path):
    assert list_members(make_zip(tmp_path / "empty.zip", [])) == Listing([], 0, "")


def test_a_zip_with_many_members_is_counted_whole_and_keeps_a_bounded_number(tmp_path):
    # Over 65,535 entries: the counts live in the zip64 end record.
    files = [(f"D{i // 1000}/F{i}.{'EXE' if i % 2 else 'DAT'}", b"") for i in range(66_000)]
    listing = list_members(make_zip(tmp_path / "huge.zip", files))
    assert listing.file_count == 66_000 and listing.error == ""
    assert len(listing.members) == archives.MAX_KEPT
    assert listing.members[0] == ["D0/F1.EXE", 0]


def test_a_zip64_member_larger_than_4_gb_has_its_real_size(tmp_path):
    size = 5_000_000_000
    zip64_extra = struct.pack("<2HQ", 1, 8, size)
    path = central_directory_only(tmp_path / "cd.zip", [(b"GAME/GAME.ISO", size, 0, zip64_extra)])
    assert list_members(path) == Listing([["GAME/GAME.ISO", size]], 1, "")


def test_names_are_read_as_dos_code_page_437_unless_flagged_utf8(tmp_path):
    path = central_directory_only(
        tmp_path / "names.zip",
        [(b"CAF\x90\\CAF\x90.EXE", 1, 0, b""), ("Café/Jeu.exe".encode(), 2, 0x800, b"")],
    )
    members = list_members(path).members
    assert members == [["CAFÉ/CAFÉ.EXE", 1], ["Café/Jeu.exe", 2]]
    # zipfile, the reference, reads them the same way.
    assert [i.filename for i in zipfile.ZipFile(path).infolist()] == [
        "CAF\u00c9\\CAF\u00c9.EXE",
        "Café/Jeu.exe",
    ]


def test_an_encrypted_zip_is_listed_and_reported_as_not_playable(tmp_path):
    path = central_directory_only(tmp_path / "locked.zip", [(b"GAME.EXE", 9, 0x1, b"")])
    listing = list_members(path)
    assert listing.members == [["GAME.EXE", 9]] and listing.file_count == 1
    assert "encrypted" in listing.error


def test_a_zip_behind_a_self_extractor_stub_or_a_long_comment_is_listed(tmp_path):
    path = make_zip(tmp_path / "sfx.zip", [("GAME.EXE", b"x" * 5)])
    data = Path(path).read_bytes()
    Path(path).write_bytes(b"MZ" + b"\0" * 40_000 + data)
    assert list_members(path) == Listing([["GAME.EXE", 5]], 1, "")
    with zipfile.ZipFile(path := tmp_path / "comment.zip", "w") as zf:
        zf.writestr("GAME.EXE", b"x" * 5)
        zf.comment = b"c" * 60_000
    assert list_members(str(path)) == Listing([["GAME.EXE", 5]], 1, "")


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[:-10],  # cut at the end: no end record
        lambda data: data[len(data) // 2 :],  # the start is gone
        lambda data: data[:-22][:-30] + data[-22:],  # the central directory is cut short
        lambda data: b"not a zip at all",
        lambda data: b"PK",
    ],
)
def test_a_truncated_or_broken_zip_gives_an_error_not_an_exception(tmp_path, damage):
    path = make_zip(tmp_path / "Game.zip", [("GAME/GAME.EXE", b"x" * 100), ("GAME/A.DAT", b"")])
    Path(path).write_bytes(damage(Path(path).read_bytes()))
    listing = list_members(path)
    assert listing.members == [] and listing.file_count is None
    assert "zip" in listing.error


def test_an_unreadable_file_gives_an_error(tmp_path):
    listing = list_members(str(tmp_path / "gone.zip"))
    assert listing.file_count is None and "cannot read the file" in listing.error


def test_an_image_or_a_program_on_its_own_is_its_only_member(tmp_path):
    (tmp_path / "Game (Disk 1).img").write_bytes(b"x" * 1440)
    (tmp_path / "GAME.EXE").write_bytes(b"MZ")
    assert list_members(str(tmp_path / "Game (Disk 1).img")) == Listing(
        [["Game (Disk 1).img", 1440]], 1, ""
    )
    assert list_members(str(tmp_path / "GAME.EXE"), 2) == Listing([["GAME.EXE", 2]], 1, "")
    assert list_members("/nowhere/Game.iso", 700_000_000).members == [["Game.iso", 700_000_000]]


@pytest.mark.parametrize("name", ["Game.7z", "Game.lha", "Game.lzh", "Game.arj"])
def test_7z_lha_and_arj_are_not_listed(tmp_path, name):
    (tmp_path / name).write_bytes(b"whatever")
    assert list_members(str(tmp_path / name)) == Listing([], None, "")
    assert not is_listed(name)


def test_a_rar5_keeps_its_programs_and_counts_every_file(tmp_path):
    path = make_rar5(
        tmp_path / "Game.rar",
        [("GAME/GAME.EXE", b"MZ" + b"x" * 98), ("GAME/DATA.DAT", b"y" * 10), ("GO.BAT", b"x")],
    )
    assert list_members(path) == Listing([["GAME/GAME.EXE", 100], ["GO.BAT", 1]], 3, "")
    assert is_listed(path)


def test_a_rar3_with_folders_is_listed():
    assert list_members(str(DATA / "rar3-subdirs.rar")) == Listing([], 4, "")


def test_a_rar_with_an_encrypted_file_list_gives_an_error():
    listing = list_members(str(DATA / "rar5-hpsw.rar"))
    assert listing.file_count is None and "encrypted" in listing.error


def test_a_broken_rar_gives_an_error(tmp_path):
    path = make_rar5(tmp_path / "Game.rar", [("GAME.EXE", b"x" * 100)])
    Path(path).write_bytes(Path(path).read_bytes()[:20])
    listing = list_members(path)
    assert listing.file_count is None and "RAR" in listing.error
