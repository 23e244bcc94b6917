"""Play benchmark: from a click on Play to the DOS program's first output, in Chromium.

    python bench/play.py [--warm 5] [--size-gb 2] [--keep DIR]

A ~5 MB zip that does not compress (catalog.tests.dosgames.big_zip: HELLO.COM beside 5 MB of
random data; needs nasm) in a ROM folder, its Game and Rom rows as a scan makes them, and a
normal user, on a throwaway SQLite database. gunicorn serves it as `make serve` does
(collectstatic, gunicorn.conf.py, DEBUG off); Debian's Chromium, driven by Playwright and logged
in by a session cookie, opens the game page and clicks Play. The time runs from the click until
the program's "ROMVAULT HELLO" is seen: js-dos keeps what DOS printed until a listener attaches
to romvaultPlayer.ci, so the moment the text is seen is an upper bound of when it was printed.
Printed twice: as Python saw it, and in the browser's own clock (performance.timeOrigin + now()
at the click, and when the text reached the listener). One cold run (empty browser cache), then
`--warm` runs in the same browser, with the server warm. Budget: warm median and p95 <= 2 s.

Then the play-file URL (catalog:play-file, the same serve_rom as downloads) streams a sparse
`--size-gb` file through the Django test Client, measured as bench/download.py measures a
download. Budget: memory flat, growth < 50 MB. Exits 1 when a budget is missed.
"""

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, fetch, free_port, pct, setup_django

WARM_BUDGET_S = 2.0
HELLO = "ROMVAULT HELLO"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    *("--no-sandbox", "--disable-gpu", "--disable-background-networking"),
    *("--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"),
]
# The browser's absolute clock: performance.now() restarts with each page, and the click is on
# the game page while the text arrives on the player's.
NOW = "performance.timeOrigin + performance.now()"
LISTEN = f"""() => {{
    window.output = "";
    romvaultPlayer.ci.events().onStdout((text) => {{
        output += text;
        if (window.helloAt === undefined && output.includes({HELLO!r})) window.helloAt = {NOW};
    }});
}}"""


def add_game(roms):
    """big_zip in the ROM folder, with the Game and Rom rows a scan would make."""
    from catalog.models import Game, Rom
    from catalog.tests import dosgames
    from catalog.tests.test_play_browser import PROGRAMS_AND_IMAGES

    big = dosgames.big_zip()
    path = roms / big.file_name
    path.write_bytes(big.data)
    game = Game(year=1993, match_key="hello")
    game.set_title(big.title)
    game.save()
    members = [[p, s] for p, s in big.members() if p.upper().endswith(PROGRAMS_AND_IMAGES)]
    return Rom.objects.create(
        game=game,
        path=str(path),
        size=len(big.data),
        mtime_ns=path.stat().st_mtime_ns,
        parsed_title=big.title,
        parsed_year=1993,
        members=members,
        file_count=len(big.members()),
    )


