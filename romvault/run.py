"""`make run`: from a fresh clone to a page in the browser in seconds, the library filling in
behind it.

The Makefile calls this twice. First `--check-port` with the system Python, before the venv is
built: a taken port is reported in a second, not after minutes of installing, migrating and
scanning that would end in gunicorn's five "Connection in use" retries. Then, with the venv's
Python, the run itself: the set-up questions when nothing is configured and a person is there
to answer them, migrations, the first admin account, static files, gunicorn, and once it
answers, `manage.py scrape` beside it. That scrape is an ordinary command-line run, so it records
itself as a ScrapeRun and the admin's scrape panel shows its progress like any other; here its
lines are printed with a "scrape:" prefix. Ctrl-C (or SIGTERM) stops both: the scrape saves the
batch in hand and is recorded as interrupted, gunicorn finishes the requests it is serving.

Standard library only (and romvault.config, which is too): the port check runs before Django
is installed.
"""

import argparse
import contextlib
import errno
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from romvault import config

MANAGE = str(config.BASE_DIR / "manage.py")
# How long gunicorn may take to answer its first request before the run gives up on it.
START_TIMEOUT = 60.0
# How long the server and the scrape get to stop after Ctrl-C before they are killed: gunicorn
# lets running requests finish (GUNICORN_GRACEFUL_TIMEOUT, 30 s by default).
STOP_TIMEOUT = 40.0
# How many ports after a taken one are tried for a suggestion.
SUGGESTIONS = 20


# The port ---------------------------------------------------------------------------------------


def _is_ipv6(host: str) -> bool:
    return ":" in host


def bind_address(host: str, port: int) -> str:
    """gunicorn's BIND: an IPv6 address goes in brackets."""
    return f"[{host}]:{port}" if _is_ipv6(host) else f"{host}:{port}"


def _bind_error(host: str, port: int) -> OSError | None:
    # The socket gunicorn will open: the same family and SO_REUSEADDR, so a port whose last
    # connections linger in TIME_WAIT counts as free, as it is for gunicorn.
    family = socket.AF_INET6 if _is_ipv6(host) else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            return exc
    return None


def client_address(host: str, port: int) -> str:
    """Where a browser on this machine reaches a server listening on host:port."""
    loopback = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}  # noqa: S104
    return bind_address(loopback.get(host, host), port)


def _is_romvault(host: str, port: int) -> bool:
    """Whether what listens there answers /healthz as romvault does."""
    url = f"http://{client_address(host, port)}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.read(16) == b"ok\n"
    except (OSError, ValueError):
        return False


def port_problem(host: str, port: int, target: str = "run") -> str | None:
    """Why gunicorn could not listen on host:port (with the `make <target>` to type instead),
    or None."""
    error = _bind_error(host, port)
    if error is None:
        return None
    if error.errno == errno.EADDRINUSE:
        who = (
            "romvault is already running there (another `make run`?)"
            if _is_romvault(host, port)
            else "another romvault or another program listens there"
        )
        free = next(
            (p for p in range(port + 1, port + 1 + SUGGESTIONS) if _bind_error(host, p) is None),
            None,
        )
        advice = f"Run: make {target} PORT={free}" if free else "Stop it, or choose another PORT."
        return f"Port {port} on {host} is in use: {who}. {advice}"
    if error.errno == errno.EACCES:
        return (
            f"Port {port} needs administrator rights (ports below 1024 do). "
            f"Run: make {target} PORT=8000"
        )
    if error.errno == errno.EADDRNOTAVAIL or isinstance(error, socket.gaierror):
        return (
            f"HOST={host} is not an address of this machine. Run: make {target} HOST=127.0.0.1 "
            "(this machine only) or HOST=0.0.0.0 (every network)"
        )
    return f"Cannot listen on {bind_address(host, port)}: {error.strerror or error}."


# Set-up -----------------------------------------------------------------------------------------


def configured() -> dict[str, str]:
    """The settings as Django will read them: the environment, then .env, then the config file."""
    return config.layered_environ(os.environ, [config.dotenv_file(), config.config_file()])


def nothing_configured(values: dict[str, str]) -> bool:
    igdb = values.get("IGDB_CLIENT_ID") and values.get("IGDB_SECRET_KEY")
    return not values.get("ROM_DIRS", "").strip() and not igdb


def say(line: str = "") -> None:
    # One write: gunicorn's log lines go to the same terminal and must not split ours.
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def manage(*args: str) -> None:
    """A management command in the foreground; its failure ends the run with its exit code."""
    code = subprocess.call([sys.executable, MANAGE, *args], cwd=config.BASE_DIR)
    if code:
        raise SystemExit(code)


