"""Accuracy and speed of scraper.launch.choose_start on real DOS games.

Run from the repository root:  python bench/launch.py [--data PATH] [--verbose]

Reads ../shared/launch/start_commands.jsonl (beside the repository; see its README.md for the
fields), scores the chooser on the rows whose start program is among the files ("clean"), once
with the files as listed and once inside one top folder as most zips have them, and prints the
accuracy of each layout beside the "largest .EXE/.COM" baseline, and the time per game. A pick is
right when it is the launcher's start or one a second launcher starts (case-insensitive). Exits 1
below --budget. No Django.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scraper.launch import choose_start  # noqa: E402  (needs the sys.path line above)

DEFAULT_DATA = ROOT.parent / "shared" / "launch" / "start_commands.jsonl"
TOP_FOLDER = "GAME"


def load(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as lines:
        rows = [json.loads(line) for line in lines if line.strip()]
    return [row for row in rows if row["tier"] == "clean"]


def title_of(row: dict) -> str:
    """The catalogue's "Title (year) (publisher)" -> "Title"."""
    return row["game"].split(" (", 1)[0]


def largest_program(members: list[tuple[str, int]]) -> str | None:
    programs = [(size, path) for path, size in members if path.upper().endswith((".EXE", ".COM"))]
    return max(programs)[1] if programs else None


def score(rows: list[dict], prefix: str, verbose: bool) -> tuple[int, int, float]:
    """(chooser right, baseline right, seconds spent in the chooser) for one layout."""
    right = baseline = 0
    spent = 0.0
    for row in rows:
        members = [(prefix + f["path"], f["size"]) for f in row["files"]]
        accepted = {(prefix + p).upper() for p in [row["start"], *row["also_accepted"]]}
        title = title_of(row)
        began = time.perf_counter()
        start = choose_start(members, title)
        spent += time.perf_counter() - began
        hit = (start.path or "").upper() in accepted
        right += hit
        baseline += (largest_program(members) or "").upper() in accepted
        if verbose and not hit:
            print(f"  miss: {row['game']}\n    picked {start.path} ({start.reason})")
            print(f"    wanted {prefix + row['start']}; ranked {', '.join(start.candidates[:5])}")
    return right, baseline, spent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="start_commands.jsonl")
    parser.add_argument("--budget", type=float, default=95.0, help="minimum accuracy, percent")
    parser.add_argument("--verbose", action="store_true", help="list the misses")
    args = parser.parse_args()
    if not args.data.is_file():
        parser.error(
            f"{args.data} not found: it is the shared launch data set, kept beside the "
            "repository in ../shared/launch/; pass --data PATH to read it from elsewhere"
        )
    rows = load(args.data)
    failed = False
    for layout, prefix in (("as listed", ""), (f"inside {TOP_FOLDER}/", TOP_FOLDER + "/")):
        if args.verbose:
            print(f"{layout}:")
        right, baseline, spent = score(rows, prefix, args.verbose)
        accuracy = 100 * right / len(rows)
        failed |= accuracy < args.budget
        print(
            f"{layout:>14}: {right}/{len(rows)} right = {accuracy:.1f}% "
            f"(largest .EXE/.COM: {100 * baseline / len(rows):.1f}%), "
            f"{spent / len(rows) * 1e6:.0f} µs a game"
        )
    print(f"budget >= {args.budget:.0f}%: {'MISSED' if failed else 'met'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
