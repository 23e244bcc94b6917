"""How `scrape` records its runs (ScrapeRun), which the admin shows."""

import os
import signal
import socket
import threading
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from scraper import runs
from scraper.models import ScrapeLock, ScrapeRun, this_process
from scraper.scan import Scanner
from scraper.tests.test_lock import dead_pid

pytestmark = pytest.mark.django_db
HOST = socket.gethostname()


@pytest.fixture
def rom_dir(tmp_path, settings):
    settings.IGDB_CLIENT_ID = ""  # scan only
    root = tmp_path / "roms"
    root.mkdir()
    for name in ["Doom (1993).zip", "Commander Keen 4 (1991).zip", "Dune II (1992).zip"]:
        (root / name).write_bytes(b"x")
    return root


def scrape(*args):
    call_command("scrape", *map(str, args), stdout=StringIO(), stderr=StringIO())


def test_a_scrape_records_its_progress_summary_and_success(rom_dir):
    scrape(rom_dir)
    run = ScrapeRun.objects.get()
    assert run.status == run.shown_status == ScrapeRun.Status.SUCCEEDED
    assert run.holder == this_process() and run.finished_at >= run.started_at
    assert (run.phase, run.done, run.total) == ("write", 3, 3)
    assert run.summary.startswith("Scan finished: 3 files seen, 3 new")
    assert "IGDB metadata is off" in run.summary
    assert not ScrapeLock.current()


def test_a_failing_scrape_is_recorded_as_failed_with_its_message(rom_dir):
    with pytest.raises(CommandError):
        scrape(rom_dir / "nowhere")
    run = ScrapeRun.objects.get()
    assert run.status == ScrapeRun.Status.FAILED
    assert "nowhere does not exist" in run.error


def test_an_interrupted_scrape_is_recorded_as_interrupted(rom_dir, monkeypatch):
    def interrupted(self):
        raise KeyboardInterrupt

    monkeypatch.setattr(Scanner, "run", interrupted)
    with pytest.raises(CommandError) as caught:
        scrape(rom_dir)
    assert caught.value.returncode == 130
    assert ScrapeRun.objects.get().status == ScrapeRun.Status.INTERRUPTED


def test_ctrl_c_stops_the_scan_at_a_batch_boundary_and_the_run_ends_as_interrupted(
    rom_dir, monkeypatch
):
    scan = Scanner.run

    def ctrl_c_then_scan(self):
        os.kill(os.getpid(), signal.SIGINT)
        return scan(self)

    monkeypatch.setattr(Scanner, "run", ctrl_c_then_scan)
    with pytest.raises(CommandError, match="Interrupted: what was saved is kept") as caught:
        scrape(rom_dir)
    assert caught.value.returncode == 130
    run = ScrapeRun.objects.get()
    assert run.status == ScrapeRun.Status.INTERRUPTED and run.finished_at
    assert not ScrapeLock.current()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_scrape_refused_by_the_lock_records_nothing(rom_dir):
    ScrapeLock.acquire("otherhost:1234")
    with pytest.raises(CommandError, match="Another scrape is running"):
        scrape(rom_dir)
    assert not ScrapeRun.objects.exists()


def test_a_dry_run_records_nothing(rom_dir):
    scrape("--dry-run")
    assert not ScrapeRun.objects.exists()


def test_a_run_whose_process_died_shows_as_interrupted_and_the_next_scrape_closes_it(rom_dir):
    holder = f"{HOST}:{dead_pid()}"
    ScrapeLock.acquire(holder)
    run = ScrapeRun.objects.create(holder=holder)
    assert run.status == "running" and run.shown_status == "interrupted"
    scrape(rom_dir)
    run.refresh_from_db()
    assert run.status == "interrupted" and run.finished_at


def test_a_run_still_holding_the_lock_shows_as_running():
    ScrapeLock.acquire(f"{HOST}:1")  # pid 1 is alive
    run = ScrapeRun.objects.create(holder=f"{HOST}:1")
    assert run.shown_status == "running"


def test_progress_is_written_at_most_about_once_a_second(django_assert_max_num_queries):
    recorder = runs.Recorder(this_process())
    with django_assert_max_num_queries(3):  # the first, a new phase, the last
        for done in range(1, 10_001):
            recorder.progress("walk", done, None)
        for done in range(1, 10_001):
            recorder.progress("write", done, 10_000)
    run = ScrapeRun.objects.get()
    assert (run.phase, run.done, run.total) == ("write", 10_000, 10_000)


