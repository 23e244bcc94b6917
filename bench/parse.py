"""Benchmark and accuracy report for scraper.filenames.parse_filename.

Run from the repository root:  python bench/parse.py [--names 200000] [--budget 50000]

Parses the corpus filenames plus generated loose variants (lower-case underscores, dot-style,
upper-case) until at least --names names have been parsed, prints names per second and the
corpus accuracy (exact title, lenient key title, year; overall and per convention), and exits
non-zero when the rate is under --budget. No Django.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scraper.filenames import match_key, parse_filename  # noqa: E402  (needs the sys.path line above)
from scraper.tests.test_filenames import (  # noqa: E402  the corpus helpers the tests use
    lenient_key,
    load_corpus,
)


def variants(row: dict[str, str]) -> list[str]:
    """The corpus name plus the loose spellings users give the same game."""
    title, year = row["expected_title"], row["expected_year"]
    names = [row["filename"], row["filename"].upper()]
    names.append(title.lower().replace(" ", "_") + (f"_({year})" if year else "") + ".zip")
    names.append(title.replace(" ", ".") + (f".{year}" if year else "") + ".zip")
    names.append(f"{title} v1.2 [{year or 1990}].7z")
    return names


def accuracy(rows: list[dict[str, str]]) -> dict[str, list[int]]:
    """bucket -> [exact title hits, key title hits, year hits, rows]."""
    table: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for row in rows:
        parsed = parse_filename(row["filename"])
        want_year = int(row["expected_year"]) if row["expected_year"] else None
        for bucket in ("overall", row["convention"]):
            counts = table[bucket]
            counts[0] += parsed.title == row["expected_title"]
            counts[1] += lenient_key(parsed.title) == lenient_key(row["expected_title"])
            counts[2] += parsed.year == want_year
            counts[3] += 1
    return table


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--names", type=int, default=200_000, help="minimum names to parse")
    parser.add_argument("--budget", type=float, default=50_000, help="minimum names per second")
    args = parser.parse_args()

    rows = load_corpus()
    pool = [name for row in rows for name in variants(row)]
    rounds = -(-args.names // len(pool))  # ceiling division

    start = time.perf_counter()
    for _ in range(rounds):
        for name in pool:
            parse_filename(name)
    elapsed = time.perf_counter() - start
    total = rounds * len(pool)
    rate = total / elapsed

    print(f"parsed {total:,} names ({len(pool)} distinct x {rounds}) in {elapsed:.2f} s")
    print(f"{rate:,.0f} names/s (budget {args.budget:,.0f})")
    print()
    print(f"{'convention':<10} {'rows':>5} {'title%':>8} {'key%':>8} {'year%':>8}")
    table = accuracy(rows)
    for bucket in sorted(table, key=lambda b: (b != "overall", b)):
        exact, key, year, n = table[bucket]
        print(
            f"{bucket:<10} {n:>5} {100 * exact / n:>8.1f} {100 * key / n:>8.1f}"
            f" {100 * year / n:>8.1f}"
        )

    # Loose variants: the title must keep its match key and (where written) its year.
    key_hits = year_hits = n = 0
    for row in rows:
        want_key = match_key(row["expected_title"])
        want_year = int(row["expected_year"]) if row["expected_year"] else None
        for name in variants(row)[1:4]:  # upper-case, underscores, dots: all carry the year
            parsed = parse_filename(name)
            key_hits += parsed.key == want_key
            year_hits += parsed.year == want_year
            n += 1
    print(
        f"loose variants: {n} names, key {100 * key_hits / n:.1f}%, year {100 * year_hits / n:.1f}%"
    )

    if rate < args.budget:
        print(f"FAIL: {rate:,.0f} names/s is under the {args.budget:,.0f} budget", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
