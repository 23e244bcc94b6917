"""Walk the ROM folders and bring the Rom and Game rows in line with the disk.

The one writer of file rows. A rescan compares path, size and mtime with the database and
touches only what changed: new files are inserted, changed ones re-parsed, vanished ones marked
missing (never deleted), and a missing file that reappears, or turns up renamed, is linked back
to its game. Only new and changed files are opened, to list what is inside them
(scraper/archives.py). Writes go in batches, one transaction each, so a killed scan loses one
batch at most; a scan told to stop (SIGTERM, Ctrl-C) ends at the next batch boundary, as if
killed there.
"""

import os
import stat
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from catalog import search
from catalog.models import Game, Rom
from catalog.pagecache import bump as bump_catalogue_version
from scraper.archives import is_listed
from scraper.bulk import insert_rows
from scraper.hashing import hash_files
from scraper.prepare import in_worker, listing, parse_path, prepare

# Archives, disk and CD images, and plain DOS executables.
DEFAULT_EXTENSIONS = frozenset(
    "zip 7z rar dosz lha lzh arj iso cue bin img ima imz vhd chd mdf mds ccd dsk exe com".split()
)

# A first scan of this many new files or more prepares them in a second process, this many
# batches ahead of the writes (scraper/prepare.py).
PARALLEL_FROM = 5000
AHEAD = 2

ROM_COLUMNS = [
    *("game_id", "path", "size", "mtime_ns", "parsed_title", "parsed_year", "tags"),
    *("members", "file_count", "listing_error", "crc32", "md5", "sha1"),
]
NO_HASHES = {"crc32": "", "md5": "", "sha1": ""}
CHANGED_FIELDS = [
    *("size", "mtime_ns", "missing_since", "parsed_title", "parsed_year", "tags"),
    *("members", "file_count", "listing_error", "crc32", "md5", "sha1", "updated_at"),
]
LISTING_FIELDS = ["members", "file_count", "listing_error"]
MAX_ERROR = Rom._meta.get_field("listing_error").max_length

ErrorHandler = Callable[[str, str], None]

OUTSIDE = "skipped: a symlink leading outside the ROM folders"
REPEATED = "skipped: a symlink to a folder already scanned"


@dataclass
class ScanReport:
    seen: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    missing: int = 0
    reappeared: int = 0
    renamed: int = 0
    hashed: int = 0
    games_created: int = 0
    listed: int = 0
    errors: int = 0
    listing_errors: int = 0
    links_outside: int = 0
    links_repeated: int = 0
    elapsed: float = 0.0
    interrupted: bool = False
    failed_dirs: list = field(default_factory=list, repr=False)

    def summary(self) -> str:
        return (
            f"Scan finished: {self.seen:,} files seen, {self.new:,} new, {self.changed:,} changed,"
            f" {self.missing:,} missing, {self.reappeared:,} reappeared,"
            f" {self.renamed:,} renamed, {self.errors:,} errors,"
            f" {self.listing_errors:,} archives not readable,"
            f" {self.games_created:,} new games, in {self.elapsed:.1f} s{self._links()}"
        )

    def _links(self) -> str:
        """Said only when there were some: most libraries have no symlinks."""
        parts = []
        if self.links_outside:
            parts.append(f"{self.links_outside:,} symlinks leading outside the ROM folders")
        if self.links_repeated:
            parts.append(f"{self.links_repeated:,} symlinks to folders already scanned")
        return "; skipped " + " and ".join(parts) if parts else ""


def parse_extensions(text: str) -> frozenset[str]:
    """ "zip, .EXE,7z" -> {"zip", "exe", "7z"}"""
    return frozenset(e.strip().lower().lstrip(".") for e in text.split(",")) - {""}


# (path, size, mtime_ns), as the walk yields it. A plain tuple: the garbage collector stops
# tracking a tuple of strings and numbers, but keeps re-scanning every NamedTuple instance, and a
# first scan holds one for each new file.
FoundFile = tuple[str, int, int]


