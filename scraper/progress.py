"""The progress bar of `scrape`: redrawn in place on a terminal, a plain line now and then
otherwise (a log file, the admin's background run)."""

import time

from scraper.models import PHASE_LABELS

WIDTH = 30


class Progress:
    def __init__(self, stream, enabled: bool = True):
        self.stream = stream
        self.enabled = enabled
        self.tty = enabled and getattr(stream, "isatty", lambda: False)()
        self.last = 0.0

    def __call__(self, phase: str, done: int, total: int | None) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        final = total is not None and done >= total
        if not final and now - self.last < (0.1 if self.tty else 5):
            return
        self.last = now
        line = self.line(phase, done, total)
        if self.tty:
            self.stream.write("\r\033[K" + line + ("\n" if final else ""), ending="")
            self.stream.flush()
        else:
            self.stream.write(line)

    @staticmethod
    def line(phase: str, done: int, total: int | None) -> str:
        label = PHASE_LABELS.get(phase, phase)
        if not total:
            return f"{label}: {done:,} files"
        filled = int(WIDTH * done / total)
        return f"{label} [{'#' * filled}{'.' * (WIDTH - filled)}] {done:,}/{total:,}"