def session_cookie(user):
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def start_gunicorn(work, port):
    env = {**os.environ, "ALLOWED_HOSTS": "127.0.0.1", "DEBUG": "false"}
    log = open(work / "gunicorn.log", "wb")  # noqa: SIM115 - closed with the server
    server = subprocess.Popen(
        [
            *(str(ROOT / ".venv/bin/gunicorn"), "-c", str(ROOT / "gunicorn.conf.py")),
            *("--bind", f"127.0.0.1:{port}"),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, so the workers stop with it
    )
    server.log = log
    deadline = time.monotonic() + 30
    while True:
        try:
            if fetch(port, "/healthz", "")[0] == 200:
                return server
        except OSError:
            pass
        if time.monotonic() > deadline or server.poll() is not None:
            stop(server)
            raise RuntimeError(f"gunicorn did not start; see {work / 'gunicorn.log'}")
        time.sleep(0.2)


def stop(server):
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
    server.log.close()


def play_once(page, site, rom):
    """(seconds Python saw, seconds in the browser's clock) from the click to HELLO."""
    page.goto(site + rom.game.get_absolute_url())
    play = page.get_by_role("link", name="Play", exact=True)
    play.wait_for()
    clicked_at = page.evaluate(NOW)
    started = time.perf_counter()
    play.click()
    page.wait_for_function("() => window.romvaultPlayer !== undefined", timeout=30_000)
    page.evaluate(LISTEN)
    page.wait_for_function("() => window.helloAt !== undefined", timeout=30_000, polling=10)
    seen = time.perf_counter() - started
    assert page.url.endswith(f"/files/{rom.pk}/play/"), page.url
    return seen, (page.evaluate("helloAt") - clicked_at) / 1000


def browser_runs(site, session_key, rom, warm):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.add_cookies([{"name": "sessionid", "value": session_key, "url": site}])
            page = context.new_page()
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            runs = [play_once(page, site, rom) for _ in range(1 + warm)]
            return runs, errors
        finally:
            browser.close()


def play_file_stream(roms, size_gb):
    """bench/download.py's figures for the play-file URL of a sparse file of `size_gb`."""
    from django.test import Client
    from django.urls import reverse
    from download import measure

    from accounts.models import User
    from catalog.downloads import version_of
    from catalog.models import Game, Rom

    size = int(size_gb * 1024**3)
    path = roms / "BIGCD.ZIP"
    with open(path, "wb") as fh:
        fh.truncate(size)  # sparse: no disk space, reads come back as zeros
    try:
        game = Game(year=1995, match_key="big game")
        game.set_title("Big Game")
        game.save()
        st = path.stat()
        rom = Rom.objects.create(
            game=game, path=str(path), size=size, mtime_ns=st.st_mtime_ns, parsed_title="Big Game"
        )
        client = Client()
        client.force_login(User.objects.get(username="bench"))
        url = reverse("catalog:play-file", args=[rom.pk, version_of(st), path.name])
        return measure(client, url, 200, size)  # DOWNLOAD_ACCEL empty: Django streams it
    finally:
        path.unlink()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warm", type=int, default=5, help="warm runs after the cold one")
    parser.add_argument("--size-gb", type=float, default=2, help="the play-file stream; 0: skip")
    parser.add_argument("--keep", help="use (and keep) this folder for the files and database")
    args = parser.parse_args()

    work = Path(args.keep or tempfile.mkdtemp(prefix="romvault-bench-"))
    roms = work / "roms"
    roms.mkdir(parents=True, exist_ok=True)
    db = work / "bench.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    for old in roms.iterdir():
        old.unlink()
    setup_django(work, ROM_DIRS=str(roms), DOWNLOAD_ACCEL="")
    from django.core.management import call_command

    from accounts.models import Role, User

    try:
        call_command("migrate", verbosity=0)
        call_command("collectstatic", "--noinput", verbosity=0)
        user = User.objects.create_user(username="bench")
        user.set_role(Role.NORMAL)
        rom = add_game(roms)
        port = free_port()
        server = start_gunicorn(work, port)
        try:
            runs, errors = browser_runs(
                f"http://127.0.0.1:{port}", session_cookie(user), rom, args.warm
            )
        finally:
            stop(server)
        stream = play_file_stream(roms, args.size_gb) if args.size_gb else None
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    print(f"{rom.filename}: {rom.size:,} bytes; click on Play to {HELLO!r}")
    print("  run      seen by Python   browser clock")
    for i, (seen, browser) in enumerate(runs):
        print(f"  {'cold' if i == 0 else f'warm {i}':8} {seen:10.3f} s {browser:12.3f} s")
    warm = [seen for seen, _ in runs[1:]]
    warm_browser = [browser for _, browser in runs[1:]]
    ok = bool(warm) and pct(warm, 95) <= WARM_BUDGET_S
    if warm:
        print(
            f"  warm median {statistics.median(warm):.3f} s, p95 {pct(warm, 95):.3f} s "
            f"(browser clock: median {statistics.median(warm_browser):.3f} s, "
            f"p95 {pct(warm_browser, 95):.3f} s)  budget <= {WARM_BUDGET_S} s"
        )
    if errors:
        print(f"  page errors: {errors}")
    if stream:
        received, elapsed, rss_growth, heap_peak = stream
        rss_mb, heap_mb = rss_growth / 1024**2, heap_peak / 1024**2
        ok = ok and rss_mb < 50 and heap_mb < 50
        print(
            f"play-file URL: {received:,} bytes in {elapsed:.2f} s = "
            f"{received / elapsed / 1024**2:,.0f} MiB/s; memory growth {rss_mb:.1f} MB RSS, "
            f"{heap_mb:.1f} MB Python heap peak  budget < 50 MB"
        )
    print("OK" if ok else "OVER BUDGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