def walk(
    roots,
    extensions,
    on_error: ErrorHandler,
    failed_dirs: list,
    on_link: ErrorHandler | None = None,
) -> Iterator[FoundFile]:
    """(path, size, mtime_ns) of every regular file under the roots with one of the extensions;
    errors go to on_error. Plain tuples: a rescan yields every file and must stay near the speed
    of a bare os.scandir walk.

    Folders that cannot be read are appended to failed_dirs, so that their files already in the
    database are not taken for missing.

    A symlink is followed only when its real path stays inside one of the roots: a link to "/"
    or "..", or to a file elsewhere, would index (and hash) files outside the ROM folders. Such
    links, and links to a folder already walked, go to on_link (on_error without it). Linked
    folders are walked after every real one, so a file is indexed under its real path, whatever
    order the disk lists the folder and the link in, and a link back up the tree ends at once.
    """
    on_link = on_link or on_error
    real_roots = [os.path.realpath(root) for root in roots]

    def inside(path: str) -> bool:
        # commonpath compares whole segments: /roms2/x is not inside /roms.
        real = os.path.realpath(path)
        return any(real == root or os.path.commonpath([real, root]) == root for root in real_roots)

    visited = set()
    stack = [str(root) for root in reversed(roots)]
    linked = []
    while stack or linked:
        folder = stack.pop() if stack else linked.pop()
        try:
            info = os.stat(folder)
            if (info.st_dev, info.st_ino) in visited:
                on_link(folder, REPEATED)
                continue
            visited.add((info.st_dev, info.st_ino))
            with os.scandir(folder) as it:
                entries = list(it)
        except OSError as exc:
            failed_dirs.append(folder)
            on_error(
                folder, f"cannot read this folder ({exc.strerror}); its files are kept as they were"
            )
            continue
        for entry in entries:
            name = entry.name
            try:
                if entry.is_dir():
                    # is_symlink() reads the type scandir already has: no system call.
                    if not entry.is_symlink():
                        stack.append(entry.path)
                    elif inside(entry.path):
                        linked.append(entry.path)
                    else:
                        on_link(entry.path, OUTSIDE)
                    continue
            except OSError as exc:
                on_error(entry.path, f"skipped: {exc.strerror}")
                continue
            dot = name.rfind(".")
            if dot <= 0 or name[dot + 1 :].lower() not in extensions:
                continue
            path = entry.path
            if not path.isascii():
                try:
                    path.encode("utf-8")
                except UnicodeEncodeError:
                    on_error(
                        os.fsencode(path).decode("utf-8", "backslashreplace"),
                        "skipped: the name is not valid UTF-8; rename the file to index it",
                    )
                    continue
            if entry.is_symlink() and not inside(path):
                on_link(path, OUTSIDE)
                continue
            try:
                info = entry.stat()
            except FileNotFoundError:
                on_error(path, "skipped: a broken symlink, or the file vanished during the scan")
                continue
            except OSError as exc:
                on_error(path, f"skipped: {exc.strerror}")
                continue
            if not stat.S_ISREG(info.st_mode):
                continue
            if info.st_size == 0:
                on_error(path, "skipped: the file is empty")
                continue
            yield path, info.st_size, info.st_mtime_ns


