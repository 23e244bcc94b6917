import hashlib
import os
import subprocess
import threading
import zipfile
import zlib
from io import BytesIO, StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Favorite, Game, Rom
from scraper.archives import list_members
from scraper.scan import Scanner, walk

pytestmark = pytest.mark.django_db


def put(root, relpath, data=b"data"):
    path = root / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def scan(root, **kwargs):
    errors = []
    report = Scanner([root], on_error=lambda path, msg: errors.append((path, msg)), **kwargs).run()
    return report, errors


def titles():
    return sorted((g.title, g.year, g.roms.count()) for g in Game.objects.all())


@pytest.fixture
def rom_dir(tmp_path):
    root = tmp_path / "roms"
    put(root, "Doom (1993)(id Software).zip")
    put(root, "Dig, The (1995).zip")
    put(root, "Commander Keen 4 (1991)(Apogee)(Disk 1 of 2).zip")
    put(root, "Commander Keen 4 (1991)(Apogee)(Disk 2 of 2).zip")
    put(root, "Adventure/Dune II (1992)/DISK1.IMG")
    put(root, "Adventure/Dune II (1992)/DISK2.IMG")
    put(root, "Action/Doom (1993).7z")
    put(root, "notes.txt")
    return root


def test_first_scan_indexes_files_and_groups_them_into_games(rom_dir):
    report, errors = scan(rom_dir)
    assert errors == []
    assert (report.seen, report.new, report.games_created) == (7, 7, 4)
    assert titles() == [
        ("Commander Keen 4", 1991, 2),
        ("Doom", 1993, 2),
        ("Dune II", 1992, 2),
        ("The Dig", 1995, 1),
    ]
    rom = Rom.objects.get(path=str(rom_dir / "Doom (1993)(id Software).zip"))
    assert (rom.parsed_title, rom.parsed_year, rom.size) == ("Doom", 1993, 4)
    assert rom.tags["publisher"] == "id Software"
    assert rom.missing_since is None


def test_the_disks_of_a_folder_set_keep_their_numbers(tmp_path):
    put(tmp_path, "Dune II (1992)/DISK1.IMG")
    put(tmp_path, "Dune II (1992)/Disk 2 of 2.img")
    put(tmp_path, "Ultima VII/CD_1.ISO")
    put(tmp_path, "Ultima VII/INSTALL.EXE")
    scan(tmp_path)
    disks = {
        rom.filename: (rom.parsed_title, rom.tags.get("disk"), rom.tags.get("disk_total"))
        for rom in Rom.objects.all()
    }
    assert disks == {
        "DISK1.IMG": ("Dune II", 1, None),
        "Disk 2 of 2.img": ("Dune II", 2, 2),
        "CD_1.ISO": ("Ultima VII", 1, None),
        "INSTALL.EXE": ("Ultima VII", None, None),
    }
    assert titles() == [("Dune II", 1992, 2), ("Ultima VII", None, 2)]


