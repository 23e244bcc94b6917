"""Scrape runs: how `scrape` records its progress, and how the admin starts one in the background.

The command writes its own ScrapeRun row (so command-line runs show in the admin too): created
once it holds the lock, its phase and counts updated at most once a second (one small UPDATE in
its own transaction, so the web server never waits behind it), its summary and status at the end.

The admin never scrapes in the web worker: it takes the lock under a placeholder, starts
`manage.py scrape` as a separate, detached process and hands the lock over to it. Taking the lock
first is what makes two clicks at once start a single scrape.
"""

import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from scraper.models import ScrapeLock, ScrapeRun, this_process

# Logs of scrapes started from the admin kept in DATA_DIR/logs, newest first.
KEEP_LOGS = 20

# How often the command writes its progress to the database, at most.
PROGRESS_EVERY = 1.0


class Recorder:
    """The ScrapeRun row of the running command."""

    def __init__(self, holder: str, triggered_by: int | None = None):
        # Whoever ran before us while holding the lock is gone (we hold it now).
        ScrapeRun.objects.running().update(
            status=ScrapeRun.Status.INTERRUPTED, finished_at=timezone.now()
        )
        self.run = ScrapeRun.objects.create(holder=holder, triggered_by_id=triggered_by)
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


@dataclass
class Started:
    pid: int
    log: Path


def start_in_background(user=None) -> Started | ScrapeLock:
    """Start `manage.py scrape` as its own process; returns it, or the lock when a scrape is
    running already (nothing is started then)."""
    placeholder = f"{this_process()}:{uuid.uuid4().hex}"  # one per click, even in one thread
    held = ScrapeLock.acquire(placeholder)
    if held is not None:
        return held
    try:
        logs = Path(settings.DATA_DIR) / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        prune_logs(logs, KEEP_LOGS - 1)
        log = logs / f"scrape-{timezone.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}.log"
        command = [sys.executable, str(settings.BASE_DIR / "manage.py"), "scrape"]
        command += ["--claimed-by", placeholder]
        if user is not None:
            command += ["--triggered-by", str(user.pk)]
        with open(log, "ab") as out:
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


def prune_logs(folder: Path, keep: int) -> None:
    """Delete all but the newest `keep` scrape logs (their names sort by time)."""
    for old in sorted(folder.glob("scrape-*.log"), reverse=True)[keep:]:
        old.unlink(missing_ok=True)


def latest() -> ScrapeRun | None:
    return ScrapeRun.objects.select_related("triggered_by").first()
