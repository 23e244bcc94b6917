"""Web benchmark: catalogue and game pages over a seeded 10,000-game library, on SQLite.

    python bench/web.py [--games 10000] [--duration 10] [--keep DIR]

In-process (Django test Client, logged in as a normal user, the page cache off so that every
page is rendered): the most SQL queries any request of each URL kind makes (budget <= 8) and
p50/p95 server time (budget p95 <= 50 ms). Then gunicorn as `make serve` starts it (2 workers,
4 threads) under wrk: requests/s of the catalogue against a trivial view on the same server
(budget >= 50%). The trivial view (bench/baseline_urls.py) does what every page must: load the
session and the user, check the permission to browse; the anonymous /healthz (one SELECT 1, no
session) is printed beside it for reference. wrk asks for one URL again and again, so with the
page cache on (as shipped) it measures repeat views; a second server with the cache off
measures a page rendered on every request, printed too. Exits 1 when a budget is missed.
"""

import argparse
import http.client
import math
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from common import ROOT, setup_django

BENCH = Path(__file__).resolve().parent
TRIVIAL = "/bench/trivial"  # bench/baseline_urls.py: log-in and permission check, then "ok"

MAX_QUERIES, P95_MS, MIN_RATIO = 8, 50.0, 0.5
SERVE = ["--workers", "2", "--threads", "4", "--access-logfile", "-"]  # the Makefile's `serve`
WORDS = (
    "Space Dungeon Dragon Star Castle Knight Shadow Galaxy Warrior Lost Dark Crystal Iron Sky "
    "Tank Ninja Pirate Wizard Robot Alien Empire Kingdom Island Fortress Racer Thunder Golden "
    "Cyber Magic Secret Legend Storm Blood Night Fire Ice Steel Hero Raider Mission Tower"
).split()
SUFFIXES = ["", "", "", " II", " III", " 2", ": The Return", " Deluxe", " Gold"]


def title_for(rng):
    """Titles shaped like a DOS collection's; "Quest" occurs in about one in twelve."""
    a, b = rng.sample(WORDS, 2)
    shape = rng.choices([f"{a} Quest", f"The {a} of {b}", a, f"{a} {b}"], [8, 22, 15, 55])[0]
    return shape + rng.choice(SUFFIXES)


