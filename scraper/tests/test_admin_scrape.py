"""The admin's "Scan and scrape now": a real `scrape` process, started from a real request.

The scrape process and this test must see one database, and pytest-django's SQLite test database
lives in memory, so these tests point this thread's connection at a migrated SQLite file and give
the file's URL to the processes they start (through DATABASE_URL, as a deployment would).
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db import connections
from django.db.utils import ConnectionHandler
from django.urls import reverse

from accounts.models import Role
from catalog.models import Rom
from fake_igdb import FakeIGDB, build_dataset
from romvault import config
from scraper import runs
from scraper.models import ScrapeLock, ScrapeRun

HOST = socket.gethostname()
CHANGELIST = reverse("admin:scraper_scraperun_changelist")
START = reverse("admin:scraper_scraperun_start")
STATUS = reverse("admin:scraper_scraperun_status")


def sqlite_url(path) -> str:
    return f"sqlite:///{path}"


def migrate(path) -> None:
    env = dict(os.environ, DATABASE_URL=sqlite_url(path))
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], env=env, cwd=config.BASE_DIR,
                   check=True, timeout=120)  # fmt: skip


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "romvault.sqlite3"
    migrate(path)
    return path


@pytest.fixture
def shared_db(migrated, tmp_path, monkeypatch, settings, django_db_blocker):
    """A fresh migrated SQLite file used by this test and by the processes it starts."""
    path = tmp_path / "romvault.sqlite3"
    for suffix in ["", "-wal"]:  # a WAL file holds what is not checkpointed yet, if any
        if Path(f"{migrated}{suffix}").exists():
            shutil.copy(f"{migrated}{suffix}", f"{path}{suffix}")
    monkeypatch.setenv("DATABASE_URL", sqlite_url(path))
    data = tmp_path / "data"
    monkeypatch.setenv("DATA_DIR", str(data))
    settings.DATA_DIR = data
    monkeypatch.setenv("IGDB_CLIENT_ID", "")  # scan only, unless a test sets up the fake IGDB
    handler = ConnectionHandler(
        {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path),
                     "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"}}}
    )  # fmt: skip
    original = connections["default"]
    connections["default"] = handler["default"]
    with django_db_blocker.unblock():
        yield path
        connections["default"].close()
    connections["default"] = original


@pytest.fixture
def rom_dir(tmp_path, monkeypatch):
    root = tmp_path / "roms"
    root.mkdir()
    for name in ["Doom (1993).zip", "Commander Keen 4 (1991).zip", "Dune II (1992).zip"]:
        (root / name).write_bytes(b"x")
    monkeypatch.setenv("ROM_DIRS", str(root))
    return root


@pytest.fixture
def login(shared_db, client):
    # Not conftest's make_user: it needs the `db` fixture, whose test transaction would wrap
    # this connection and keep the file locked for the scrape process.
    def login(role=None, **fields):
        user = get_user_model().objects.create_user(username=f"user-{role}", **fields)
        if role:
            user.set_role(role)
        client.force_login(user)
        return user

    return login


def wait_for(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.1)
    raise AssertionError(f"still waiting after {timeout} s")


def finished_run():
    return ScrapeRun.objects.exclude(status=ScrapeRun.Status.RUNNING).first()


def test_a_super_user_starts_a_scrape_that_runs_as_its_own_process(
    login, client, rom_dir, settings
):
    user = login(Role.SUPER)
    page = client.get(CHANGELIST)
    assert b"No scrape has run yet" in page.content and b"Scan and scrape now" in page.content
    response = client.post(START, follow=True)
    assert b"Scrape started (process" in response.content
    run = wait_for(finished_run)
    assert run.status == ScrapeRun.Status.SUCCEEDED, run.error
    assert run.triggered_by == user
    host, _, pid = run.holder.rpartition(":")
    assert host == HOST and int(pid) != os.getpid()
    assert Rom.objects.count() == 3
    page = client.get(CHANGELIST).content.decode()
    assert "Last run: <strong>succeeded</strong>" in page
    assert "<li>Scan finished: 3 files seen, 3 new" in page
    assert "Scan and scrape now" in page  # another may start now
    logs = list((settings.DATA_DIR / "logs").iterdir())
    assert len(logs) == 1 and "Scan finished" in logs[0].read_text()


def test_while_a_scrape_runs_the_page_shows_its_progress_and_polls(login, client):
    login(Role.SUPER)
    ScrapeLock.acquire(f"{HOST}:1")  # pid 1 is alive: the lock is held
    ScrapeRun.objects.create(holder=f"{HOST}:1", phase="identify", done=25, total=80)
    page = client.get(CHANGELIST).content.decode()
    # The panel and the run's row in the list read the same.
    assert page.count("Identifying on IGDB: 25/80") == 2
    assert '<progress max="80" value="25">' in page
    assert f'hx-get="{STATUS}?was=running"' in page and "htmx" in page
    assert "A scrape is already running" in page and "Scan and scrape now" not in page


def test_the_status_poll_returns_the_panel_and_reloads_the_page_once_the_scrape_ends(login, client):
    login(Role.SUPER)
    ScrapeLock.acquire(f"{HOST}:1")
    ScrapeRun.objects.create(holder=f"{HOST}:1", phase="write", done=10, total=20)
    fragment = client.get(STATUS, {"was": "running"}, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert b"Saving new files: 10/20" in fragment.content and b"<html" not in fragment.content
    ScrapeLock.release(f"{HOST}:1")
    ended = client.get(STATUS, {"was": "running"}, headers={"HX-Request": "true"})
    assert ended.headers["HX-Refresh"] == "true"


def test_a_second_start_while_a_scrape_runs_is_refused_without_starting_a_process(
    login, client, rom_dir, settings
):
    login(Role.SUPER)
    ScrapeLock.acquire(f"{HOST}:1")
    response = client.post(START, follow=True)
    assert b"A scrape is already running" in response.content
    assert not (settings.DATA_DIR / "logs").exists()  # no process was started
    assert not ScrapeRun.objects.exists()


def test_two_clicks_at_once_start_one_scrape(login, client, rom_dir, settings):
    user = login(Role.SUPER)
    first = runs.start_in_background(user)
    # The second click comes before the first process has even set Django up.
    second = runs.start_in_background(user)
    assert isinstance(first, runs.Started) and isinstance(second, ScrapeLock)
    assert second.holder == f"{HOST}:{first.pid}"
    run = wait_for(finished_run)
    assert run.status == ScrapeRun.Status.SUCCEEDED and ScrapeRun.objects.count() == 1
    assert len(list((settings.DATA_DIR / "logs").iterdir())) == 1


@pytest.fixture
def slow_igdb(tmp_path, monkeypatch):
    """A library on a slow fake IGDB: a scrape started now is still identifying seconds later."""
    dataset = build_dataset(n_games=40, seed=3)
    root = tmp_path / "library"
    dataset.write_library(root)
    monkeypatch.setenv("ROM_DIRS", str(root))
    with FakeIGDB(dataset, latency=0.3) as fake:
        for name, value in fake.settings().items():  # images too: never IGDB's real CDN
            monkeypatch.setenv(name, value)
        yield fake


def test_a_killed_scrape_shows_as_interrupted_and_another_may_start(login, client, slow_igdb):
    login(Role.SUPER)
    started = runs.start_in_background()
    run = wait_for(lambda: ScrapeRun.objects.filter(phase="identify").first())
    os.kill(started.pid, signal.SIGKILL)  # no chance to record anything
    wait_for(lambda: ScrapeLock.current() is None)  # reaped, so its pid is gone
    run.refresh_from_db()
    assert run.status == "running" and run.shown_status == "interrupted"
    page = client.get(CHANGELIST).content.decode()
    assert "Last run: <strong>interrupted</strong>" in page and "Scan and scrape now" in page


def test_a_scrape_stopped_with_sigterm_records_itself_as_interrupted(login, client, slow_igdb):
    login(Role.SUPER)
    started = runs.start_in_background()
    wait_for(lambda: ScrapeRun.objects.filter(phase="identify").exists())
    os.kill(started.pid, signal.SIGTERM)
    run = wait_for(finished_run)
    assert run.status == ScrapeRun.Status.INTERRUPTED and run.finished_at
    assert run.summary.startswith("Scan finished: ")
    wait_for(lambda: ScrapeLock.current() is None)


@pytest.mark.parametrize("role", [Role.DEMO, Role.NORMAL])
def test_demo_and_normal_users_are_sent_to_the_admin_login(login, client, role, settings):
    login(role)
    for response in [client.get(CHANGELIST), client.post(START)]:
        assert response.status_code == 302 and "/admin/login/" in response.url
    assert not (settings.DATA_DIR / "logs").exists()


def test_anonymous_users_are_sent_to_the_admin_login(shared_db, client, settings):
    response = client.post(START)
    assert response.status_code == 302 and "/admin/login/" in response.url


def test_staff_without_the_scraper_permissions_get_403_and_no_button(login, client, settings):
    from django.contrib.auth.models import Permission

    user = login(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_scraperun"))
    page = client.get(CHANGELIST)
    assert page.status_code == 200 and b"Scan and scrape now" not in page.content
    assert client.post(START).status_code == 403
    assert not (settings.DATA_DIR / "logs").exists()


def test_get_never_starts_a_scrape(login, client, rom_dir, settings):
    login(Role.SUPER)
    assert client.get(START).status_code == 405
    assert not (settings.DATA_DIR / "logs").exists() and not ScrapeLock.current()


def test_a_scrape_with_nothing_configured_shows_as_a_warning_with_the_fix(
    login, client, monkeypatch
):
    monkeypatch.delenv("ROM_DIRS", raising=False)  # IGDB is off already (shared_db)
    login(Role.SUPER)
    client.post(START)
    run = wait_for(finished_run)
    assert run.status == ScrapeRun.Status.NOTHING_TO_DO, run.error
    page = client.get(CHANGELIST).content.decode()
    assert "Last run: <strong>nothing to do</strong>" in page
    assert "That scrape had nothing to do: no ROM folders to scan and IGDB is off." in page
    assert "python manage.py setup" in page and str(config.config_file()) in page
    assert '<li class="warning">' in page
    # The list of runs says so too, not "succeeded".
    assert '<td class="field-status_shown">nothing to do</td>' in page


def stop_url(run) -> str:
    return reverse("admin:scraper_scraperun_stop", args=[run.pk])


def log_url(run) -> str:
    return reverse("admin:scraper_scraperun_log", args=[run.pk])


def test_the_panel_offers_the_options_of_scrape(login, client):
    login(Role.SUPER)
    page = client.get(CHANGELIST).content.decode()
    for name, label in [("retry", "Retry unmatched"), ("refresh", "Refresh metadata"),
                        ("hash", "Hash files"), ("no_images", "Skip images")]:  # fmt: skip
        assert f'name="{name}"' in page and label in page


def test_ticked_options_start_the_scrape_with_their_switches(login, client, rom_dir):
    login(Role.SUPER)
    response = client.post(START, {"hash": "on"}, follow=True)
    assert b"--hash" in response.content
    run = wait_for(finished_run)
    assert run.status == ScrapeRun.Status.SUCCEEDED, run.error
    # Only --hash computes checksums during the scan.
    assert not Rom.objects.filter(crc32="").exists() and Rom.objects.count() == 3


def test_without_options_files_are_not_hashed(login, client, rom_dir):
    login(Role.SUPER)
    client.post(START)
    assert wait_for(finished_run).status == ScrapeRun.Status.SUCCEEDED
    assert set(Rom.objects.values_list("crc32", flat=True)) == {""}


def test_only_scrape_switches_go_to_the_process(shared_db):
    with pytest.raises(ValueError, match="--claimed-by"):
        runs.start_in_background(None, ["--claimed-by", "someone"])
    assert ScrapeLock.current() is None


def test_the_stop_button_stops_the_running_scrape_which_records_itself_interrupted(
    login, client, slow_igdb
):
    login(Role.SUPER)
    client.post(START)
    run = wait_for(lambda: ScrapeRun.objects.filter(phase="identify").first())
    page = client.get(CHANGELIST).content.decode()
    assert f'action="{stop_url(run)}"' in page and 'value="Stop"' in page
    response = client.post(stop_url(run), follow=True)
    assert b"Asked the scrape to stop" in response.content
    run = wait_for(finished_run)
    assert run.status == ScrapeRun.Status.INTERRUPTED and run.finished_at
    wait_for(lambda: ScrapeLock.current() is None)
    page = client.get(CHANGELIST).content.decode()
    assert "Last run: <strong>interrupted</strong>" in page and "Scan and scrape now" in page
    # Its log says so too.
    assert b"Interrupted" in b"".join(client.get(log_url(run)).streaming_content)


def test_stop_sends_no_signal_once_the_run_has_ended(login, client):
    login(Role.SUPER)
    # A finished run whose pid is now another process's (ours): it must not be signalled.
    run = ScrapeRun.objects.create(holder=f"{HOST}:{os.getpid()}", status="succeeded")
    response = client.post(stop_url(run), follow=True)
    assert b"not running any more" in response.content


def test_a_scrape_on_another_host_is_not_signalled_and_the_page_says_where_it_runs(login, client):
    login(Role.SUPER)
    ScrapeLock.acquire("elsewhere:4242")
    run = ScrapeRun.objects.create(holder="elsewhere:4242")
    response = client.post(stop_url(run), follow=True)
    assert b"runs on elsewhere: stop it there (kill -TERM 4242)" in response.content


def test_stop_and_log_are_refused_to_demo_users_and_stop_to_get(login, client):
    run = ScrapeRun.objects.create(holder=f"{HOST}:1")
    login(Role.DEMO)
    for response in [client.post(stop_url(run)), client.get(log_url(run))]:
        assert response.status_code == 302 and "/admin/login/" in response.url
    login(Role.SUPER)
    assert client.get(stop_url(run)).status_code == 405


def test_the_log_link_shows_the_output_of_a_run_started_here(login, client, rom_dir):
    login(Role.SUPER)
    client.post(START)
    run = wait_for(finished_run)
    page = client.get(CHANGELIST).content.decode()
    assert page.count(f'href="{log_url(run)}"') == 2  # the panel and the run's row
    response = client.get(log_url(run))
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    log = runs.log_path(run)
    assert response["Content-Length"] == str(log.stat().st_size)
    # Written to while it is sent (a running scrape): what it held when asked, no more.
    with log.open("a") as more:
        more.write("A line written later\n")
    sent = b"".join(response.streaming_content)
    assert b"Scan finished: 3 files seen" in sent and b"written later" not in sent
    assert len(sent) == int(response["Content-Length"])


def test_a_run_from_the_command_line_has_no_log_link(login, client):
    login(Role.SUPER)
    run = ScrapeRun.objects.create(holder=f"{HOST}:1", status="succeeded")
    assert f'href="{log_url(run)}"' not in client.get(CHANGELIST).content.decode()
    assert client.get(log_url(run)).status_code == 404
    # A record naming something other than a log file is not followed.
    ScrapeRun.objects.filter(pk=run.pk).update(log="../romvault.sqlite3")
    assert client.get(log_url(run)).status_code == 404


def test_the_poll_updates_the_runs_row_with_the_panels_reading(login, client):
    login(Role.SUPER)
    ScrapeLock.acquire(f"{HOST}:1")
    run = ScrapeRun.objects.create(holder=f"{HOST}:1", phase="identify", done=178, total=1545)
    page = client.get(CHANGELIST).content.decode()
    assert page.count(f'id="run-{run.pk}-progress"') == 1  # the row's cell, once
    ScrapeRun.objects.filter(pk=run.pk).update(done=445)
    fragment = client.get(STATUS, {"was": "running"}, headers={"HX-Request": "true"})
    text = fragment.content.decode()
    assert text.count("Identifying on IGDB: 445/1,545") == 2
    assert f'<span id="run-{run.pk}-progress" hx-swap-oob="true">' in text
    assert "178" not in text


def test_the_panel_says_how_many_games_have_no_confident_match_and_how_to_retry(login, client):
    from catalog.models import Game

    login(Role.SUPER)
    for n in range(18):
        Game.objects.create(title=f"Game {n}", match_status=Game.MatchStatus.NO_MATCH)
    Game.objects.create(title="Chosen", match_status="no_match", match_locked=True)
    page = client.get(CHANGELIST).content.decode()
    assert "18 games</a>\n      have no confident match" in page
    assert "Retry unmatched" in page and "?match_status__exact=no_match" in page
