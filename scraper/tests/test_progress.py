"""The progress bar of `scrape` (scraper/progress.py)."""

from io import StringIO

from django.core.management.base import OutputWrapper

from scraper.progress import Progress


class Terminal(StringIO):
    def isatty(self):
        return True


def test_a_terminal_sees_one_bar_redrawn_in_place_ending_with_a_newline():
    out = Terminal()
    progress = Progress(OutputWrapper(out))
    for done in range(1, 101):
        progress("write", done, 100)
    text = out.getvalue()
    assert text.startswith("\r\033[KSaving new files [") and text.endswith("] 100/100\n")
    assert text.count("\n") == 1
    assert text.rsplit("\r\033[K", 1)[1] == f"Saving new files [{'#' * 30}] 100/100\n"


def test_a_log_gets_plain_lines_only_now_and_then_and_the_last_one():
    out = StringIO()
    progress = Progress(OutputWrapper(out))
    for done in range(1, 10_001):
        progress("walk", done, None)
    progress("walk", 10_000, 10_000)
    assert out.getvalue().splitlines() == [
        "Scanning folders: 1 files",
        f"Scanning folders [{'#' * 30}] 10,000/10,000",
    ]


def test_a_half_done_phase_shows_a_half_filled_bar():
    assert Progress.line("identify", 50, 100) == (
        f"Identifying on IGDB [{'#' * 15}{'.' * 15}] 50/100"
    )


def test_quiet_progress_prints_nothing():
    out = Terminal()
    progress = Progress(OutputWrapper(out), enabled=False)
    progress("write", 100, 100)
    assert out.getvalue() == ""
