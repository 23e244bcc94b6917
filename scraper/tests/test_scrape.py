"""`manage.py scrape` end to end: real files, real HTTP to the fake IGDB, the real database."""

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings as settings_module
from django.core.management import CommandError, call_command

from catalog.models import KEPT_SIZES, Game, Image, Rom
from fake_igdb import FakeIGDB
from romvault import config
from scraper import images, pipeline
from scraper.igdb import IGDBClient
from scraper.models import ScrapeLock

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake(fake_igdb):
    return fake_igdb


def scrape(*args, **kwargs):
    out, err = StringIO(), StringIO()
    call_command("scrape", *map(str, args), stdout=out, stderr=err, **kwargs)
    return out.getvalue(), err.getvalue()


def outcome(dataset, root):
    """filename -> the IGDB id its game ended with."""
    names = {entry.filename for entry in dataset.library}
    return {
        os.path.basename(path): igdb_id
        for path, igdb_id in Rom.objects.values_list("path", "game__igdb_id")
        if os.path.basename(path) in names
    }


def test_scrape_identifies_the_library_and_stores_metadata(fake, library_dir, dataset):
    out, _ = scrape(library_dir)
    assert "IGDB finished" in out and "0 429s received" in out
    got = outcome(dataset, library_dir)
    right = sum(got[e.filename] == e.expected_id for e in dataset.library)
    wrong = sum(got[e.filename] not in (None, e.expected_id) for e in dataset.library)
    assert right / len(dataset.library) >= 0.95, (right, wrong)
    assert wrong <= 1
    matched = Game.objects.filter(match_status="matched").first()
    assert matched.igdb_url and matched.scraped_at
    assert matched.genres.exists() or matched.companies.exists()
    assert fake.stats.rate_limited == 0


def test_a_second_scrape_sends_no_request(fake, library_dir):
    scrape(library_dir)
    fake.reset_stats()
    out, _ = scrape(library_dir)
    assert "nothing to look up" in out or "no new game to look up" in out
    assert fake.stats.requests == fake.stats.by_endpoint.get("multiquery", 0)
    assert Game.objects.filter(match_status="unmatched").count() == 0


def test_a_rerun_with_unmatched_games_says_how_many_and_how_to_retry_them(fake, library_dir):
    scrape(library_dir)
    # Games the last scrape could not match confidently (here: two matched ones, undone).
    Game.objects.filter(pk__in=Game.objects.filter(match_status="matched").values("pk")[:2]).update(
        match_status="no_match", igdb_id=None
    )
    unmatched = pipeline.retryable().count()
    assert unmatched >= 2
    out, _ = scrape(library_dir)
    assert "every game is identified already" not in out
    assert f"{unmatched} games had no confident match" in out and "scrape --retry" in out
    out, _ = scrape(library_dir, "--retry")
    assert f"IGDB: looking up {unmatched} games." in out
    assert pipeline.retryable().count() < unmatched


def kept_files(media):
    return sorted(str(p.relative_to(media)) for p in media.rglob("*.jpg"))


def test_scrape_keeps_every_shown_size_of_covers_and_screenshots_by_default(fake, library_dir):
    media = fake_media = Path(settings_module.MEDIA_ROOT)
    out, _ = scrape(library_dir)
    images = Image.objects.filter(kind__in=["cover", "screenshot"])
    assert images.exists() and not images.exclude(file__startswith="igdb/t_").exists()
    expected = sorted(
        f"igdb/t_{size}/{image_id}.jpg"
        for kind, image_id in set(images.values_list("kind", "image_id"))
        for size in KEPT_SIZES[kind]
    )
    assert kept_files(media) == expected
    cover = images.filter(kind="cover").first()
    assert cover.file.name == f"igdb/t_cover_big/{cover.image_id}.jpg"
    assert (fake_media / cover.file.name).read_bytes()[:2] == b"\xff\xd8"  # a JPEG
    screenshot = images.filter(kind="screenshot").first()
    assert screenshot.file.name == f"igdb/t_screenshot_med/{screenshot.image_id}.jpg"
    assert f"Images: {len(expected):,} downloaded, 0 failed" in out
    # No 1080p for a phone's grid: only the sizes pages show were asked for.
    assert set(fake.stats.images) == {"cover_big", "screenshot_med", "screenshot_huge"}
    # Once each: a second run asks IGDB for nothing.
    fake.reset_stats()
    out, _ = scrape(library_dir, "--images")
    assert "0 downloaded, 0 failed" in out
    assert fake.stats.images == {}
    # A host without the files (another app server, a backup restored without media/) gets
    # them with its next scrape, though the rows say they are kept.
    removed = media / f"igdb/t_screenshot_huge/{screenshot.image_id}.jpg"
    removed.unlink()
    out, _ = scrape(library_dir)
    assert "Images: 1 downloaded, 0 failed" in out and removed.exists()


