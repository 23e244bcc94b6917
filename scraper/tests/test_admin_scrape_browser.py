"""The admin's scrape panel in a real browser: Chromium against the live server.

A process that merely sleeps stands in for the scrape (holding the lock under its pid): what is
tested here is the page (its options, its progress read in two places, Stop and the log), not
the scrape, whose stop is tested with a real scrape process in test_admin_scrape.py.
"""

import signal
import socket
import subprocess
import sys
import threading

import pytest
from django.apps import apps
from django.utils import timezone
from playwright.sync_api import expect

from accounts.roles import sync_roles
from catalog.models import Game
from catalog.tests.test_browser import PHONE, log_in, screenshot
from scraper.models import ScrapeLock, ScrapeRun

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHANGELIST = "/admin/scraper/scraperun/"
LOG = "scrape-20261204-120000-abcdef.log"


@pytest.fixture
def people(request):
    # A transactional test flushes the database afterwards, role groups included.
    sync_roles(apps)
    return request.getfixturevalue("users")


@pytest.fixture
def history(settings, tmp_path):
    """A finished run started from the admin, with its log, and 18 games without a match."""
    settings.DATA_DIR = tmp_path / "data"
    (settings.DATA_DIR / "logs").mkdir(parents=True)
    (settings.DATA_DIR / "logs" / LOG).write_text("Scan finished: 1,545 files seen, 12 new\n")
    ScrapeRun.objects.create(
        holder=f"{socket.gethostname()}:1",
        status=ScrapeRun.Status.SUCCEEDED,
        finished_at=timezone.now(),
        phase="identify", done=1545, total=1545, log=LOG,
        summary="Scan finished: 1,545 files seen, 12 new\nIGDB finished: 12 matched, 18 unmatched",
    )  # fmt: skip
    Game.objects.bulk_create(
        Game(title=f"Game {n}", sort_title=f"game {n}", match_status="no_match") for n in range(18)
    )


@pytest.fixture
def sleeper():
    """A process that stands in for a running scrape until it is sent SIGTERM."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    threading.Thread(target=process.wait, daemon=True).start()  # reaped: its pid then frees
    yield process
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)


def test_the_scrape_panel_offers_its_options_the_log_and_the_unmatched_games(
    page, people, live_server, history
):
    log_in(page, live_server.url, "super")
    page.goto(live_server.url + CHANGELIST)
    panel = page.locator("#scrape-status")
    expect(panel).to_contain_text("Last run: succeeded")
    expect(panel).to_contain_text("18 games have no confident match")
    for label in ["Retry unmatched", "Refresh metadata", "Hash files", "Download images"]:
        expect(panel.get_by_label(label)).not_to_be_checked()
    expect(panel.get_by_role("button", name="Scan and scrape now")).to_be_visible()
    screenshot(page, "admin-scrape-panel")
    page.set_viewport_size(PHONE)
    expect(panel.get_by_label("Retry unmatched")).to_be_visible()
    screenshot(page, "admin-scrape-panel-phone")
    page.set_viewport_size({"width": 1280, "height": 900})

    panel.get_by_role("link", name="Show its log").click()
    expect(page.locator("body")).to_contain_text("Scan finished: 1,545 files seen, 12 new")
    page.go_back()
    panel.get_by_role("link", name="18 games").click()
    expect(page.locator("#result_list tbody tr")).to_have_count(18)


def test_a_running_scrape_shows_one_progress_in_panel_and_list_and_stops_with_a_click(
    page, people, live_server, history, sleeper
):
    holder = f"{socket.gethostname()}:{sleeper.pid}"
    ScrapeLock.acquire(holder)
    run = ScrapeRun.objects.create(holder=holder, phase="identify", done=178, total=1545)
    log_in(page, live_server.url, "super")
    page.goto(live_server.url + CHANGELIST)
    panel = page.locator("#scrape-status")
    row = page.locator(f"#run-{run.pk}-progress")
    expect(panel).to_contain_text("Identifying on IGDB: 178/1,545")
    expect(row).to_have_text("Identifying on IGDB: 178/1,545")
    # The scrape goes on: the panel's poll brings the new reading to both.
    ScrapeRun.objects.filter(pk=run.pk).update(done=445)
    expect(panel).to_contain_text("Identifying on IGDB: 445/1,545", timeout=10_000)
    expect(row).to_have_text("Identifying on IGDB: 445/1,545")
    screenshot(page, "admin-scrape-running")
    page.set_viewport_size(PHONE)
    expect(panel.get_by_role("button", name="Stop this scrape")).to_be_visible()
    screenshot(page, "admin-scrape-running-phone")

    panel.get_by_role("button", name="Stop this scrape").click()
    expect(page.locator(".messagelist")).to_contain_text("Asked the scrape to stop")
    assert sleeper.wait(timeout=10) == -signal.SIGTERM
    expect(page.locator("#scrape-status")).to_contain_text("Last run: interrupted")
    expect(page.get_by_role("button", name="Scan and scrape now")).to_be_visible()
