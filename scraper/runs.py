"""Scrape runs: the lifecycle of a scrape, how it records its progress, and how the admin starts
one in the background.

`scrape_run()` is how every scrape runs: it holds the lock, turns SIGTERM and Ctrl-C into a stop
flag, and writes the run's own ScrapeRun row (so command-line runs show in the admin too):
created once it holds the lock, its phase and counts updated at most once a second (one small
UPDATE in its own transaction, so the web server never waits behind it), its summary and status
at the end.

The admin never scrapes in the web worker: it takes the lock under a placeholder, starts
`manage.py scrape` as a separate, detached process and hands the lock over to it. Taking the lock
first is what makes two clicks at once start a single scrape.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from romvault import datadir
from scraper.models import ScrapeLock, ScrapeRun, this_process

# Logs of scrapes started from the admin kept in DATA_DIR/logs, newest first.
KEEP_LOGS = 20
LOG_NAME = re.compile(r"scrape-[0-9]{8}-[0-9]{6}-[0-9a-f]{6}\.log")

# The switches of `scrape` a scrape started from the admin may take.
BACKGROUND_FLAGS = {"--retry", "--refresh", "--hash", "--images"}

# How often the command writes its progress to the database, at most.
PROGRESS_EVERY = 1.0

# How often a running scrape tells its lock it is alive, at most (see models.STALE_AFTER).
HEARTBEAT_EVERY = 10.0


class Recorder:
    """The ScrapeRun row of the running command."""

    def __init__(self, holder: str, triggered_by: int | None = None, log: str = ""):
        # Whoever ran before us while holding the lock is gone (we hold it now).
        ScrapeRun.objects.running().update(
            status=ScrapeRun.Status.INTERRUPTED, finished_at=timezone.now()
        )
        self.run = ScrapeRun.objects.create(holder=holder, triggered_by_id=triggered_by, log=log)
        self.summary: list[str] = []
        self._last = 0.0
        self._phase = ""

    def progress(self, phase: str, done: int, total: int | None) -> None:
        now = time.monotonic()
        final = total is not None and done >= total
        if phase == self._phase and not final and now - self._last < PROGRESS_EVERY:
            return
        self._last, self._phase = now, phase
        ScrapeRun.objects.filter(pk=self.run.pk).update(phase=phase, done=done, total=total)

    def note(self, line: str) -> None:
        """A line of the summary (each phase's result), saved at once."""
        self.summary.append(line)
        ScrapeRun.objects.filter(pk=self.run.pk).update(summary="\n".join(self.summary))

    def finish(self, status: str, error: str = "") -> None:
        ScrapeRun.objects.filter(pk=self.run.pk).update(
            status=status,
            error=error,
            summary="\n".join(self.summary),
            finished_at=timezone.now(),
        )


class ScrapeBusy(Exception):
    """Another scrape holds the lock."""

    def __init__(self, lock: ScrapeLock):
        self.lock = lock
        super().__init__(
            f"Another scrape is running ({lock.holder}, started "
            f"{lock.acquired_at:%Y-%m-%d %H:%M:%S %Z}). Wait for it to finish; a crashed "
            "run's lock is taken over automatically."
        )


class Run:
    """A scrape in progress: its stop flag, and where its progress and summary go."""

    def __init__(self, holder: str):
        self.holder = holder
        self.stop = threading.Event()
        self.recorder: Recorder | None = None
        self._last_beat = time.monotonic()

    @property
    def stopped(self) -> bool:
        return self.stop.is_set()

    def progress(self, phase: str, done: int, total: int | None) -> None:
        if self.recorder:
            self.recorder.progress(phase, done, total)
        if time.monotonic() - self._last_beat > HEARTBEAT_EVERY:
            ScrapeLock.heartbeat(self.holder)
            self._last_beat = time.monotonic()

    def note(self, line: str) -> None:
        """A line of the run's summary."""
        if self.recorder:
            self.recorder.note(line)


@contextmanager
def scrape_run(
    *, claimed_by: str = "", triggered_by: int | None = None, record: bool = True, log: str = ""
) -> Iterator[Run]:
    """Run a scrape: hold the lock, record the run (unless record is false), and stop on
    SIGTERM or Ctrl-C.

    Raises ScrapeBusy when another scrape holds the lock. The block's phases pass `run.stop` on
    and end early once it is set; a Ctrl-C that still arrives as KeyboardInterrupt sets it too
    and ends the block. Either way the run is recorded as interrupted and the caller sees
    `run.stopped`. An exception is recorded as the run's error and raised.

    claimed_by: the placeholder under which the admin took the lock for this process.
    log: the name of the file in DATA_DIR/logs its output goes to, if any."""
    holder = this_process()
    held = ScrapeLock.acquire(holder, claimed_by=claimed_by)
    if held is not None:
        raise ScrapeBusy(held)
    run = Run(holder)
    status, error = ScrapeRun.Status.FAILED, ""
    try:
        with _stop_on_signals(run.stop):
            if record:
                run.recorder = Recorder(holder, triggered_by, log)
            try:
                yield run
            except KeyboardInterrupt:
                run.stop.set()
        status = ScrapeRun.Status.INTERRUPTED if run.stopped else ScrapeRun.Status.SUCCEEDED
    except KeyboardInterrupt:
        status = ScrapeRun.Status.INTERRUPTED
        raise
    except Exception as exc:
        error = str(exc) or type(exc).__name__
        raise
    finally:
        try:
            if run.recorder:
                run.recorder.finish(status, error)
        finally:
            ScrapeLock.release(holder)


@contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """SIGTERM and a first Ctrl-C set `stop`: the batch in hand is saved and the run ends. A
    second Ctrl-C does what it did before (raise KeyboardInterrupt). Only the main thread may
    handle signals: elsewhere the caller sets `stop` itself."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous_int = signal.getsignal(signal.SIGINT)

    def on_term(signum, frame):
        stop.set()

    def on_int(signum, frame):
        stop.set()
        signal.signal(signal.SIGINT, previous_int)

    # Not when Ctrl-C is ignored (started in the background) or handled outside Python.
    catch_int = previous_int not in (signal.SIG_IGN, None)
    previous_term = signal.signal(signal.SIGTERM, on_term)
    if catch_int:
        signal.signal(signal.SIGINT, on_int)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous_term)
        if catch_int:
            signal.signal(signal.SIGINT, previous_int)


@dataclass
class Started:
    pid: int
    log: Path


def start_in_background(user=None, flags: list[str] | tuple[str, ...] = ()) -> Started | ScrapeLock:
    """Start `manage.py scrape` (with these of its switches, e.g. "--retry") as its own process;
    returns it, or the lock when a scrape is running already (nothing is started then)."""
    if unknown := set(flags) - BACKGROUND_FLAGS:
        raise ValueError(f"not a switch a background scrape takes: {sorted(unknown)}")
    placeholder = f"{this_process()}:{uuid.uuid4().hex}"  # one per click, even in one thread
    held = ScrapeLock.acquire(placeholder)
    if held is not None:
        return held
    try:
        logs = Path(settings.DATA_DIR) / "logs"
        logs.mkdir(mode=datadir.FOLDER_MODE, parents=True, exist_ok=True)
        prune_logs(logs, KEEP_LOGS - 1)
        log = logs / f"scrape-{timezone.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}.log"
        command = [sys.executable, str(settings.BASE_DIR / "manage.py"), "scrape"]
        command += [*flags, "--claimed-by", placeholder, "--log-name", log.name]
        if user is not None:
            command += ["--triggered-by", str(user.pk)]
        with open(log, "ab", opener=datadir.private_opener) as out:
            process = subprocess.Popen(
                command,
                cwd=settings.BASE_DIR,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a restart of the web server does not stop the scrape
                env=dict(os.environ, PYTHONUNBUFFERED="1"),
            )
    except BaseException:
        ScrapeLock.release(placeholder)
        raise
    # The process's own pid from now on: if it dies, the lock is seen free at once.
    ScrapeLock.hand_over(placeholder, f"{socket.gethostname()}:{process.pid}")
    # Reap it when it ends, or a killed scrape would linger as a zombie that looks alive.
    threading.Thread(target=process.wait, name=f"reap-{process.pid}", daemon=True).start()
    return Started(pid=process.pid, log=log)


def log_path(run: ScrapeRun) -> Path | None:
    """Where a run's output is, if it was started here and its log is still kept."""
    if not LOG_NAME.fullmatch(run.log):  # the record names a file in the logs folder, no path
        return None
    path = Path(settings.DATA_DIR) / "logs" / run.log
    return path if path.is_file() else None


class NotStopped(Exception):
    """The scrape cannot be stopped from here; the message says why and what to do."""


def stop(run: ScrapeRun) -> None:
    """Ask a running scrape to stop: SIGTERM, which its process turns into its stop flag (see
    _stop_on_signals), so it saves the batch in hand and records itself as interrupted."""
    lock = ScrapeLock.current()
    # Only while its process holds the lock: once it has ended, its pid may be another's.
    if run.status != ScrapeRun.Status.RUNNING or lock is None or lock.holder != run.holder:
        raise NotStopped("This scrape is not running any more.")
    host, _, pid = run.holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        raise NotStopped(
            f"This scrape runs on {host}: stop it there (kill -TERM {pid}), or wait for it."
        )
    try:
        os.kill(int(pid), signal.SIGTERM)
    except ProcessLookupError:
        raise NotStopped("This scrape is not running any more.") from None
    except PermissionError:  # another user's process (a scrape run by hand as root, say)
        raise NotStopped(
            f"This scrape (process {pid}) belongs to another user: stop it as that user "
            f"(kill -TERM {pid})."
        ) from None


def prune_logs(folder: Path, keep: int) -> None:
    """Delete all but the newest `keep` scrape logs (their names sort by time)."""
    for old in sorted(folder.glob("scrape-*.log"), reverse=True)[keep:]:
        old.unlink(missing_ok=True)


def latest() -> ScrapeRun | None:
    return ScrapeRun.objects.select_related("triggered_by").first()
