"""How `scrape` records its runs (ScrapeRun), which the admin shows."""

import socket
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

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
