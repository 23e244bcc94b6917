"""Download benchmark: a whole sparse file and its second half as a Range, through Django.

    python bench/download.py [--size-gb 2] [--keep DIR]

Serves the file with catalog.downloads (DOWNLOAD_ACCEL empty: Django streams it) through the
Django test Client, counting the bytes without keeping them. Prints bytes a second and how much
the process grew while each download ran: resident memory sampled at every chunk, and the
Python heap's peak (tracemalloc). Budget: memory flat, growth < 50 MB. Exits 1 when over.
"""

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from common import setup_django

BUDGET_MB = 50
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def rss_bytes() -> int:
    """The current resident set size (Linux); elsewhere the peak so far, which only overstates."""
    try:
        with open("/proc/self/statm", "rb") as fh:
            return int(fh.read().split()[1]) * PAGE_SIZE
    except OSError:
        scale = 1 if sys.platform == "darwin" else 1024
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def measure(client, url, expected_status, expected_bytes, **headers):
    """(bytes received, seconds, RSS growth, Python heap peak growth) of one download."""
    baseline_rss = rss_bytes()
    tracemalloc.start()
    baseline_heap = tracemalloc.get_traced_memory()[0]
    started = time.perf_counter()
    response = client.get(url, headers=headers)
    assert response.status_code == expected_status, response.status_code
    assert int(response["Content-Length"]) == expected_bytes, response["Content-Length"]
    received, peak_rss = 0, baseline_rss
    for chunk in response.streaming_content:
        received += len(chunk)
        peak_rss = max(peak_rss, rss_bytes())
    elapsed = time.perf_counter() - started
    heap_peak = tracemalloc.get_traced_memory()[1] - baseline_heap
    tracemalloc.stop()
    assert received == expected_bytes, (received, expected_bytes)
    return received, elapsed, peak_rss - baseline_rss, heap_peak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-gb", type=float, default=2)
    parser.add_argument("--keep", help="use (and keep) this folder for the file and database")
    args = parser.parse_args()

    work = Path(args.keep or tempfile.mkdtemp(prefix="romvault-bench-"))
    roms = work / "roms"
    roms.mkdir(parents=True, exist_ok=True)
    setup_django(work, ROM_DIRS=str(roms), DOWNLOAD_ACCEL="")
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse

    from accounts.models import Role, User
    from catalog.models import Game, Rom

    size = int(args.size_gb * 1024**3)
    path = roms / "Big Game (1995).iso"
    try:
        with open(path, "wb") as fh:
            fh.truncate(size)  # sparse: no disk space, reads come back as zeros
        db = work / "bench.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        call_command("migrate", verbosity=0)
        user = User.objects.create_user(username="bench")  # force_login: no password
        user.set_role(Role.NORMAL)
        game = Game(year=1995, match_key="big game")
        game.set_title("Big Game")
        game.save()
        stat = path.stat()
        rom = Rom.objects.create(
            game=game, path=str(path), size=size, mtime_ns=stat.st_mtime_ns, parsed_title="Big Game"
        )
        client = Client()
        client.force_login(user)
        url = reverse("catalog:rom-download", args=[rom.pk])

        whole = measure(client, url, 200, size)
        half = size // 2
        ranged = measure(client, url, 206, size - half, Range=f"bytes={half}-")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    ok = True
    for label, (received, elapsed, rss_growth, heap_peak) in (
        ("whole file", whole),
        ("second half", ranged),
    ):
        rss_mb, heap_mb = rss_growth / 1024**2, heap_peak / 1024**2
        ok = ok and rss_mb < BUDGET_MB and heap_mb < BUDGET_MB
        print(
            f"{label + ':':13}{received:,} bytes in {elapsed:.2f} s = "
            f"{received / elapsed / 1024**2:,.0f} MiB/s ({received / elapsed:,.0f} bytes/s); "
            f"memory growth {rss_mb:.1f} MB RSS, {heap_mb:.1f} MB Python heap peak"
            f"  budget < {BUDGET_MB} MB"
        )
    print("OK" if ok else "OVER BUDGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
