"""The pure half of a first scan: each new file's parsed name, its game's title fields and
search columns, and the list of what is inside it. No database and no Django setup, so that a
large scan does it in a second process while the first writes (scraper/scan.py): parsing and
reading archives take as long as SQLite's writes, and two cores do both at once.

The second process is `python -m scraper.prepare`, fed batches through a pipe (not
multiprocessing: it would re-import the caller's main module, and forking a process with
threads can deadlock). It reads (roots, max_error), then batches, pickled, from stdin and
writes each batch's prepare() pickled to stdout, in order, until stdin ends.
"""

import contextlib
import json
import pickle
import queue
import re
import signal
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path

from catalog import search
from catalog.titles import title_fields
from scraper.archives import list_members
from scraper.bulk import JsonText
from scraper.filenames import ParsedName, disk_only, is_generic, match_key, parse_filename

# "Dune 2 Disk1", "Ultima VII - CD 2": the disks of one game share its title.
DISK_SUFFIX = re.compile(r"(?i)[\s_-]*\b(?:disk|disc|cd)[\s_-]*(\d{1,2})$")


def parse_path(path: str, roots: list[str]) -> ParsedName:
    """The file's parsed name, or its folder's where the file's own name is only "DISK1.IMG"
    (with the disk number that name gives)."""
    folder, _, name = path.rpartition("/")
    parsed = parse_filename(name)
    if (is_generic(parsed.title) or not parsed.key) and folder not in roots:
        folder_parsed = parse_filename(folder.rpartition("/")[2])
        if folder_parsed.key:
            disk, total = disk_only(parsed.title)
            if disk is not None and folder_parsed.disk is None:
                return replace(folder_parsed, disk=disk, disk_total=total)
            return folder_parsed
    disk = DISK_SUFFIX.search(parsed.title)
    if disk and disk.start() > 0:
        title = parsed.title[: disk.start()].rstrip(" -_")
        return replace(parsed, title=title, key=match_key(title), disk=int(disk.group(1)))
    return parsed


def listing(path: str, size: int | None, max_error: int) -> tuple[list, int | None, str]:
    members, file_count, error = list_members(path, size)
    return members, file_count, error[:max_error]


def prepare(chunk: list[tuple[str, int, int]], roots: list[str], max_error: int) -> list[tuple]:
    """For each (path, size, mtime_ns): (group, title fields, search columns, the Rom row
    without its game id, its listing)."""
    rows = []
    for path, size, mtime_ns in chunk:
        p = parse_path(path, roots)
        title = title_fields(p.title)
        columns = search.columns(title[0])  # a new game has its title only
        members, file_count, error = listing(path, size, max_error)
        # JSON encoded here: in the worker, not in the process that writes.
        rom = (path, size, mtime_ns, title[0], p.year, JsonText(json.dumps(p.as_tags())))
        rows.append(
            (
                (p.key[:255], p.year),
                title,
                columns,
                rom,
                (JsonText(json.dumps(members)), file_count, error),
            )
        )
    return rows


def in_worker(batches, roots: list[str], max_error: int, ahead: int = 2):
    """prepare() of each batch, in order, done by a worker process at most `ahead` batches
    before the caller asks. Should the worker die (out of memory, killed), what it did not
    send back is prepared here. Closing the generator ends the worker."""
    process = subprocess.Popen(
        [sys.executable, "-m", "scraper.prepare"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=Path(__file__).resolve().parent.parent,
    )
    slots = threading.Semaphore(ahead + 1)
    sent = queue.SimpleQueue()  # the batches given to the worker, in order; None: no more
    closing = threading.Event()

    def feed():
        # A thread: writing the next batch while the worker writes a large answer no one
        # reads yet would leave both waiting on full pipes.
        try:
            pickle.dump((roots, max_error), process.stdin)
            for batch in batches:
                slots.acquire()
                if closing.is_set():
                    return
                sent.put(batch)  # before writing: a batch the worker never gets is redone here
                pickle.dump(batch, process.stdin, pickle.HIGHEST_PROTOCOL)
                process.stdin.flush()
        except OSError:  # the worker is gone
            pass
        finally:
            sent.put(None)
            with contextlib.suppress(OSError):
                process.stdin.close()

    feeder = threading.Thread(target=feed, name="scan-prepare-feeder", daemon=True)
    feeder.start()
    broken = False
    try:
        while (batch := sent.get()) is not None:
            if not broken:
                try:
                    result = pickle.load(process.stdout)  # noqa: S301 - our worker, over its own pipe
                except (EOFError, OSError, pickle.UnpicklingError):
                    broken = True
            if broken:
                result = prepare(batch, roots, max_error)
            slots.release()
            yield result
        feeder.join()
        if broken:  # the feeder stopped at the worker's death: the rest here
            yield from (prepare(batch, roots, max_error) for batch in batches)
    finally:
        closing.set()
        slots.release()  # a feeder waiting for a slot sees `closing`
        if process.poll() is None:
            process.kill()
        process.wait()
        process.stdout.close()


def main() -> None:
    # Ctrl-C in a terminal reaches the whole process group: the scan decides when to stop,
    # and ends this process then (no traceback of ours on the way).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    roots, max_error = pickle.load(stdin)  # noqa: S301 - from the scan that started us
    while True:
        try:
            batch = pickle.load(stdin)  # noqa: S301
        except EOFError:
            return
        pickle.dump(prepare(batch, roots, max_error), stdout, pickle.HIGHEST_PROTOCOL)
        stdout.flush()


if __name__ == "__main__":
    main()