def test_no_images_or_the_setting_keeps_none_and_pages_use_igdb(fake, library_dir, settings):
    out, _ = scrape(library_dir, "--no-images")
    assert "Images:" not in out
    assert not Image.objects.exclude(file="").exists()
    assert not Path(settings.MEDIA_ROOT).exists()
    settings.SCRAPE_IMAGES = False
    out, _ = scrape(library_dir, "--retry")
    assert "Images:" not in out
    out, _ = scrape(library_dir, "--images")  # the flag wins over the setting
    assert "0 failed" in out and not Image.objects.filter(file="", kind="cover").exists()


def test_a_hostile_image_id_is_one_failed_image_not_the_end_of_the_run(fake, library_dir):
    media = Path(settings_module.MEDIA_ROOT)
    scrape(library_dir, "--no-images")
    cover = Image.objects.filter(kind="cover").first()
    # A row stored before the importer checked ids; the fake answers its URL (the client drops
    # the ".." segment) with a real image.
    Image.objects.create(
        game=cover.game, kind="screenshot", image_id=f"../t_cover_big/{cover.image_id}"
    )
    out, err = scrape(library_dir, "--images")
    assert "downloaded, 1 failed" in out and " 0 downloaded" not in out
    assert "t_cover_big/" in err and "Traceback" not in err
    assert sorted(p.name for p in media.iterdir()) == ["igdb"]
    assert sorted(p.name for p in (media / "igdb").iterdir()) == [
        "t_cover_big", "t_screenshot_huge", "t_screenshot_med"
    ]  # fmt: skip
    out, _ = scrape(library_dir, "--images")  # a rerun fails the same image, and only it
    assert "0 downloaded, 1 failed" in out


def test_an_unreachable_image_host_is_given_up_on_said_once_and_tried_again_next_run(
    fake, library_dir, settings
):
    """An offline host (no DNS, no route): the run stops asking after a few failures in a row
    instead of waiting out every image, says why, and the next scrape downloads them."""
    with socket.socket() as closed:  # a port nothing listens on: connections are refused
        closed.bind(("127.0.0.1", 0))
        settings.IGDB_IMAGE_URL = f"http://127.0.0.1:{closed.getsockname()[1]}/igdb/image/upload"
    out, err = scrape(library_dir)
    kept = Image.objects.filter(kind__in=list(KEPT_SIZES)).values_list("kind", "image_id")
    wanted = len({(size, image_id) for kind, image_id in kept for size in KEPT_SIZES[kind]})
    counts = re.search(r"Images: 0 downloaded, (\d+) failed, ([\d,]+) not tried", out)
    failed, not_tried = int(counts[1]), int(counts[2].replace(",", ""))
    # The requests already under way when the eighth failed fail too (four at a time).
    assert images.UNREACHABLE_IN_A_ROW <= failed < images.UNREACHABLE_IN_A_ROW + 4
    assert failed + not_tried == wanted > 100
    assert "IGDB's image host could not be reached" in out and "next scrape tries again" in out
    assert err.count("image: ") == failed
    settings.IGDB_IMAGE_URL = fake.image_url
    out, _ = scrape(library_dir)
    assert f"Images: {wanted:,} downloaded, 0 failed" in out


def test_a_forced_id_in_the_filename_wins(fake, tmp_path):
    root = tmp_path / "forced"
    root.mkdir()
    (root / "My Shooter (1993)(igdb-673).zip").write_bytes(b"doom")
    scrape(root)
    game = Game.objects.get()
    assert (game.igdb_id, game.title) == (673, "Doom")
    assert fake.stats.by_endpoint.get("multiquery", 0) == 0


def test_dry_run_prints_matches_and_writes_nothing(fake, library_dir):
    scrape(library_dir, "--no-metadata")
    before = list(Game.objects.values_list("pk", "match_status", "igdb_id"))
    out, _ = scrape("--dry-run")
    assert "->" in out and "Dry run" in out
    assert list(Game.objects.values_list("pk", "match_status", "igdb_id")) == before


