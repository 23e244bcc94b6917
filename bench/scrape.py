"""Scrape benchmark: identify a generated library against the fake IGDB, clean and with faults.

    python bench/scrape.py [--games 2000] [--latency 0.15] [--skip-faults]

The fake enforces IGDB's limits (4 requests a second, 8 open, 429 past them). Prints games a
second (budget >= 25), the 429s received (budget 0), the fake's own count of the busiest second
and most open requests, and matching accuracy against the library's known answers (budget >= 97%
right, <= 1% wrong). Then the same library with 5% 500s, 5% extra 429s and 2% hanging requests:
every game must end as in the clean run, in under twice the clean time. Exits 1 when a budget is
missed.
"""

import argparse
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

from common import setup_django


def write_library(root: Path, library) -> dict[str, object]:
    """One small file per entry; returns path -> entry."""
    paths = {}
    for i, entry in enumerate(library):
        folder = root / f"{i // 500:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / entry.filename
        path.write_bytes(b"x" * (1 + i % 89))
        paths[str(path.resolve())] = entry
    return paths


def fresh_database(work: Path) -> None:
    from django.core.management import call_command
    from django.db import connection

    connection.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{work / 'bench.sqlite3'}{suffix}").unlink(missing_ok=True)
    call_command("migrate", verbosity=0)


def run_once(work, tree, fake, concurrency):
    from scraper import pipeline
    from scraper.igdb import IGDBClient, TokenCache
    from scraper.scan import Scanner

    fresh_database(work)
    Scanner([tree]).run()
    jobs = pipeline.select_jobs()
    client = IGDBClient(
        fake.client_id,
        fake.client_secret,
        api_url=fake.api_url,
        token_url=fake.token_url,
        token_cache=TokenCache(work / "token.json"),
        concurrency=concurrency,
    )
    time.sleep(1.1)  # let the previous run's requests leave IGDB's one-second window
    fake.reset_stats()
    report = pipeline.run(jobs, client, stop=threading.Event())
    return report


def outcome(paths) -> dict[str, int | None]:
    from catalog.models import Rom

    return {
        path: igdb_id
        for path, igdb_id in Rom.objects.values_list("path", "game__igdb_id")
        if path in paths
    }


def accuracy(paths, result) -> tuple[int, int, int]:
    right = wrong = missed = 0
    for path, entry in paths.items():
        got = result.get(path)
        if got == entry.expected_id:
            right += 1
        elif got is None:
            missed += 1
        else:
            wrong += 1
    return right, wrong, missed


def describe(label, report, fake) -> None:
    stats = fake.stats
    print(
        f"{label}: {report.total:,} games in {report.elapsed:.1f} s = "
        f"{report.games_per_second:.1f} games/s; matched {report.matched:,}, unmatched "
        f"{report.unmatched:,}, failed {report.failed:,}, merged {report.merged:,}"
    )
    print(
        f"  requests sent {report.requests:,}, retries {report.retries:,}, 429s received "
        f"{report.responses_429:,} (fake: {stats.rate_limited} over the limit, "
        f"{stats.injected_429} injected); busiest second {stats.max_in_one_second} requests, "
        f"most open {stats.max_open}; by endpoint {dict(sorted(stats.by_endpoint.items()))}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=2000)
    parser.add_argument("--latency", type=float, default=0.15)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--skip-faults", action="store_true")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="romvault-scrape-bench-"))
    try:
        setup_django(work)
        from fake_igdb import FakeIGDB, build_dataset

        dataset = build_dataset(n_games=args.games, seed=1)
        paths = write_library(work / "roms", dataset.library)
        ok = True
        with FakeIGDB(dataset, rate_limit=4, max_open=8, latency=args.latency) as fake:
            clean = run_once(work, work / "roms", fake, args.concurrency)
            describe("clean", clean, fake)
            clean_result = outcome(paths)
            right, wrong, missed = accuracy(paths, clean_result)
            total = len(paths)
            print(
                f"  accuracy on {total:,} files: {right / total:.1%} right, "
                f"{wrong / total:.1%} wrong, {missed / total:.1%} left unmatched"
            )
            ok &= clean.games_per_second >= 25 and clean.responses_429 == 0
            ok &= fake.stats.rate_limited == 0 and right / total >= 0.97 and wrong / total <= 0.01
            if not args.skip_faults:
                fake.error_500_rate, fake.extra_429_rate, fake.hang_rate = 0.05, 0.05, 0.02
                faulty = run_once(work, work / "roms", fake, args.concurrency)
                describe("faults (5% 500, 5% extra 429, 2% hanging)", faulty, fake)
                same = outcome(paths) == clean_result
                ratio = faulty.elapsed / clean.elapsed
                print(
                    f"  same matches as the clean run: {same}; failed {faulty.failed}; "
                    f"{ratio:.2f}x the clean time (budget < 2x)"
                )
                ok &= same and faulty.failed == 0 and ratio < 2 and fake.stats.rate_limited == 0
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("OK" if ok else "OVER BUDGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
