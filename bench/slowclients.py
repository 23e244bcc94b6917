"""Slow clients benchmark: one greedy user and a slowloris crowd must not stall the site.

    python bench/slowclients.py [--seconds 40] [--downloads 200] [--slowloris 200]
                                [--database-url URL] [--gunicorn-args "..."] [--keep DIR]

gunicorn serves a seeded 2,000-game library (`--games`) as `make serve` does (collectstatic,
gunicorn.conf.py, DEBUG off, DOWNLOAD_ACCEL empty, so the app streams files itself), on loopback.
First a ranged download of the file's last MiB, and a static file, are checked byte for byte.
Then, all at once and for the whole run:
- `--downloads` downloads of one 1 GB file, opened by one normal user and never read (the
  client's receive buffer is small, so the server's writes block within a few hundred KB);
- `--slowloris` connections, no login, that send a request line and then one header byte every
  2 s, never finishing the headers.
Meanwhile another logged-in user loads the catalogue, its second page, a game page and the
favourites, one request after the other on a new connection each, for `--seconds`. Printed:
how many of the attack connections the server took and kept, the pages' count, failures
(anything but 200 within 5 s) and latency percentiles. Budget: 0 failures and p95 < 1 s.
Exits 1 when over.

`--gunicorn-args` adds to gunicorn's command line, to compare worker models, e.g.
`--gunicorn-args "-k gthread romvault.wsgi:application"` for the old one. With
`--database-url` (an empty, throwaway PostgreSQL database) the site runs on it.
"""

import argparse
import asyncio
import os
import resource
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from random import Random

from common import ROOT, free_port, pct, seed, setup_django
from play import session_cookie, stop

BUDGET_P95_S = 1.0
PAGE_TIMEOUT_S = 5.0
FILE_SIZE = 2**30


def start_gunicorn(work, port, extra_args, env):
    """`make serve`'s gunicorn on 127.0.0.1:port, ready when /healthz answers."""
    log = open(work / "gunicorn.log", "wb")  # noqa: SIM115 - closed with the server
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), *extra_args],
        cwd=ROOT,
        env={**os.environ, **env, "BIND": f"127.0.0.1:{port}"},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, so the workers stop with it
    )
    server.log = log
    deadline = time.monotonic() + 30
    while server.poll() is None and time.monotonic() < deadline:
        try:
            if get(port, "/healthz", "")[0] == 200:
                return server
        except OSError:
            time.sleep(0.2)
    stop(server)
    raise RuntimeError(f"gunicorn did not start; see {work / 'gunicorn.log'}")


