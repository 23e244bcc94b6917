"""`make run` (romvault/run.py) as a newcomer meets it: a real make, real gunicorn, a real scrape
process, a real terminal (a pseudo-terminal) or none, in a fresh home on a free port."""

import http.server
import os
import pty
import select
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from fake_igdb import FakeIGDB, build_dataset
from romvault import config, run

# A developer's or CI's settings must not reach the install under test (CI sets DATABASE_URL
# to its PostgreSQL database: `make run` would migrate that).
CLEARED = {"DATABASE_URL", "ROM_DIRS", "IGDB_CLIENT_ID", "IGDB_SECRET_KEY", "IGDB_API_URL",
           "TWITCH_TOKEN_URL", "DATA_DIR", "STATIC_ROOT", "ALLOWED_HOSTS"}  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environment(home: Path, **extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        STATIC_ROOT=str(home / "static"),
        WEB_CONCURRENCY="1",
        GUNICORN_THREADS="2",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def database(home: Path) -> Path:
    return home / "data" / "romvault" / "romvault.sqlite3"


def scrape_runs(home: Path) -> list[str]:
    with sqlite3.connect(database(home)) as db:
        return [status for (status,) in db.execute("SELECT status FROM scraper_scraperun")]


def get(port: int, path: str = "/") -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    opener = urllib.request.build_opener(NoRedirect)
    try:
        return opener.open(request, timeout=5).status
    except urllib.error.HTTPError as exc:
        return exc.code


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args):
        return None


def port_is_free(port: int) -> bool:
    return run.port_problem("127.0.0.1", port) is None


def wait_for(condition, timeout=90.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.1)
    raise AssertionError(f"still waiting for {what} after {timeout} s")


# The port ---------------------------------------------------------------------------------------


def test_make_run_on_a_taken_port_says_which_port_to_use_before_installing_anything(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        started = time.monotonic()
        result = subprocess.run(
            # A venv that does not exist: had make got past the check, it would build one.
            ["make", "--no-print-directory", "run", f"PORT={port}", f"VENV={tmp_path / 'venv'}"],
            cwd=config.BASE_DIR,
            env=environment(tmp_path),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
        )
        took = time.monotonic() - started
    assert result.returncode != 0
    message = result.stderr.splitlines()[0]
    assert message.startswith(
        f"Port {port} on 127.0.0.1 is in use: another romvault or another program listens there."
    )
    suggested = int(message.rpartition("Run: make run PORT=")[2])
    assert suggested > port and port_is_free(suggested)
    # It stopped there: no venv, no migration, no database, no scrape, no gunicorn.
    assert not (tmp_path / "venv").exists() and not database(tmp_path).exists()
    assert "venv" not in result.stdout and "scrape" not in result.stdout + result.stderr
    assert took < 30, took  # seconds, not the minutes of an install and a scan


def test_a_romvault_already_on_the_port_is_named(tmp_path):
    class Health(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok\n")

        def log_message(self, *args):
            pass

    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), Health) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        port = server.server_address[1]
        problem = run.port_problem("127.0.0.1", port)
        server.shutdown()
    assert "romvault is already running there (another `make run`?)" in problem
    assert "Run: make run PORT=" in problem


def test_a_port_below_1024_or_a_foreign_host_gets_its_own_advice():
    if os.geteuid() != 0:  # root may listen anywhere
        assert "Run: make run PORT=8000" in run.port_problem("127.0.0.1", 80)
    problem = run.port_problem("192.0.2.1", free_port())  # TEST-NET-1: never this machine's
    assert "HOST=192.0.2.1 is not an address of this machine." in problem


# Serving --------------------------------------------------------------------------------------


def start(home: Path, port: int, **env) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "romvault.run", "--port", str(port)],
        cwd=config.BASE_DIR,
        env=environment(home, **env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # as a terminal's job: signals below go to it alone
    )


class Output:
    """A process's lines, collected by a thread so the test can wait for one."""

    def __init__(self, stream):
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream):
        for line in stream:
            self.lines.append(line.rstrip("\n"))

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, text: str, process: subprocess.Popen, timeout=90.0) -> int:
        """The index of the first line holding `text`."""

        def seen():
            found = [i for i, line in enumerate(self.lines) if text in line]
            assert found or process.poll() is None, self.text
            return found and found[0] + 1

        try:
            return wait_for(seen, timeout, repr(text)) - 1
        except AssertionError as exc:
            raise AssertionError(f"{exc}; the output:\n{self.text}") from None


def stop_with(process: subprocess.Popen, sig=signal.SIGINT, timeout=60) -> int:
    process.send_signal(sig)
    try:
        return process.wait(timeout=timeout)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)


def test_without_a_terminal_it_skips_the_questions_serves_and_stops_on_ctrl_c(tmp_path):
    port = free_port()
    process = start(tmp_path, port)
    output = Output(process.stdout)
    try:
        output.wait_for(f"romvault is up at http://127.0.0.1:{port}/", process)
        assert get(port, "/") == 302  # to the login page
        assert get(port, "/accounts/login/") == 200
    finally:
        code = stop_with(process)
    text = output.text
    assert code == 0, text
    assert "there is no terminal to ask on: skipping the set-up questions" in text
    assert "ROM folders" not in text  # setup's first question
    assert "Not scanning: ROM_DIRS is not set. Run `.venv/bin/python manage.py setup`" in text
    assert "username: admin" in text  # the first run's account
    assert text.rstrip().endswith("Stopped.")
    assert port_is_free(port)  # gunicorn is gone, workers included
    assert scrape_runs(tmp_path) == []