def test_a_rescan_with_nothing_changed_writes_nothing(rom_dir):
    scan(rom_dir)
    with CaptureQueriesContext(connection) as queries:
        report, _ = scan(rom_dir)
    assert (report.new, report.changed, report.missing, report.unchanged) == (0, 0, 0, 7)
    writes = [q["sql"] for q in queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    assert writes == []
    assert len(queries) <= 3


def test_a_changed_file_is_updated_in_place(rom_dir):
    scan(rom_dir)
    rom = Rom.objects.get(path__endswith="Dig, The (1995).zip")
    put(rom_dir, "Dig, The (1995).zip", b"a bigger file")
    report, _ = scan(rom_dir)
    assert (report.changed, report.new) == (1, 0)
    rom.refresh_from_db()
    assert rom.size == 13


def test_a_deleted_file_is_marked_missing_and_keeps_its_game_and_favourites(rom_dir, normal_user):
    scan(rom_dir)
    rom = Rom.objects.get(path__endswith="Dig, The (1995).zip")
    Favorite.objects.create(user=normal_user, game=rom.game)
    (rom_dir / "Dig, The (1995).zip").unlink()
    report, _ = scan(rom_dir)
    assert report.missing == 1
    rom.refresh_from_db()
    assert rom.missing_since is not None
    assert Favorite.objects.filter(user=normal_user, game=rom.game).exists()
    # Still missing on the next run, counted once.
    assert scan(rom_dir)[0].missing == 0


def test_a_missing_file_that_comes_back_is_present_again(rom_dir):
    scan(rom_dir)
    path = rom_dir / "Dig, The (1995).zip"
    data = path.read_bytes()
    stat = path.stat()
    path.unlink()
    scan(rom_dir)
    path.write_bytes(data)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    report, _ = scan(rom_dir)
    assert report.reappeared == 1
    assert Rom.objects.get(path=str(path)).missing_since is None


def test_a_renamed_file_keeps_its_row_game_and_favourites(rom_dir, normal_user):
    scan(rom_dir)
    rom = Rom.objects.get(path__endswith="Dig, The (1995).zip")
    Favorite.objects.create(user=normal_user, game=rom.game)
    (rom_dir / "Adventure").mkdir(exist_ok=True)
    os.rename(rom_dir / "Dig, The (1995).zip", rom_dir / "Adventure" / "The Dig.zip")
    report, _ = scan(rom_dir)
    assert (report.renamed, report.new, report.missing) == (1, 0, 0)
    rom.refresh_from_db()
    assert rom.path == str(rom_dir / "Adventure" / "The Dig.zip")
    assert rom.missing_since is None
    assert Favorite.objects.get(user=normal_user).game_id == rom.game_id


def test_a_copied_file_with_a_new_date_is_found_by_its_hash(tmp_path):
    old = put(tmp_path, "old/Dig, The (1995).zip", b"the dig data")
    scan(tmp_path, hash_files=True)
    rom = Rom.objects.get()
    new = put(tmp_path, "new/The Dig.zip", b"the dig data")
    os.utime(new, ns=(0, old.stat().st_mtime_ns + 10**9))
    old.unlink()
    report, _ = scan(tmp_path)
    assert (report.renamed, report.new, report.missing) == (1, 0, 0)
    rom.refresh_from_db()
    assert rom.path == str(new) and rom.missing_since is None


def test_a_new_file_the_same_size_as_a_missing_one_is_not_taken_for_it(tmp_path):
    old = put(tmp_path, "Doom (1993).zip", b"doom data 1")
    scan(tmp_path, hash_files=True)
    old.unlink()
    other = put(tmp_path, "Heretic (1994).zip", b"heretic 123")
    os.utime(other, ns=(0, 10**18))
    report, _ = scan(tmp_path)
    assert (report.renamed, report.new, report.missing) == (0, 1, 1)


def test_files_outside_the_scanned_folder_are_not_marked_missing(rom_dir, tmp_path):
    other = tmp_path / "other"
    put(other, "Prince of Persia (1990).zip")
    scan(other)
    report, _ = scan(rom_dir)
    assert report.missing == 0
    assert Rom.objects.get(path__startswith=str(other)).missing_since is None


def test_a_folder_that_cannot_be_read_keeps_its_files(rom_dir, monkeypatch):
    scan(rom_dir)
    blocked = str(rom_dir / "Adventure")
    real_scandir = os.scandir

    def scandir(path):
        if str(path) == blocked:
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    report, errors = scan(rom_dir)
    assert report.missing == 0
    assert report.errors == 1
    assert errors[0][0] == blocked and "cannot read this folder" in errors[0][1]


def test_bad_inputs_are_reported_and_the_scan_goes_on(tmp_path):
    root = tmp_path / "roms"
    put(root, "Good Game (1990).zip")
    put(root, "empty.zip", b"")
    os.symlink(root / "nowhere.zip", root / "broken.zip")  # inside: a link outside is skipped
    os.symlink(root, root / "loop")
    put(root, 'Quote "It" (1991).zip')
    put(root, "Emoji 🎮 Game (1992).zip")
    long_name = "L" * 245 + ".zip"
    put(root, long_name)
    bad = os.fsencode(str(root)) + b"/Caf\xe9 (1993).zip"
    with open(bad, "wb") as fh:
        fh.write(b"data")
    report, errors = scan(root)
    messages = {os.path.basename(path): msg for path, msg in errors}
    assert "empty" in messages["empty.zip"]
    assert "broken symlink" in messages["broken.zip"]
    assert "a symlink to a folder already scanned" in messages["loop"]
    assert "not valid UTF-8" in messages["Caf\\xe9 (1993).zip"]
    assert (report.errors, report.links_repeated) == (3, 1)
    assert report.new == 4
    assert Rom.objects.filter(path__endswith=long_name).exists()
    assert Game.objects.filter(title='Quote "It"').exists()
    assert Game.objects.filter(title="Emoji 🎮 Game", year=1992).exists()


def test_a_file_vanishing_mid_scan_is_reported(tmp_path, monkeypatch):
    root = tmp_path / "roms"
    put(root, "Stays (1990).zip")
    doomed = put(root, "Goes (1991).zip")
    real_scandir = os.scandir

    class Vanishing:
        def __init__(self, path):
            self.it = real_scandir(path)

        def __enter__(self):
            entries = list(self.it)
            doomed.unlink()  # deleted after it was listed, before it was stat()ed
            return iter(entries)

        def __exit__(self, *exc):
            self.it.close()

    monkeypatch.setattr(os, "scandir", Vanishing)
    report, errors = scan(root)
    assert report.new == 1
    assert errors == [
        (str(doomed), "skipped: a broken symlink, or the file vanished during the scan")
    ]


def test_an_unreadable_file_is_reported_when_hashing_and_still_indexed(tmp_path, monkeypatch):
    put(tmp_path, "Locked (1990).zip")
    put(tmp_path, "Open (1991).zip")
    real_open = open

    def guarded_open(path, *args, **kwargs):
        if str(path).endswith("Locked (1990).zip"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    # Root reads any file, so the permission error is simulated at the open() call.
    monkeypatch.setattr("scraper.hashing.open", guarded_open, raising=False)
    report, errors = scan(tmp_path, hash_files=True)
    assert report.new == 2 and report.hashed == 1
    assert errors == [
        (str(tmp_path / "Locked (1990).zip"), "cannot read the file to hash it (Permission denied)")
    ]
    assert Rom.objects.get(path__endswith="Locked (1990).zip").sha1 == ""


def test_a_scan_told_to_stop_while_writing_ends_at_a_batch_boundary(rom_dir):
    stop = threading.Event()

    def stop_after_the_first_batch(phase, done, total):
        if phase == "write":
            stop.set()

    report, _ = scan(rom_dir, batch_size=2, stop=stop, on_progress=stop_after_the_first_batch)
    assert report.interrupted and (report.seen, report.new) == (7, 2)
    assert Rom.objects.count() == 2
    report, _ = scan(rom_dir)  # the next scan writes the rest
    assert not report.interrupted and (report.new, Rom.objects.count()) == (5, 7)


def test_a_scan_stopped_during_the_walk_marks_nothing_missing(tmp_path):
    for n in range(2500):
        put(tmp_path / "roms", f"Game {n} (1990).zip")
    scan(tmp_path / "roms")
    stop = threading.Event()
    stop.set()
    report, _ = scan(tmp_path / "roms", stop=stop)
    assert report.interrupted and report.seen == 1000
    assert report.missing == 0 and not Rom.objects.filter(missing_since__isnull=False).exists()


def test_walk_finds_only_the_chosen_extensions(tmp_path):
    put(tmp_path, "a.ZIP")
    put(tmp_path, "b.dosz")
    put(tmp_path, "c.txt")
    put(tmp_path, ".zip")
    found = sorted(
        os.path.basename(path) for path, _, _ in walk([tmp_path], {"zip", "dosz"}, print, [])
    )
    assert found == ["a.ZIP", "b.dosz"]


def test_hashes_are_computed_in_one_pass(tmp_path):
    data = os.urandom(3 * 1024 * 1024 + 17)
    put(tmp_path, "Big Game (1994).zip", data)
    report, _ = scan(tmp_path, hash_files=True)
    rom = Rom.objects.get()
    assert report.hashed == 1
    assert rom.sha1 == hashlib.sha1(data).hexdigest()
    assert rom.md5 == hashlib.md5(data).hexdigest()
    assert rom.crc32 == f"{zlib.crc32(data):08x}"


def test_hash_option_fills_in_files_indexed_without_hashes(rom_dir):
    scan(rom_dir)
    report, _ = scan(rom_dir, hash_files=True)
    assert report.hashed == 7
    assert not Rom.objects.filter(sha1="").exists()


def test_a_changed_hashed_file_is_hashed_again(tmp_path):
    path = put(tmp_path, "Game (1990).zip", b"one")
    scan(tmp_path, hash_files=True)
    path.write_bytes(b"second version")
    scan(tmp_path)
    assert Rom.objects.get().sha1 == hashlib.sha1(b"second version").hexdigest()


def test_small_batches_write_everything_with_a_bounded_number_of_queries(rom_dir):
    with CaptureQueriesContext(connection) as queries:
        report, _ = scan(rom_dir, batch_size=2)
    assert report.new == Rom.objects.count() == 7
    # 4 batches: each a few statements (savepoints, games, roms), plus the initial loads.
    assert len(queries) <= 4 * 6 + 4


def test_scrape_command_scans_and_prints_a_summary(rom_dir):
    out, err = StringIO(), StringIO()
    call_command("scrape", str(rom_dir), "--no-metadata", stdout=out, stderr=err)
    assert "7 files seen, 7 new, 0 changed, 0 missing" in out.getvalue()
    # Not a terminal: plain progress lines, no carriage returns or escape codes.
    assert "Saving new files [##############################] 7/7\n" in out.getvalue()
    assert "\r" not in out.getvalue()
    assert Rom.objects.count() == 7


def test_scrape_command_reports_bad_files_on_stderr(tmp_path):
    put(tmp_path, "empty.zip", b"")
    out, err = StringIO(), StringIO()
    call_command("scrape", str(tmp_path), "--no-metadata", stdout=out, stderr=err)
    assert "empty.zip: skipped: the file is empty" in err.getvalue()
    assert "1 errors" in out.getvalue()


def test_scrape_command_refuses_a_folder_that_does_not_exist(tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        call_command("scrape", str(tmp_path / "nope"), "--no-metadata")


def test_scrape_command_without_folders_says_how_to_set_rom_dirs(settings):
    settings.ROM_DIRS = []
    out = StringIO()
    call_command("scrape", "--no-metadata", stdout=out)
    assert "ROM_DIRS is not set" in out.getvalue()


def test_scrape_command_reads_rom_dirs(settings, rom_dir):
    settings.ROM_DIRS = [rom_dir]
    call_command("scrape", "--no-metadata", stdout=StringIO())
    assert Rom.objects.count() == 7


def test_scrape_command_is_quiet_at_verbosity_zero(rom_dir):
    out = StringIO()
    call_command("scrape", str(rom_dir), "--no-metadata", verbosity=0, stdout=out)
    assert out.getvalue() == ""


def test_extensions_option_limits_what_is_indexed(rom_dir):
    call_command("scrape", str(rom_dir), "--no-metadata", "--extensions", "7z", stdout=StringIO())
    assert [r.filename for r in Rom.objects.all()] == ["Doom (1993).7z"]


def real_zip(root, relpath, files):
    path = root / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files:
            zf.writestr(name, data)
    return path


@pytest.fixture
def count_listings(monkeypatch):
    """The names of the files the scan lists, in order."""
    listed = []

    def counting(path, size=None):
        listed.append(os.path.basename(path))
        return list_members(path, size)

    monkeypatch.setattr("scraper.prepare.list_members", counting)
    return listed


def test_the_scan_stores_each_archives_programs_and_file_count(tmp_path):
    real_zip(
        tmp_path,
        "Doom (1993).zip",
        [("DOOM/DOOM.EXE", b"x" * 10), ("DOOM/SETUP.EXE", b"x"), ("DOOM/DOOM1.WAD", b"w" * 5)],
    )
    put(tmp_path, "Dune II (1992)/DISK1.IMG", b"i" * 7)
    put(tmp_path, "Elite (1984).lha")
    report, errors = scan(tmp_path)
    assert errors == [] and (report.listed, report.listing_errors) == (2, 0)
    doom = Rom.objects.get(path__endswith="Doom (1993).zip")
    assert (doom.members, doom.file_count, doom.listing_error) == (
        [["DOOM/DOOM.EXE", 10], ["DOOM/SETUP.EXE", 1]],
        3,
        "",
    )
    dune = Rom.objects.get(path__endswith="DISK1.IMG")
    assert (dune.members, dune.file_count) == ([["DISK1.IMG", 7]], 1)
    elite = Rom.objects.get(path__endswith=".lha")  # not a format the scan lists
    assert (elite.members, elite.file_count, elite.listing_error) == ([], None, "")


def test_a_rescan_with_nothing_changed_lists_no_archive_again(tmp_path, count_listings):
    real_zip(tmp_path, "Doom (1993).zip", [("DOOM.EXE", b"x")])
    put(tmp_path, "Broken (1990).zip", b"not a zip")
    put(tmp_path, "Elite (1984).lha")
    scan(tmp_path)
    assert sorted(count_listings) == ["Broken (1990).zip", "Doom (1993).zip", "Elite (1984).lha"]
    count_listings.clear()
    report, _ = scan(tmp_path)
    assert report.unchanged == 3 and count_listings == []
    assert report.listing_errors == 0  # a broken archive is reported once, when it is listed


def test_a_changed_archive_is_listed_again(tmp_path, count_listings):
    real_zip(tmp_path, "Doom (1993).zip", [("DOOM.EXE", b"x")])
    real_zip(tmp_path, "Keen (1991).zip", [("KEEN.EXE", b"x")])
    scan(tmp_path)
    count_listings.clear()
    real_zip(tmp_path, "Doom (1993).zip", [("DOOM/DOOM2.EXE", b"xx"), ("DOOM/DOOM2.WAD", b"")])
    report, _ = scan(tmp_path)
    assert report.changed == 1 and count_listings == ["Doom (1993).zip"]
    doom = Rom.objects.get(path__endswith="Doom (1993).zip")
    assert (doom.members, doom.file_count) == ([["DOOM/DOOM2.EXE", 2]], 2)


def test_a_broken_archive_is_one_counted_error_and_the_scan_goes_on(tmp_path):
    good = real_zip(tmp_path, "Doom (1993).zip", [("DOOM.EXE", b"x")])
    cut = real_zip(tmp_path, "Keen (1991).zip", [("KEEN.EXE", b"x" * 100)])
    cut.write_bytes(cut.read_bytes()[:-30])
    listing_errors = []
    report = Scanner(
        [tmp_path], on_listing_error=lambda path, msg: listing_errors.append((path, msg))
    ).run()
    assert (report.new, report.listed, report.listing_errors, report.errors) == (2, 1, 1, 0)
    assert [path for path, _ in listing_errors] == [str(cut)]
    assert "truncated" in listing_errors[0][1]
    keen = Rom.objects.get(path=str(cut))
    assert (keen.file_count, keen.members) == (None, []) and "truncated" in keen.listing_error
    assert Rom.objects.get(path=str(good)).members == [["DOOM.EXE", 1]]
    assert "1 archives not readable" in report.summary()


def test_scrape_command_prints_an_unreadable_archive_on_stderr(tmp_path):
    put(tmp_path, "Keen (1991).zip", b"not a zip")
    out, err = StringIO(), StringIO()
    call_command("scrape", str(tmp_path), "--no-metadata", stdout=out, stderr=err)
    assert "Keen (1991).zip: not a zip archive" in err.getvalue()
    assert "1 archives not readable" in out.getvalue()


def test_files_indexed_before_archives_were_listed_are_listed_once(tmp_path, count_listings):
    real_zip(tmp_path, "Doom (1993).zip", [("DOOM.EXE", b"x")])
    put(tmp_path, "Elite (1984).lha")
    scan(tmp_path)
    Rom.objects.update(members=[], file_count=None, listing_error="")  # as before the change
    count_listings.clear()
    with CaptureQueriesContext(connection) as queries:
        report, _ = scan(tmp_path)
    assert count_listings == ["Doom (1993).zip"] and report.listed == 1  # not the .lha
    assert Rom.objects.get(path__endswith=".zip").members == [["DOOM.EXE", 1]]
    assert len(queries) <= 6
    count_listings.clear()
    scan(tmp_path)
    assert count_listings == []


# Symlinks: followed only while their real path stays inside the scanned folders.


def outside_guard(monkeypatch, root):
    """Fail at once if the walk lists a folder whose real path is outside root: a walk of "/"
    would otherwise run for minutes before the test could tell."""
    real_root, real_scandir = os.path.realpath(root), os.scandir

    def scandir(path):
        real = os.path.realpath(path)
        assert os.path.commonpath([real, real_root]) == real_root, f"walked {path} -> {real}"
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)


def test_a_symlink_to_the_root_of_the_filesystem_is_not_followed(rom_dir, monkeypatch):
    os.symlink("/", rom_dir / "slash")
    outside_guard(monkeypatch, rom_dir)
    report, errors = scan(rom_dir)
    assert errors == [
        (str(rom_dir / "slash"), "skipped: a symlink leading outside the ROM folders")
    ]
    assert (report.new, report.errors, report.links_outside) == (7, 0, 1)
    assert "skipped 1 symlinks leading outside the ROM folders" in report.summary()


def test_a_symlink_up_out_of_the_rom_folder_is_not_followed(rom_dir, monkeypatch):
    put(rom_dir.parent, "Outside (1990).zip")
    os.symlink("..", rom_dir / "loop")
    outside_guard(monkeypatch, rom_dir)
    report, errors = scan(rom_dir)
    assert [os.path.basename(path) for path, _ in errors] == ["loop"]
    assert report.links_outside == 1
    assert Rom.objects.count() == 7
    assert not Rom.objects.filter(path__endswith="Outside (1990).zip").exists()


def test_a_symlink_to_a_sibling_folder_or_a_file_outside_is_not_followed(rom_dir):
    sibling = rom_dir.parent / "elsewhere"
    put(sibling, "Sibling Game (1991).zip")
    secret = put(rom_dir.parent, "secret.txt", b"root:x:0:0")
    os.symlink(sibling, rom_dir / "Elsewhere")
    os.symlink(secret, rom_dir / "Secret (1992).zip")
    report, errors = scan(rom_dir, hash_files=True)
    assert sorted(os.path.basename(path) for path, _ in errors) == [
        "Elsewhere",
        "Secret (1992).zip",
    ]
    assert {msg for _, msg in errors} == {"skipped: a symlink leading outside the ROM folders"}
    assert (report.new, report.hashed, report.links_outside) == (7, 7, 2)
    assert not Rom.objects.filter(path__endswith="Sibling Game (1991).zip").exists()
    assert not Rom.objects.filter(path__endswith="Secret (1992).zip").exists()


def test_a_symlink_back_to_an_ancestor_inside_is_walked_once(rom_dir):
    os.symlink("..", rom_dir / "Adventure" / "up")
    os.symlink(rom_dir, rom_dir / "Action" / "root")
    report, errors = scan(rom_dir)
    assert (report.seen, report.new, report.errors) == (7, 7, 0)
    assert report.links_repeated == 2
    assert {msg for _, msg in errors} == {"skipped: a symlink to a folder already scanned"}
    assert "skipped 2 symlinks to folders already scanned" in report.summary()


def test_symlinks_that_stay_inside_are_followed_and_each_file_is_indexed_once(rom_dir):
    # "Favourites" sorts before the folder it links to: the files still keep their real paths,
    # whatever order the disk lists them in.
    os.symlink(rom_dir / "Adventure", rom_dir / "A Favourites")
    os.symlink("Dig, The (1995).zip", rom_dir / "The Dig (1995).zip")
    report, errors = scan(rom_dir)
    assert errors == [
        (str(rom_dir / "A Favourites"), "skipped: a symlink to a folder already scanned")
    ]
    assert report.new == 8
    assert not Rom.objects.filter(path__contains="/A Favourites/").exists()
    assert Rom.objects.filter(
        path=str(rom_dir / "Adventure" / "Dune II (1992)" / "DISK1.IMG")
    ).exists()
    # A link to a file inside is another name for it: indexed, as the user put it there.
    assert Rom.objects.filter(path=str(rom_dir / "The Dig (1995).zip")).exists()


def test_a_linked_folder_inside_a_root_is_followed_when_only_the_link_reaches_it(tmp_path):
    # Two roots: the link in the first leads into the second, walked once, under its real path.
    first, second = tmp_path / "first", tmp_path / "second"
    put(first, "One (1990).zip")
    put(second, "Two (1991).zip")
    os.symlink(second, first / "second")
    errors = []
    report = Scanner([first, second], on_error=lambda *e: errors.append(e)).run()
    assert report.new == 2 and report.links_outside == 0
    assert sorted(Rom.objects.values_list("path", flat=True)) == [
        str(first / "One (1990).zip"),
        str(second / "Two (1991).zip"),
    ]


def test_files_indexed_through_a_link_leading_outside_are_marked_missing(rom_dir):
    sibling = put(rom_dir.parent, "elsewhere/Sibling Game (1991).zip")
    os.symlink(sibling.parent, rom_dir / "Elsewhere")
    # As a scan that still followed such links stored it.
    Rom.objects.create(
        game=Game.objects.create(title="Sibling Game", year=1991),
        path=str(rom_dir / "Elsewhere" / sibling.name),
        size=4,
        mtime_ns=sibling.stat().st_mtime_ns,
    )
    report, _ = scan(rom_dir)
    assert (report.missing, report.links_outside) == (1, 1)
    assert Rom.objects.get(path__contains="/Elsewhere/").missing_since is not None


def test_scrape_command_says_which_symlinks_it_skipped(rom_dir):
    os.symlink("/", rom_dir / "slash")
    out, err = StringIO(), StringIO()
    call_command("scrape", str(rom_dir), "--no-metadata", stdout=out, stderr=err)
    assert "slash: skipped: a symlink leading outside the ROM folders" in err.getvalue()
    assert "skipped 1 symlinks leading outside the ROM folders" in out.getvalue()


def library_rows():
    games = sorted(Game.objects.values_list("title", "sort_title", "slug", "year", "search_names"))
    roms = sorted(
        Rom.objects.values_list(
            "path", "game__title", "parsed_title", "tags", "members", "file_count", "listing_error"
        )
    )
    return games, roms


def big_library(root):
    for i in range(30):
        put(root, f"Game {i} (19{80 + i % 20})(Maker).zip", game_zip(f"GAME{i}.EXE"))
        put(root, f"Game {i} (19{80 + i % 20})(Maker)[a].zip", game_zip("START.BAT"))
    put(root, "Broken (1990).zip", b"PK\x03\x04 not really")
    put(root, "Adventure/Dune II (1992)/DISK1.IMG")


def game_zip(name):
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"GAME/{name}", b"MZ" + b"x" * 100)
    return buffer.getvalue()


def test_a_large_first_scan_prepared_by_a_worker_process_writes_what_one_process_writes(
    tmp_path, monkeypatch
):
    big_library(tmp_path / "roms")
    report, _ = scan(tmp_path / "roms", batch_size=7)
    alone = library_rows()
    Rom.objects.all().delete()
    Game.objects.all().delete()
    monkeypatch.setattr("scraper.scan.PARALLEL_FROM", 10)  # 62 files: the worker's
    spawned = []
    real_popen = subprocess.Popen
    monkeypatch.setattr(
        "scraper.prepare.subprocess.Popen",
        lambda *args, **kwargs: spawned.append(args) or real_popen(*args, **kwargs),
    )
    again, _ = scan(tmp_path / "roms", batch_size=7)
    assert len(spawned) == 1 and "scraper.prepare" in spawned[0][0]
    assert library_rows() == alone
    assert (again.new, again.games_created, again.listing_errors) == (62, 32, 1)
    assert (report.new, report.games_created, report.listing_errors) == (62, 32, 1)


def test_a_worker_that_dies_leaves_its_batches_to_the_scan(tmp_path, monkeypatch):
    big_library(tmp_path / "roms")
    scan(tmp_path / "roms", batch_size=7)
    alone = library_rows()
    Rom.objects.all().delete()
    Game.objects.all().delete()
    monkeypatch.setattr("scraper.scan.PARALLEL_FROM", 10)
    real_popen = subprocess.Popen

    def dying(*args, **kwargs):  # a worker that answers nothing: killed at once
        process = real_popen(*args, **kwargs)
        process.kill()
        return process

    monkeypatch.setattr("scraper.prepare.subprocess.Popen", dying)
    report, _ = scan(tmp_path / "roms", batch_size=7)
    assert report.new == 62 and library_rows() == alone