def seed(games_wanted, rng):
    """The library and a normal user with ~200 favourites: (user, game ids, genre ids)."""
    from django.db import transaction
    from django.db.models import OuterRef, Subquery

    from accounts.models import Role, User
    from catalog.models import (
        AlternativeName,
        Company,
        Favorite,
        Game,
        Genre,
        Image,
        Involvement,
        Rom,
        Theme,
    )
    from scraper.bulk import insert_rows

    with transaction.atomic():
        genres, themes = (
            model.objects.bulk_create(
                model(igdb_id=i + 1, name=f"{model.__name__} {w}", slug=w.lower())
                for i, w in enumerate(WORDS[:count])
            )
            for model, count in ((Genre, 25), (Theme, 15))
        )
        companies = Company.objects.bulk_create(
            (Company(igdb_id=i + 1, name=f"{rng.choice(WORDS)} Soft {i}") for i in range(800)),
            batch_size=500,
        )
        statuses = ["matched"] * 85 + ["unmatched"] * 8 + ["no_match"] * 5 + ["failed"] * 2
        rows = []
        for i in range(games_wanted):
            title, sort_title, slug = Game.title_fields(title_for(rng))
            year = rng.randint(1981, 1999) if rng.random() < 0.9 else None
            status = rng.choice(statuses)
            matched = status == "matched"
            rows.append(
                (
                    *(title, sort_title, slug, year, sort_title, status),
                    10_000 + i if matched else None,
                    date(rng.randint(1981, 1999), rng.randint(1, 12), 1) if matched else None,
                    round(rng.uniform(30, 95), 1) if matched else None,
                    rng.randint(0, 400),
                    f"A {title} summary. " * 8 if matched else "",
                )
            )
        cols = ["title", "sort_title", "slug", "year", "match_key", "match_status", "igdb_id"]
        cols += ["release_date", "rating", "rating_count", "summary"]
        ids = insert_rows(Game, cols, rows, return_ids=True)
        matched = [pk for pk, row in zip(ids, rows, strict=True) if row[5] == "matched"]

        images = [(pk, "cover", f"co{pk:x}", 0) for pk in matched if rng.random() < 0.95]
        images += [(pk, "screenshot", f"sc{pk:x}{n}", n) for pk in matched for n in range(2)]
        insert_rows(Image, ["game_id", "kind", "image_id", "position"], images)
        cover = Image.objects.filter(game=OuterRef("pk"), kind="cover").values("pk")[:1]
        Game.objects.update(cover_id=Subquery(cover))

        insert_rows(
            Rom,
            ["game_id", "path", "size", "mtime_ns", "parsed_title", "parsed_year"],
            [
                (pk, f"/roms/{pk % 50}/{row[0]} {pk} (Disk {d}).zip", 2**20 * d, 0, row[0], row[3])
                for pk, row in zip(ids, rows, strict=True)
                for d in (1, 2, 3)
            ],
        )
        for through, field, pool in (
            (Game.genres.through, "genre_id", genres),
            (Game.themes.through, "theme_id", themes),
        ):
            links = [(pk, o.pk) for pk in matched for o in rng.sample(pool, rng.randint(1, 3))]
            insert_rows(through, ["game_id", field], links)
        involvements = []
        for pk in matched:
            dev, pub = rng.sample(companies, 2)
            involvements.append((pk, dev.pk, True, rng.random() < 0.4))
            involvements.append((pk, pub.pk, False, True))
        insert_rows(Involvement, ["game_id", "company_id", "developer", "publisher"], involvements)
        renamed = rng.sample(matched, len(matched) // 4)
        alt = [(pk, f"{rng.choice(WORDS)} Alt {pk}", "") for pk in renamed]
        insert_rows(AlternativeName, ["game_id", "name", "comment"], alt)

        user = User.objects.create_user(username="bench")
        user.set_role(Role.NORMAL)
        liked = rng.sample(ids, min(200, len(ids)))
        insert_rows(Favorite, ["user_id", "game_id"], [(user.pk, pk) for pk in liked])
    return user, ids, [g.pk for g in genres]


def pct(values, p):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def in_process(user, urls, rounds):
    """{kind: (max queries, [ms...])}: queries counted on one pass, time measured without it."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user)
    results = {}
    for kind, (paths, headers) in urls.items():
        most = 0
        for path in paths:  # also the warm-up
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(path, headers=headers)
            assert response.status_code == 200, (path, response.status_code)
            most = max(most, len(ctx))
        times = []
        for i in range(rounds):
            started = time.perf_counter()
            response = client.get(paths[i % len(paths)], headers=headers)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        results[kind] = (most, times)
    return results


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(port, path, cookie):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path, headers={"Cookie": cookie})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def wrk(port, path, cookie, duration):
    """(requests/s, p50, p99, failed requests: status >= 400 or socket errors) of one wrk run."""
    url = f"http://127.0.0.1:{port}{path}"
    out = subprocess.run(
        ["wrk", "-t2", "-c16", f"-d{duration}s", "--latency", "-H", f"Cookie: {cookie}", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)  # connect/read/write/timeout counts
    failed = int(bad.group(1)) if bad else 0
    failed += sum(map(int, re.findall(r"\d+", errors.group(0)))) if errors else 0
    return rps, p50, p99, failed


def throughput(work, user, duration, paths, **extra_env):
    """gunicorn as `make serve` runs it; {path: wrk figures} for each path in turn."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    cookie = f"sessionid={session.session_key}"
    port = free_port()
    env = {
        **os.environ,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DEBUG": "false",
        "DJANGO_SETTINGS_MODULE": "baseline_settings",  # romvault's, plus /bench/trivial
        **extra_env,
    }
    log = open(work / "gunicorn.log", "wb")  # noqa: SIM115 - closed in finally
    server = subprocess.Popen(
        [
            *(str(ROOT / ".venv/bin/gunicorn"), "romvault.wsgi", "--pythonpath", str(BENCH)),
            *("--bind", f"127.0.0.1:{port}", *SERVE),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, so the workers stop with it
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if fetch(port, "/healthz", cookie)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError(f"gunicorn did not start; see {work / 'gunicorn.log'}")
            time.sleep(0.2)
        # wrk counts a 302 to the login page as a success: check the cookie really logs in.
        status, body = fetch(port, "/", cookie)
        assert status == 200 and b"Only my favourites" in body, (status, body[:200])
        assert fetch(port, TRIVIAL, cookie) == (200, b"ok\n")
        return {path: wrk(port, path, cookie, duration) for path in paths}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=10_000)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=60, help="timed requests per URL kind")
    parser.add_argument("--keep", help="use (and keep) this folder for the database")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install -y wrk")

    work = Path(args.keep or tempfile.mkdtemp(prefix="romvault-bench-"))
    db = work / "bench.sqlite3"
    setup_django(work, DEBUG="false")
    from django.core.management import call_command

    from catalog.models import Game

    rng = random.Random(42)
    try:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        user, ids, genre_ids = seed(args.games, rng)
        print(f"seeded {len(ids):,} games, {3 * len(ids):,} files in ", end="")
        print(f"{time.perf_counter() - started:.1f} s")
        games = Game.objects.filter(pk__in=rng.sample(ids, 20))
        urls = {
            "catalogue p1": (["/"], {}),
            "catalogue p100": (["/?page=100"], {}),
            "search q=quest": (["/?q=quest"], {}),
            "genre+sort=year": ([f"/?genre={genre_ids[3]}&sort=year"], {}),
            "year 1990-1994": (["/?year_from=1990&year_to=1994"], {}),
            "fav=1 filter": (["/?fav=1"], {}),
            "favourites page": (["/favorites/"], {}),
            "htmx fragment": (["/?q=dragon&page=2"], {"HX-Request": "true"}),
            "game pages (20)": ([g.get_absolute_url() for g in games], {}),
        }
        # Server time of rendering: the page cache off, or every timed request would be a hit.
        from django.test import override_settings

        with override_settings(CATALOGUE_CACHE_SECONDS=0):
            pages = in_process(user, urls, args.rounds)
        served = throughput(work, user, args.duration, ["/healthz", TRIVIAL, "/"])
        served["/ (no cache)"] = throughput(
            work, user, args.duration, ["/"], CATALOGUE_CACHE_SECONDS="0"
        )["/"]
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    print(f"\n{'URL kind':18}{'queries':>8}{'p50 ms':>9}{'p95 ms':>9}   (n={args.rounds} each)")
    everything, most = [], 0
    for kind, (queries, times) in pages.items():
        everything += times
        most = max(most, queries)
        over = "  <- over" if queries > MAX_QUERIES or pct(times, 95) > P95_MS else ""
        print(f"{kind:18}{queries:>8}{pct(times, 50):>9.1f}{pct(times, 95):>9.1f}{over}")
    overall = pct(everything, 95)
    health, trivial, catalogue, rendered = (
        served[path][0] for path in ("/healthz", TRIVIAL, "/", "/ (no cache)")
    )
    ratio = catalogue / trivial
    print(f"\ngunicorn --workers 2 --threads 4; wrk -t2 -c16 -d{args.duration}s")
    bad = 0
    for path, (rps, p50, p99, failed) in served.items():
        bad += failed
        print(f"  {path:14} {rps:9,.0f} req/s  p50 {p50:>8}  p99 {p99:>8}  failed {failed}")

    ok = most <= MAX_QUERIES and overall <= P95_MS and ratio >= MIN_RATIO and bad == 0
    print("\nsummary")
    print(f"  SQL queries, worst page:  {most}  budget <= {MAX_QUERIES}")
    print(f"  server time p95, overall: {overall:.1f} ms  budget <= {P95_MS:.0f} ms")
    print(f"  catalogue / trivial view: {ratio:.1%} ", end="")
    print(f"({catalogue:,.0f} / {trivial:,.0f} req/s)  budget >= {MIN_RATIO:.0%}")
    print(f"  catalogue / healthz:      {catalogue / health:.1%} (for reference, no session)")
    print(f"  without the page cache:   {rendered / trivial:.1%} of the trivial view, ", end="")
    print(f"{rendered / health:.1%} of healthz (every request rendered)")
    print(f"  failed requests (wrk):    {bad}  budget 0 (status >= 400, socket errors)")
    print("OK" if ok else "OVER BUDGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