def get(port, path, cookie, timeout=PAGE_TIMEOUT_S):
    """(status, seconds) of one GET on a new connection, the whole body read."""
    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        sock.sendall(f"{request}Cookie: {cookie}\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
    return status, time.perf_counter() - started


class Attack:
    """The slow downloads and slowloris connections, on their own event loop in a thread."""

    def __init__(self, port, download_path, cookie, downloads, slowloris):
        self.port, self.download_path, self.cookie = port, download_path, cookie
        self.counts = {"downloads": downloads, "slowloris": slowloris}
        self.answered = {"downloads": 0, "slowloris": 0}  # a status line came back
        self.refused = {"downloads": 0, "slowloris": 0}  # could not connect, or reset
        self.closed = {"downloads": 0, "slowloris": 0}  # the server hung up while we waited
        self.statuses = {}
        self.ready = threading.Event()
        self._stop = None

    def run(self):
        asyncio.run(self._main())

    def stop(self):
        self._loop.call_soon_threadsafe(self._stop.set)

    async def _main(self):
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        tasks = [asyncio.create_task(self._download()) for _ in range(self.counts["downloads"])]
        tasks += [asyncio.create_task(self._slowloris()) for _ in range(self.counts["slowloris"])]
        await asyncio.sleep(2)  # every connection is open and has sent what it sends at once
        self.ready.set()
        await self._stop.wait()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _connect(self, kind):
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # fills up at once
        sock.setblocking(False)
        try:
            await self._loop.sock_connect(sock, ("127.0.0.1", self.port))
        except OSError:
            self.refused[kind] += 1
            sock.close()
            return None
        return sock

    async def _download(self):
        sock = await self._connect("downloads")
        if sock is None:
            return
        try:
            request = f"GET {self.download_path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            await self._loop.sock_sendall(sock, f"{request}Cookie: {self.cookie}\r\n\r\n".encode())
            head = await self._loop.sock_recv(sock, 256)  # the status line, then never read
            if head.startswith(b"HTTP/"):
                self.answered["downloads"] += 1
                status = head.split(b" ", 2)[1].decode()
                self.statuses[status] = self.statuses.get(status, 0) + 1
            await self._stop.wait()
        except OSError:
            self.closed["downloads"] += 1
        finally:
            sock.close()

    async def _slowloris(self):
        sock = await self._connect("slowloris")
        if sock is None:
            return
        try:
            await self._loop.sock_sendall(sock, b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            header = b"X-Slow: " + b"a" * 10_000
            for byte in header:
                await self._loop.sock_sendall(sock, bytes([byte]))
                try:
                    answer = await asyncio.wait_for(self._loop.sock_recv(sock, 256), 2)
                except TimeoutError:
                    continue
                if answer.startswith(b"HTTP/"):
                    self.answered["slowloris"] += 1
                self.closed["slowloris"] += 1  # an answer or a hang-up: this one is done
                return
        except OSError:
            self.closed["slowloris"] += 1
        finally:
            sock.close()


def browse(port, cookie, paths, seconds):
    """[(status, seconds)] of one user's page loads, one after the other, for `seconds`."""
    results, deadline, i = [], time.monotonic() + seconds, 0
    while time.monotonic() < deadline:
        path = paths[i % len(paths)]
        i += 1
        try:
            results.append(get(port, path, cookie))
        except OSError:
            results.append((0, PAGE_TIMEOUT_S))
    return results


def whole(port, path, headers=""):
    """(head, body) of one GET on a new connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=PAGE_TIMEOUT_S) as sock:
        request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        sock.sendall(f"{request}{headers}\r\n".encode())
        data = b""
        while chunk := sock.recv(1 << 20):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return head, body


def check_bodies(port, path, cookie):
    """The server's streamed bodies are right: the file's last MiB as a Range, and the biggest
    static file (js-dos's emulator, served by whitenoise) whole."""
    head, body = whole(port, path, f"Range: bytes=-1048576\r\nCookie: {cookie}\r\n")
    wanted = f"bytes {FILE_SIZE - 2**20}-{FILE_SIZE - 1}/{FILE_SIZE}".encode()
    if not head.startswith(b"HTTP/1.1 206") or wanted not in head or body != bytes(2**20):
        raise RuntimeError(f"the ranged download came back wrong: {head[:300]!r}")
    wasm = "vendor/js-dos/emulators/wdosbox.wasm"
    head, body = whole(port, f"/static/{wasm}")
    if not head.startswith(b"HTTP/1.1 200") or body != (ROOT / "static" / wasm).read_bytes():
        raise RuntimeError(f"the static file came back wrong: {head[:300]!r}")


def prepare(work, games):
    """The seeded library, a 1 GB file as one game's Rom: (greedy user, reader, game, rom)."""
    from django.core.management import call_command

    from accounts.models import Role, User
    from catalog.models import Game, Rom

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    reader, ids, _ = seed(games, Random(7))
    greedy = User.objects.create_user(username="greedy")
    greedy.set_role(Role.NORMAL)
    path = work / "roms" / "BIGGAME.ZIP"
    with open(path, "wb") as fh:
        fh.truncate(FILE_SIZE)  # sparse: no disk space
    game = Game.objects.get(pk=ids[0])
    rom = Rom.objects.create(
        game=game,
        path=str(path),
        size=FILE_SIZE,
        mtime_ns=path.stat().st_mtime_ns,
        parsed_title=game.title,
    )
    return greedy, reader, game, rom


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=40, help="how long the reader browses")
    parser.add_argument("--games", type=int, default=2000, help="the seeded library's size")
    parser.add_argument("--downloads", type=int, default=200)
    parser.add_argument("--slowloris", type=int, default=200)
    parser.add_argument("--database-url", help="an empty, throwaway PostgreSQL database")
    parser.add_argument("--gunicorn-args", default="", help="added to gunicorn's command line")
    parser.add_argument("--keep", help="use (and keep) this folder for the files and database")
    args = parser.parse_args()

    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # 400 sockets and more
    work = Path(args.keep or tempfile.mkdtemp(prefix="romvault-bench-"))
    (work / "roms").mkdir(parents=True, exist_ok=True)
    db = work / "bench.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    env = {"ROM_DIRS": str(work / "roms"), "DOWNLOAD_ACCEL": ""}
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    setup_django(work, **env)
    from django.urls import reverse

    try:
        greedy, reader, game, rom = prepare(work, args.games)
        server_env = {**env, "ALLOWED_HOSTS": "127.0.0.1", "DEBUG": "false"}
        server_env["DATABASE_URL"] = os.environ["DATABASE_URL"]
        port = free_port()
        server = start_gunicorn(work, port, shlex.split(args.gunicorn_args), server_env)
        try:
            download_path = reverse("catalog:rom-download", args=[rom.pk])
            greedy_cookie = f"sessionid={session_cookie(greedy)}"
            check_bodies(port, download_path, greedy_cookie)
            attack = Attack(
                port,
                download_path,
                greedy_cookie,
                args.downloads,
                args.slowloris,
            )
            thread = threading.Thread(target=attack.run, daemon=True)
            thread.start()
            attack.ready.wait(30)
            cookie = f"sessionid={session_cookie(reader)}"
            pages = ["/", game.get_absolute_url(), "/?page=2", "/favorites/"]
            results = browse(port, cookie, pages, args.seconds)
            attack.stop()
            thread.join(15)
        finally:
            stop(server)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    times = [t for status, t in results if status == 200 and t <= PAGE_TIMEOUT_S]
    failures = len(results) - len(times)
    print(
        f"server: gunicorn -c gunicorn.conf.py {args.gunicorn_args}".rstrip()
        + f" on {'PostgreSQL' if args.database_url else 'SQLite'}"
    )
    for kind in ("downloads", "slowloris"):
        print(
            f"{kind:9}: {attack.counts[kind]} opened, {attack.refused[kind]} refused at "
            f"connect, {attack.answered[kind]} answered, {attack.closed[kind]} hung up by the "
            "server before the end"
            + (f"; statuses {attack.statuses}" if kind == "downloads" else "")
        )
    ok = failures == 0 and bool(times) and pct(times, 95) < BUDGET_P95_S
    if times:
        print(
            f"pages    : {len(results)} loads in {args.seconds:.0f} s, {failures} failures; "
            f"p50 {pct(times, 50) * 1000:.0f} ms, p95 {pct(times, 95) * 1000:.0f} ms, "
            f"max {max(times) * 1000:.0f} ms  budget: 0 failures, p95 < {BUDGET_P95_S:.0f} s"
        )
    else:
        print(f"pages    : {len(results)} loads, none answered 200 within {PAGE_TIMEOUT_S:.0f} s")
    print("OK" if ok else "OVER BUDGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
