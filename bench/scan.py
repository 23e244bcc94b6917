"""Scanner benchmark: first scan and no-change rescan of a generated tree, on SQLite.

    python bench/scan.py [--files 100000] [--keep DIR] [--database-url URL]

Every .zip and .dosz in the tree (most of it) is a real small archive, with programs, data files
and a subfolder, so the first scan lists their members as it would a real library's.

Prints files a second for the first scan (budget >= 10,000), the rescan time against the bare
os.scandir + stat walk of the same tree measured in the same run (budget <= 2x), and the peak
resident memory (budget < 300 MB). Exits 1 when a budget is missed. With --database-url (a
PostgreSQL database of its own: every table is emptied) it prints the same figures there, without
a verdict: the budgets are SQLite's.
"""

import argparse
import csv
import io
import os
import random
import resource
import shutil
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from common import ROOT, setup_django

CORPUS = ROOT / "scraper" / "tests" / "data" / "dos_filenames.tsv"


def small_zip(variant: int) -> bytes:
    """A game's archive: its program, a set-up program, a batch file, data files in a subfolder
    and a text file, in one top folder as most zips have; variants differ in names and size."""
    folder = f"GAME{variant}"
    members = [
        (f"{folder}/GAME{variant}.EXE", b"MZ" + b"x" * (200 + variant)),
        (f"{folder}/SETUP.EXE", b"MZ" + b"s" * 50),
        (f"{folder}/GO.BAT", b"@GAME\r\n"),
        (f"{folder}/README.TXT", b"r" * (1 + variant % 97)),
        *((f"{folder}/DATA/LEVEL{n}.DAT", b"d" * 64) for n in range(1 + variant % 4)),
    ]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr(f"{folder}/DATA/", b"")
        for name, data in members:
            zf.writestr(name, data)
    return buffer.getvalue()


def generate_tree(root: Path, count: int) -> None:
    """count files in nested folders (genre/number), named as in the corpus, all distinct."""
    from scraper.scan import DEFAULT_EXTENSIONS

    zips = [small_zip(variant) for variant in range(97)]

    with CORPUS.open(encoding="utf-8") as fh:
        names = [row["filename"] for row in csv.DictReader(fh, delimiter="\t")]
    rng = random.Random(42)
    genres = ["Action", "Adventure", "RPG", "Simulation", "Strategy", "Sports", "Puzzle"]
    for i in range(count):
        stem, _, ext = rng.choice(names).rpartition(".")
        ext = ext if ext.lower() in DEFAULT_EXTENSIONS else "zip"  # the corpus has Atari dumps
        # A distinct title per file: most files are their own game, as in a real library.
        name = f"{stem.split(' (')[0]} {i}{stem[len(stem.split(' (')[0]) :]}.{ext}"
        folder = root / genres[i % len(genres)] / f"{i // 700:03d}"
        if i % 700 == 0 or not folder.exists():
            folder.mkdir(parents=True, exist_ok=True)
        is_zip = ext.lower() in ("zip", "dosz")
        (folder / name).write_bytes(zips[i % 97] if is_zip else b"x" * (1 + i % 97))


def bare_walk(root: str) -> int:
    count = 0
    stack = [root]
    while stack:
        with os.scandir(stack.pop()) as it:
            for entry in it:
                if entry.is_dir():
                    stack.append(entry.path)
                else:
                    entry.stat()
                    count += 1
    return count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--keep", help="use (and keep) this folder for the tree and database")
    parser.add_argument("--database-url", help="this database (emptied) instead of SQLite")
    args = parser.parse_args()

    work = Path(args.keep or tempfile.mkdtemp(prefix="romvault-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    setup_django(work, **({"DATABASE_URL": args.database_url} if args.database_url else {}))
    from django.core.management import call_command

    from scraper.scan import Scanner

    tree = work / "roms"
    try:
        if not tree.exists():
            started = time.perf_counter()
            generate_tree(tree, args.files)
            print(f"generated {args.files:,} files in {time.perf_counter() - started:.1f} s")
        db = work / "bench.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        call_command("migrate", verbosity=0)
        if args.database_url:
            call_command("flush", interactive=False, verbosity=0)

        bare_walk(str(tree))  # warm the page cache, as a real rescan would find it
        first = Scanner([tree]).run()
        assert first.new == args.files and first.listing_errors == 0, first
        walk_times, rescan_times = [], []
        for _ in range(3):
            started = time.perf_counter()
            bare_walk(str(tree))
            walk_times.append(time.perf_counter() - started)
            report = Scanner([tree]).run()
            assert report.unchanged == args.files and report.new == report.changed == 0
            rescan_times.append(report.elapsed)
        walk, rescan = min(walk_times), min(rescan_times)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        # The first scan's worker process (scraper/prepare.py), which parses and lists.
        worker_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    rate = first.new / first.elapsed
    ratio = rescan / walk
    print(
        f"first scan:  {first.new:,} files in {first.elapsed:.2f} s = {rate:,.0f} files/s"
        f"  ({first.games_created:,} games, {first.listed:,} listed)  budget >= 10,000 files/s"
    )
    print(f"bare walk:   {walk:.3f} s (os.scandir + stat, best of 3)")
    print(
        f"rescan:      {rescan:.3f} s (nothing changed, best of 3) = {ratio:.2f}x the bare walk"
        "  budget <= 2x"
    )
    print(
        f"peak memory: {peak_mb:.0f} MB (max RSS)  budget < 300 MB;"
        f" its worker process: {worker_mb:.0f} MB"
    )
    if args.database_url:
        print("no verdict: the budgets are SQLite's")
        return 0
    ok = rate >= 10_000 and ratio <= 2 and peak_mb < 300
    print("OK" if ok else "OVER BUDGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