def test_only_the_newest_scrape_logs_are_kept(tmp_path):
    names = [f"scrape-20260101-0000{n:02}-abcdef.log" for n in range(25)]
    for name in [*names, "other.txt"]:
        (tmp_path / name).write_text("x")
    runs.prune_logs(tmp_path, 19)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*names[-19:], "other.txt"])


def test_scrape_run_refuses_to_start_while_another_scrape_holds_the_lock():
    ScrapeLock.acquire("otherhost:1234")
    busy = pytest.raises(runs.ScrapeBusy, match=r"Another scrape is running \(otherhost:1234")
    with busy, runs.scrape_run():
        pytest.fail("the block ran")
    assert not ScrapeRun.objects.exists()
    assert ScrapeLock.current().holder == "otherhost:1234"


def test_scrape_run_records_an_error_as_failed_and_releases_the_lock():
    with pytest.raises(ValueError, match="disk on fire"), runs.scrape_run() as run:
        run.note("Scan finished: 3 files seen")
        raise ValueError("disk on fire")
    record = ScrapeRun.objects.get()
    assert (record.status, record.error) == (ScrapeRun.Status.FAILED, "disk on fire")
    assert record.summary == "Scan finished: 3 files seen" and record.finished_at
    assert not ScrapeLock.current()


def test_scrape_run_ends_as_interrupted_once_its_stop_flag_is_set():
    with runs.scrape_run() as run:
        assert not run.stopped
        run.stop.set()
    assert run.stopped
    assert ScrapeRun.objects.get().status == ScrapeRun.Status.INTERRUPTED
    assert not ScrapeLock.current()


def test_sigterm_sets_the_stop_flag_instead_of_raising():
    before = signal.getsignal(signal.SIGTERM)
    with runs.scrape_run() as run:
        os.kill(os.getpid(), signal.SIGTERM)
        assert run.stop.wait(5)
    assert ScrapeRun.objects.get().status == ScrapeRun.Status.INTERRUPTED
    assert signal.getsignal(signal.SIGTERM) is before


def test_a_keyboard_interrupt_in_the_block_ends_it_as_interrupted_not_as_an_error():
    with runs.scrape_run() as run:
        raise KeyboardInterrupt
    assert run.stopped
    record = ScrapeRun.objects.get()
    assert (record.status, record.error) == (ScrapeRun.Status.INTERRUPTED, "")
    assert not ScrapeLock.current()


def test_scrape_run_succeeds_and_records_nothing_when_asked_not_to():
    with runs.scrape_run(record=False) as run:
        run.progress("walk", 10, None)
        run.note("kept nowhere")
    assert not run.stopped
    assert not ScrapeRun.objects.exists() and not ScrapeLock.current()


@pytest.mark.django_db(transaction=True)
def test_scrape_run_may_run_outside_the_main_thread_and_is_stopped_by_its_flag():
    before = signal.getsignal(signal.SIGTERM)
    seen = {}

    def scheduled():
        try:
            with runs.scrape_run() as run:
                seen["handler"] = signal.getsignal(signal.SIGTERM)
                run.stop.set()
        finally:
            connection.close()

    thread = threading.Thread(target=scheduled)
    thread.start()
    thread.join(10)
    assert seen == {"handler": before}  # signals are the main thread's
    assert ScrapeRun.objects.get().status == ScrapeRun.Status.INTERRUPTED
    assert not ScrapeLock.current()


def test_a_scrape_with_no_folders_and_igdb_off_is_recorded_as_nothing_to_do(settings):
    settings.ROM_DIRS, settings.IGDB_CLIENT_ID = [], ""
    out = StringIO()
    call_command("scrape", stdout=out, stderr=StringIO())
    run = ScrapeRun.objects.get()
    assert run.status == ScrapeRun.Status.NOTHING_TO_DO
    assert run.shown_status == "nothing to do"
    # The reasons, each with its fix, are the run's summary.
    assert "ROM_DIRS is not set: nothing to scan" in run.summary
    assert "IGDB metadata is off" in run.summary
    assert "Nothing to do: no folders to scan and IGDB is off." in out.getvalue()


def test_a_scrape_with_only_igdb_on_is_not_nothing_to_do(settings, fake_igdb):
    settings.ROM_DIRS = []
    scrape()  # an empty library, but IGDB was asked what there was to ask
    assert ScrapeRun.objects.get().status == ScrapeRun.Status.SUCCEEDED
