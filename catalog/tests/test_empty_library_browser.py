"""The empty catalogue in Chromium, as a super user and as a normal user, at 1280 and 375 px.
Screenshots: screenshots/empty-library-<role>-<desktop|phone>.png, and the admin's scrape panel
after a scan with nothing to do: screenshots/scrape-runs-nothing-to-do.png."""

import re

import pytest
from django.apps import apps
from django.urls import reverse
from playwright.sync_api import expect

from accounts.roles import sync_roles
from catalog.tests.conftest import DESKTOP
from catalog.tests.test_browser import PHONE, has_no_sideways_scroll, log_in, screenshot
from romvault import config
from scraper.models import ScrapeRun

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(settings, live_server):
    """A fresh install: no game, no ROM_DIRS."""
    sync_roles(apps)  # a transactional test flushes the database afterwards, roles included
    settings.ROM_DIRS = []
    return live_server


def the_empty_library_at_both_sizes(page, role):
    """Both sizes, screenshots of each; the panel stays inside a phone's width."""
    panel = page.locator("#empty-library")
    expect(panel).to_be_visible()
    assert has_no_sideways_scroll(page)
    screenshot(page, f"empty-library-{role}-desktop")
    page.set_viewport_size(PHONE)
    page.reload()
    expect(panel).to_be_in_viewport()
    assert has_no_sideways_scroll(page)
    screenshot(page, f"empty-library-{role}-phone")
    page.set_viewport_size(DESKTOP)
    return panel


def test_a_super_user_sees_how_to_fill_the_library_and_a_scan_button(page, site, users):
    log_in(page, site.url, "super")
    panel = page.locator("#empty-library")
    expect(panel.get_by_role("heading", name="The library is empty")).to_be_visible()
    expect(panel).to_contain_text(".venv/bin/python manage.py setup")
    expect(panel).to_contain_text(str(config.config_file()))
    scan = panel.get_by_role("button", name="Scan the folders now")
    expect(scan).to_be_visible()
    action = panel.locator("form").get_attribute("action")
    assert action == reverse("admin:scraper_scraperun_start")
    # No search and no filters: nothing they could find.
    expect(page.get_by_role("searchbox")).to_have_count(0)
    expect(page.get_by_text("Filters", exact=True)).to_have_count(0)
    the_empty_library_at_both_sizes(page, "super")
    # The link beside the button leads to the admin's scrape panel, where a scan that found
    # nothing to do is a warning with the fix.
    ScrapeRun.objects.create(
        holder="elsewhere:1",
        status=ScrapeRun.Status.NOTHING_TO_DO,
        summary="ROM_DIRS is not set: nothing to scan.\nIGDB metadata is off.",
    )
    panel.get_by_role("link", name="Scrape runs").click()
    expect(page).to_have_url(re.compile(r"/admin/scraper/scraperun/$"))
    expect(page.get_by_role("button", name="Scan and scrape now")).to_be_visible()
    warning = page.locator("#scrape-status .warning")
    expect(warning).to_contain_text("That scrape had nothing to do")
    expect(warning).to_contain_text("python manage.py setup")
    screenshot(page, "scrape-runs-nothing-to-do")


def test_a_normal_user_is_told_to_ask_the_administrator(page, site, users):
    log_in(page, site.url, "normal")
    panel = page.locator("#empty-library")
    expect(panel).to_have_text("The library is empty. Ask your administrator to add games.")
    expect(page.get_by_role("searchbox")).to_have_count(0)
    expect(page.get_by_role("button")).to_have_count(1)  # Log out, nothing else
    the_empty_library_at_both_sizes(page, "normal")