class Scanner:
    def __init__(
        self,
        roots,
        *,
        extensions=DEFAULT_EXTENSIONS,
        batch_size=500,
        hash_files=False,
        on_error: ErrorHandler | None = None,
        on_listing_error: ErrorHandler | None = None,
        on_progress: Callable[[str, int, int | None], None] | None = None,
        stop: threading.Event | None = None,
    ):
        self.roots = [str(Path(root).resolve()) for root in roots]
        self._prefixes = tuple(root.rstrip("/") + "/" for root in self.roots)
        self.extensions = frozenset(ext.lower().lstrip(".") for ext in extensions)
        self.batch_size = batch_size
        self.hash_files = hash_files
        self.report = ScanReport()
        self._on_error = on_error or (lambda path, message: None)
        self._on_listing_error = on_listing_error or (lambda path, message: None)
        self._on_progress = on_progress or (lambda phase, done, total: None)
        self._stop = stop or threading.Event()
        self._game_ids: dict[tuple[str, int | None], int] | None = None
        self._hash_tried: set[str] = set()
        self._unlisted: dict[str, int] = {}

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def error(self, path: str, message: str) -> None:
        self.report.errors += 1
        self._on_error(path, message)

    def skipped_link(self, path: str, message: str) -> None:
        """A symlink not followed: reported with the errors, counted apart from them."""
        if message == OUTSIDE:
            self.report.links_outside += 1
        else:
            self.report.links_repeated += 1
        self._on_error(path, message)

    def listing_error(self, path: str, message: str) -> None:
        """An archive that is indexed, but whose contents could not be (fully) read."""
        self.report.listing_errors += 1
        self._on_listing_error(path, message)

    def _listing(self, path: str, size: int | None = None) -> tuple[list, int | None, str]:
        return listing(path, size, MAX_ERROR)

    def run(self) -> ScanReport:
        started = time.perf_counter()
        report = self.report
        known = self._load_known()
        new, changed, reappeared = [], [], []
        seen = 0
        # What is left in `known` after the walk was not found on disk.
        for found in walk(
            self.roots, self.extensions, self.error, report.failed_dirs, self.skipped_link
        ):
            seen += 1
            if not seen % 1000:
                if self.stopped:
                    break
                if not seen % 5000:
                    self._on_progress("walk", seen, None)
            path, size, mtime_ns = found
            row = known.pop(path, None)
            if row is None:
                new.append(found)
            elif row[1] != size or row[2] != mtime_ns:
                changed.append((row[0], found))
            elif row[3]:
                reappeared.append(row[0])
        report.seen = seen
        if self.stopped:  # the walk was cut short: a file not reached yet is not missing
            report.interrupted = True
            report.elapsed = time.perf_counter() - started
            return report
        report.unchanged = seen - len(new) - len(changed) - len(reappeared)
        self._on_progress("walk", seen, seen)

        vanished = self._vanished(known)
        if new and connection.vendor == "sqlite":
            self._tune_sqlite_for_bulk_writes()
        # Sorted by path, so the first file of a group (which names its game) is the same on every
        # run.
        new.sort()
        new = self._relink_renamed(new, vanished)
        self._write_new(new)
        self._write_changed(changed)
        self._mark_present(reappeared)
        self._mark_missing(vanished)
        self._list_unlisted(known, changed)
        if self.hash_files:
            self._hash_unhashed()
        # Once stopped, every step above writes nothing more.
        report.interrupted = self.stopped
        report.elapsed = time.perf_counter() - started
        return report

    @staticmethod
    def _tune_sqlite_for_bulk_writes() -> None:
        """A first scan writes tens of thousands of rows. SQLite's 2 MB page cache and its WAL
        checkpoint every 4 MB would make it rewrite and fsync the same index pages over and over:
        give this connection 32 MB of cache and checkpoint every 64 MB instead."""
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -32768")
            cursor.execute("PRAGMA wal_autocheckpoint = 16384")

    def _load_known(self) -> dict[str, tuple[int, int, int, bool]]:
        """path -> (id, size, mtime_ns, missing) for the rows under the scanned roots.

        A raw query: on a rescan of 100,000 unchanged files this load is a large part of the
        time, and model instances would triple it. The same query finds the rows indexed before
        the scan listed archives (no file count and no listing error), to be listed once.
        """
        prefixes = self._prefixes
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT path, id, size, mtime_ns, missing_since IS NOT NULL, "  # noqa: S608
                f"file_count IS NULL AND listing_error = '' FROM {Rom._meta.db_table}"
            )
            rows = cursor.fetchall()
        self._unlisted = {
            row[0]: row[1]
            for row in rows
            if row[5] and row[0].startswith(prefixes) and is_listed(row[0])
        }
        return {
            path: (pk, size, mtime, bool(missing))
            for path, pk, size, mtime, missing, _ in rows
            if path.startswith(prefixes)
        }

    def _vanished(self, unseen) -> list[tuple[int, int, int, bool]]:
        failed = tuple(d.rstrip("/") + "/" for d in self.report.failed_dirs)
        return [row for path, row in unseen.items() if not (failed and path.startswith(failed))]

    def _relink_renamed(self, new: list[FoundFile], vanished) -> list[FoundFile]:
        """Take a new file for a missing one, moved or renamed, so that it keeps its game,
        metadata and favourites: the same size and mtime (a rename or move keeps both), or the
        same size and SHA-1 where the missing file was hashed (a copy). Only an unambiguous
        match counts."""
        if not new:
            return new
        lost = {pk: (size, mtime, "") for pk, size, mtime, _ in vanished}
        for pk, size, mtime, sha1 in Rom.objects.filter(missing_since__isnull=False).values_list(
            "pk", "size", "mtime_ns", "sha1"
        ):
            lost[pk] = (size, mtime, sha1)
        if not lost:
            return new
        for chunk in _chunks([row[0] for row in vanished], self.batch_size):
            for pk, sha1 in (
                Rom.objects.filter(pk__in=chunk).exclude(sha1="").values_list("pk", "sha1")
            ):
                lost[pk] = (*lost[pk][:2], sha1)
        by_stamp, by_hash = defaultdict(list), defaultdict(list)
        for pk, (size, mtime, sha1) in lost.items():
            by_stamp[size, mtime].append(pk)
            if sha1:
                by_hash[size, sha1].append(pk)
        hashed_sizes = {size for size, _ in by_hash}

        remaining, moves, taken = [], [], set()
        for found in new:
            path, size, mtime_ns = found
            pks = by_stamp.get((size, mtime_ns), [])
            if len(pks) != 1 and size in hashed_sizes:
                digests = self._hashes([path]).get(path, NO_HASHES)
                pks = by_hash.get((size, digests["sha1"]), [])
            if len(pks) == 1 and pks[0] not in taken:
                taken.add(pks[0])
                moves.append((pks[0], found))
            else:
                remaining.append(found)
        vanished[:] = [row for row in vanished if row[0] not in taken]
        for chunk in self._batches(moves):
            roms = Rom.objects.in_bulk([pk for pk, _ in chunk])
            for pk, (path, _, mtime_ns) in chunk:
                rom = roms[pk]
                rom.path, rom.mtime_ns, rom.missing_since = path, mtime_ns, None
            with transaction.atomic():
                Rom.objects.bulk_update(roms.values(), ["path", "mtime_ns", "missing_since"])
            self.report.renamed += len(chunk)
        return remaining

    def _games_by_key(self) -> dict[tuple[str, int | None], int]:
        if self._game_ids is None:
            self._game_ids = {
                (key, year): pk
                for pk, key, year in Game.objects.order_by("pk").values_list(
                    "pk", "match_key", "year"
                )
            }
        return self._game_ids

    def _prepared(self, new: list[FoundFile]):
        """The new files' batches, each as prepare() gives it. A large first scan prepares them
        in a second process, a few batches ahead of the writes (threads would not do: each call
        into SQLite would wait for the GIL); a small one, or one on a single core, here."""
        batches = self._batches(new)
        if len(new) < PARALLEL_FROM or (os.cpu_count() or 1) < 2:
            return (prepare(batch, self.roots, MAX_ERROR) for batch in batches)
        return in_worker(batches, self.roots, MAX_ERROR, ahead=AHEAD)

    def _write_new(self, new: list[FoundFile]) -> None:
        if not new:
            return
        games = self._games_by_key()
        done = 0
        for prepared in self._prepared(new):
            if self.stopped:
                return
            self._write_batch(prepared, games)
            done += len(prepared)
            self._on_progress("write", done, len(new))

    def _write_batch(self, prepared: list[tuple], games: dict) -> None:
        hashes = self._hashes([rom[0] for _, _, _, rom, _ in prepared] if self.hash_files else [])
        if self.stopped:  # while hashing: the batch is left for the next run
            return
        fresh = {}
        for group, title, found, _, _ in prepared:
            if group not in games and group not in fresh:
                fresh[group] = (*title, group[1], group[0], *(found[f] for f in search.FIELDS))
        with transaction.atomic():
            ids = insert_rows(
                Game,
                ["title", "sort_title", "slug", "year", "match_key", *search.FIELDS],
                list(fresh.values()),
                return_ids=True,
            )
            games.update(zip(fresh, ids, strict=True))
            insert_rows(
                Rom,
                ROM_COLUMNS,
                [
                    (games[group], *rom, *listing, *hashes.get(rom[0], NO_HASHES).values())
                    for group, _, _, rom, listing in prepared
                ],
            )
            if fresh:
                bump_catalogue_version()  # new games appear in the catalogue
        self.report.new += len(prepared)
        self.report.games_created += len(fresh)
        self._count_listings((rom[0], *listing) for _, _, _, rom, listing in prepared)

    def _count_listings(self, roms) -> None:
        """Count the listed archives and report the unreadable ones, once they are saved."""
        for path, *_, file_count, error in roms:
            if error:
                self.listing_error(path, error)
            if file_count is not None:
                self.report.listed += 1

    def _write_changed(self, changed: list[tuple[int, FoundFile]]) -> None:
        now = timezone.now()
        for chunk in self._batches(changed):
            roms = Rom.objects.in_bulk([pk for pk, _ in chunk])
            rehash = [found[0] for pk, found in chunk if self.hash_files or roms[pk].sha1]
            hashes = self._hashes(rehash)
            if self.stopped:  # while hashing: the batch is left for the next run
                return
            listings = {}
            for pk, (path, size, mtime_ns) in chunk:
                rom = roms[pk]
                parsed = parse_path(path, self.roots)
                rom.size, rom.mtime_ns, rom.missing_since = size, mtime_ns, None
                rom.parsed_title, rom.parsed_year = parsed.title[:255], parsed.year
                rom.tags, rom.updated_at = parsed.as_tags(), now
                listings[path] = self._listing(path, size)
                rom.members, rom.file_count, rom.listing_error = listings[path]
                for name, value in hashes.get(path, {}).items():
                    setattr(rom, name, value)
            with transaction.atomic():
                Rom.objects.bulk_update(roms.values(), CHANGED_FIELDS)
            self.report.changed += len(chunk)
            self._count_listings((path, *listing) for path, listing in listings.items())

    def _list_unlisted(self, unseen: dict, changed: list[tuple[int, FoundFile]]) -> None:
        """List the present, unchanged archives indexed before the scan listed archives."""
        relisted = {path for _, (path, _, _) in changed}
        todo = [
            (pk, path)
            for path, pk in self._unlisted.items()
            if path not in unseen and path not in relisted
        ]
        for chunk in self._batches(todo):
            listings = {path: self._listing(path) for _, path in chunk}
            roms = [
                Rom(pk=pk, **dict(zip(LISTING_FIELDS, listings[path], strict=True)))
                for pk, path in chunk
            ]
            with transaction.atomic():
                Rom.objects.bulk_update(roms, LISTING_FIELDS)
            self._count_listings((path, *listing) for path, listing in listings.items())

    def _mark_present(self, ids: list[int]) -> None:
        for chunk in self._batches(ids):
            with transaction.atomic():
                Rom.objects.filter(pk__in=chunk).update(missing_since=None)
            self.report.reappeared += len(chunk)

    def _mark_missing(self, vanished) -> None:
        ids = [row[0] for row in vanished if not row[3]]
        now = timezone.now()
        for chunk in self._batches(ids):
            with transaction.atomic():
                Rom.objects.filter(pk__in=chunk).update(missing_since=now)
            self.report.missing += len(chunk)

    def _hashes(self, paths: list[str]) -> dict[str, dict[str, str]]:
        results = {}
        self._hash_tried.update(paths)
        for path, digests, error in hash_files(paths):
            if self.stopped:
                break
            if error:
                self.error(path, f"cannot read the file to hash it ({error})")
            else:
                results[path] = digests
                self.report.hashed += 1
        return results

    def _hash_unhashed(self) -> None:
        """Fill in the hashes of present files indexed before `--hash` was used."""
        todo = [
            (pk, path)
            for pk, path in Rom.objects.filter(sha1="", missing_since__isnull=True).values_list(
                "pk", "path"
            )
            if path.startswith(self._prefixes) and path not in self._hash_tried
        ]
        for chunk in self._batches(todo):
            hashes = self._hashes([path for _, path in chunk])
            if self.stopped:
                return
            roms = [Rom(pk=pk, **hashes[path]) for pk, path in chunk if path in hashes]
            with transaction.atomic():
                Rom.objects.bulk_update(roms, ["crc32", "md5", "sha1"])

    def _batches(self, items: list):
        """The items in batches of batch_size, until the scan is told to stop."""
        for chunk in _chunks(items, self.batch_size):
            if self.stopped:
                return
            yield chunk


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]