def ask_for_settings() -> None:
    values = configured()
    if not nothing_configured(values):
        return
    if not sys.stdin.isatty():
        say(
            "Nothing is configured yet (no ROM_DIRS, no IGDB credentials), and there is no "
            "terminal to ask on: skipping the set-up questions. Run `.venv/bin/python manage.py "
            "setup` when you are ready."
        )
        return
    say("Nothing is configured yet: where are your games? (Enter skips a question.)")
    # Its own exit codes are its own business: a value refused or questions left unanswered
    # leave the settings as they were, and the site starts anyway.
    code = subprocess.call([sys.executable, MANAGE, "setup"], cwd=config.BASE_DIR)
    if code:
        say("Set-up not saved; romvault starts without it. `.venv/bin/python manage.py setup`")
        say("asks again.")


# Serving and scraping ---------------------------------------------------------------------------


class Stop(Exception):
    """Ctrl-C, SIGTERM or SIGHUP while serving."""


def _raise_stop(signum, frame):
    raise Stop


def wait_until_answering(server: subprocess.Popen, host: str, port: int) -> bool:
    """True once the server answers a request; False if it exits first or takes too long."""
    url = f"http://{client_address(host, port)}/healthz"
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline and server.poll() is None:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return True
        except urllib.error.HTTPError:
            return True  # an answer all the same (a Host outside ALLOWED_HOSTS gets a 400)
        except OSError:
            time.sleep(0.1)
    return False


def start_scrape() -> subprocess.Popen:
    """`manage.py scrape` in its own process group (the terminal's Ctrl-C reaches only this
    run, which stops the scrape itself), its lines printed with a prefix by a thread."""
    scrape = subprocess.Popen(
        [sys.executable, MANAGE, "scrape"],
        cwd=config.BASE_DIR,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        process_group=0,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
        text=True,
        errors="replace",
    )

    def relay():
        for line in scrape.stdout:
            say(f"scrape: {line.rstrip()}")

    scrape.relay = threading.Thread(target=relay, name="scrape-output", daemon=True)
    scrape.relay.start()
    return scrape


def stop(processes: list[subprocess.Popen]) -> None:
    """SIGTERM to each, then wait; what has not ended by STOP_TIMEOUT is killed. A second
    Ctrl-C kills at once."""
    running = [p for p in processes if p.poll() is None]
    for process in running:
        process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    try:
        for process in running:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
    except Stop:
        say("Stopping at once.")
    for process in running:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)  # its group: gunicorn's workers too
            process.wait()


def serve(host: str, port: int) -> int:
    started = time.monotonic()
    manage("collectstatic", "--noinput", "--verbosity", "0")
    processes = []
    # From here on every process started is in the list that Ctrl-C stops.
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        signal.signal(getattr(signal, name), _raise_stop)
    try:
        # As `make serve` calls it: gunicorn.conf.py holds the worker model and names the app.
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py"],
            cwd=config.BASE_DIR,
            env=dict(os.environ, BIND=bind_address(host, port)),
            process_group=0,  # Ctrl-C reaches this run, which stops gunicorn once
        )
        processes.append(server)
        if not wait_until_answering(server, host, port):
            say("The web server did not start: see its lines above.")
            if server.poll() is not None and (problem := port_problem(host, port)):
                say(problem)
            stop(processes)
            return server.returncode or 1
        say(
            f"\nromvault is up at http://{client_address(host, port)}/ "
            f"({time.monotonic() - started:.1f} s); the admin is at /admin/. Ctrl-C stops it.\n"
        )
        scrape = None
        if nothing_configured(configured()):
            say(
                "Not scanning: ROM_DIRS is not set. Run `.venv/bin/python manage.py setup`, "
                "then the admin's Scrape runs page scans (or `make run` again)."
            )
        else:
            say("Scanning the library in the background; games appear as they are found.")
            scrape = start_scrape()
            processes.append(scrape)
        while server.poll() is None:
            if scrape is not None and scrape.poll() is not None:
                scrape.relay.join(timeout=5)  # its last lines first
                outcome = "finished" if scrape.returncode == 0 else "stopped with an error"
                say(f"The scrape {outcome}; romvault keeps serving. Ctrl-C stops it.")
                scrape = None
            time.sleep(0.2)
        say("The web server stopped.")
        stop(processes)
        return server.returncode or 1
    except Stop:
        scraping = any(p.poll() is None for p in processes[1:])
        what = " and the scrape (it keeps what it has saved)" if scraping else ""
        say(f"\nStopping the web server{what}...")
        stop(processes)
        say("Stopped.")
        return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m romvault.run", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument(
        "--check-port", action="store_true", help="only check that the port is free"
    )
    parser.add_argument("--target", default="run", help="the make target to advise (run)")
    args = parser.parse_args(argv)
    if problem := port_problem(args.host, args.port, args.target):
        print(problem, file=sys.stderr, flush=True)
        return 1
    if args.check_port:
        return 0
    try:
        ask_for_settings()
        manage("migrate", "--noinput")
        manage("createadmin")
    except KeyboardInterrupt:
        say("\nInterrupted.")
        return 130
    return serve(args.host, args.port)


if __name__ == "__main__":
    sys.exit(main())