def test_without_credentials_the_scan_runs_and_says_how_to_enable_igdb(settings, library_dir):
    settings.IGDB_CLIENT_ID = ""
    out, _ = scrape(library_dir)
    assert "Scan finished" in out
    assert "IGDB_CLIENT_ID" in out and "dev.twitch.tv" in out
    assert Rom.objects.exists()


def test_a_file_name_cannot_forge_a_line_of_the_scrape_log(tmp_path):
    root = tmp_path / "roms"
    root.mkdir()
    (root / "Empty\nScan finished: forged.zip").write_bytes(b"")  # skipped: an error line
    _, err = scrape(root, "--no-metadata")
    assert err.splitlines() == [
        f"{root}/Empty\\nScan finished: forged.zip: skipped: the file is empty"
    ]


def test_wrong_credentials_stop_with_a_clear_error(fake, library_dir, settings):
    settings.IGDB_SECRET_KEY = "wrong"
    with pytest.raises(CommandError, match="IGDB_SECRET_KEY"):
        scrape(library_dir)
    assert Rom.objects.exists()  # the scan is kept


def test_an_igdb_outage_marks_games_failed_and_the_next_run_retries_them(
    fake, library_dir, monkeypatch
):
    monkeypatch.setattr(IGDBClient, "BACKOFF", 0.01)
    fake.error_500_rate = 1.0
    _, err = scrape(library_dir, "--limit", "10")
    assert "failed" in err
    assert Game.objects.filter(match_status="failed").count() == 10
    fake.error_500_rate = 0
    scrape(library_dir)
    assert not Game.objects.filter(match_status="failed").exists()


def test_a_second_scrape_while_one_runs_exits_at_once(fake, library_dir):
    ScrapeLock.acquire("otherhost:1234")
    with pytest.raises(CommandError, match="Another scrape is running"):
        scrape(library_dir)
    assert not Rom.objects.exists()


def test_refresh_fetches_matched_games_again_by_id(fake, library_dir):
    scrape(library_dir)
    matched = Game.objects.filter(match_status="matched").count()
    fake.reset_stats()
    out, _ = scrape("--refresh", "--no-metadata")  # --no-metadata skips IGDB entirely
    assert fake.stats.requests == 0
    out, _ = scrape("--refresh")
    assert f"{matched:,} matched" in out
    assert fake.stats.by_endpoint.get("multiquery", 0) == 0


def test_an_interrupted_run_continues_where_it_stopped(fake, library_dir, dataset):
    scrape(library_dir, "--no-metadata")
    fake.latency = 0.05
    stop = threading.Event()
    jobs = pipeline.select_jobs()
    # One request a second: the first results arrive while most searches are still to send.
    client = IGDBClient(
        fake.client_id, fake.client_secret, api_url=fake.api_url, token_url=fake.token_url, rate=1
    )

    def stop_after_the_first_results(phase, done, total):
        if done >= 1:
            stop.set()

    first = pipeline.run(
        jobs,
        client,
        stop=stop,
        batch_size=5,
        on_progress=stop_after_the_first_results,
        fetch_wait=1.0,  # the first matches are fetched after a second, 6 searches before the end
    )
    done = first.matched + first.unmatched + first.failed
    assert 0 < done < len(jobs)
    remaining = Game.objects.filter(match_status="unmatched").count()
    assert remaining == len(jobs) - done
    scrape()
    assert not Game.objects.filter(match_status="unmatched").exists()


@pytest.mark.django_db(transaction=True)
def test_sigterm_stops_sending_saves_what_arrived_and_exits_non_zero(
    dataset, library_dir, tmp_path
):
    """A real process, killed politely: exit code 130, then a rerun finishes the job."""
    db = tmp_path / "term.sqlite3"
    with FakeIGDB(dataset, latency=0.2) as fake:
        env = dict(
            os.environ,
            **fake.settings(),
            DATABASE_URL=f"sqlite:///{db}",
            DATA_DIR=str(tmp_path / "data"),
        )
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "-v0"], env=env, cwd=config.BASE_DIR, check=True)
        process = subprocess.Popen(
            [*manage, "scrape", str(library_dir)],
            env=env,
            cwd=config.BASE_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 30
        while fake.stats.requests < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=60)
        assert process.returncode == 130, err
        assert "Interrupted" in err
        rerun = subprocess.run(
            [*manage, "scrape", str(library_dir)], env=env, cwd=config.BASE_DIR,
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert rerun.returncode == 0, rerun.stderr
        assert "IGDB finished" in rerun.stdout