@pytest.fixture
def slow_igdb(tmp_path):
    """A library on a slow fake IGDB: a scrape is still identifying seconds later."""
    dataset = build_dataset(n_games=200, seed=3)
    library = tmp_path / "library"
    dataset.write_library(library)
    with FakeIGDB(dataset, latency=2.0) as fake:
        yield {"ROM_DIRS": str(library), **fake.settings()}


def test_the_site_answers_while_the_library_is_scraped_and_ctrl_c_stops_both(tmp_path, slow_igdb):
    port = free_port()
    process = start(tmp_path, port, **slow_igdb)
    output = Output(process.stdout)
    try:
        up = output.wait_for("romvault is up at", process)
        # The scrape starts once the site answers, and runs beside it.
        scanned = output.wait_for("scrape: Scan finished: ", process)
        assert up < scanned
        output.wait_for("scrape: IGDB: looking up", process)
        assert get(port, "/accounts/login/") == 200
        # Recorded as any scrape is, so the admin's panel shows it running.
        assert scrape_runs(tmp_path) == ["running"]
    finally:
        code = stop_with(process)
    text = output.text
    assert code == 0, text
    assert "Stopping the web server and the scrape (it keeps what it has saved)..." in text
    assert scrape_runs(tmp_path) == ["interrupted"]
    assert port_is_free(port)
    with sqlite3.connect(database(tmp_path)) as db:
        (games,) = db.execute("SELECT count(*) FROM catalog_game").fetchone()
    assert games > 100  # the scan's files are kept


# On a terminal ----------------------------------------------------------------------------------

# A session leader that opens a terminal gets it as its controlling terminal: then Ctrl-C typed
# on it reaches the run as it does in a shell, and setup's hidden prompt has a terminal to use.
ON_TERMINAL = (
    "import os, sys; os.close(os.open(os.ttyname(0), os.O_RDWR)); "
    "os.execv(sys.executable, [sys.executable, '-m', 'romvault.run', *sys.argv[1:]])"
)


class Terminal:
    """A pseudo-terminal with the run on it: read what it shows, type into it."""

    def __init__(self, home: Path, port: int):
        self.master, slave = pty.openpty()
        self.process = subprocess.Popen(
            [sys.executable, "-c", ON_TERMINAL, "--port", str(port)],
            cwd=config.BASE_DIR,
            env=environment(home, TERM="dumb"),
            stdin=slave,
            stdout=slave,
            stderr=slave,
            start_new_session=True,
        )
        os.close(slave)
        self.shown = ""

    def expect(self, text: str, timeout=90.0) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.shown:
            left = deadline - time.monotonic()
            assert left > 0, f"waited for {text!r}; the terminal shows:\n{self.shown}"
            ready, _, _ = select.select([self.master], [], [], min(left, 1.0))
            if ready:
                try:
                    self.shown += os.read(self.master, 65536).decode(errors="replace")
                except OSError:  # the run ended and closed the terminal
                    assert text in self.shown, self.shown
            elif self.process.poll() is not None:
                assert text in self.shown, self.shown

    def type(self, text: str) -> None:
        os.write(self.master, text.encode())

    def close(self):
        # SIGTERM first: the run stops gunicorn and the scrape, which are in process groups of
        # their own that a kill of the run's group would not reach.
        stop_with(self.process, signal.SIGTERM)
        os.close(self.master)


def test_on_a_terminal_it_asks_for_the_folders_then_serves_and_scans_them(tmp_path):
    library = tmp_path / "games"
    library.mkdir()
    for name in ["Doom (1993).zip", "Commander Keen 4 (1991).zip", "Dune II (1992).zip"]:
        (library / name).write_bytes(b"x")
    port = free_port()
    terminal = Terminal(tmp_path, port)
    try:
        terminal.expect("Nothing is configured yet: where are your games?")
        terminal.expect("ROM folders, comma-separated [none]: ")
        terminal.type(f"{library}\r")
        terminal.expect("IGDB (Twitch) client id [not set]: ")
        terminal.type("\r")
        terminal.expect("IGDB (Twitch) client secret [not set]: ")
        terminal.type("\r")
        terminal.expect("Database URL [SQLite in ")
        terminal.type("\r")
        terminal.expect("Saved ROM_DIRS in")
        terminal.expect(f"romvault is up at http://127.0.0.1:{port}/")
        terminal.expect("scrape: Scan finished: 3 files seen, 3 new")
        terminal.expect("The scrape finished; romvault keeps serving. Ctrl-C stops it.")
        assert get(port, "/accounts/login/") == 200
        terminal.type("\x03")  # Ctrl-C
        terminal.expect("Stopped.")
        assert terminal.process.wait(timeout=60) == 0
    finally:
        terminal.close()
    saved = config.parse_env_file(tmp_path / "config" / "romvault" / "romvault.env")
    assert saved["ROM_DIRS"] == str(library)
    assert scrape_runs(tmp_path) == ["succeeded"]
    assert port_is_free(port)
