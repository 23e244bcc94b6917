"""Covers and screenshots in Chromium after a real `scrape`, with IGDB down.

The scrape runs the real client over HTTP against the fake IGDB (which serves its images as small
JPEGs) and keeps its copies by default; the fake is then stopped, so every image the pages show
must come from romvault itself. Screenshots at 1280 and 375 px land in screenshots/.
"""

import re
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.roles import sync_roles
from catalog.models import Game
from catalog.tests.test_browser import PHONE, log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every <img> with a src (the closed screenshot viewer has none), loaded now (the cards are
# loading="lazy") and decoded.
DECODED = """async () => Promise.all(
  [...document.querySelectorAll('img[src]:not([src=""])')].map(async (img) => {
    img.loading = "eager";
    try { await img.decode(); } catch (error) { /* naturalWidth stays 0 */ }
    return [img.getAttribute("src"), img.naturalWidth];
  })
)"""


@pytest.fixture
def scraped(fake_igdb, dataset, settings, tmp_path, live_server):
    """The fake IGDB's library, scraped with the defaults; IGDB is down afterwards."""
    sync_roles(apps)  # a transactional test flushes the database, role groups included
    root = tmp_path / "roms"
    dataset.write_library(root)
    settings.ROM_DIRS = [root]
    out = StringIO()
    call_command("scrape", stdout=out, stderr=StringIO())
    assert "downloaded, 0 failed" in out.getvalue()
    fake_igdb.stop()
    return live_server.url


@pytest.fixture
def failures(page):
    """Responses of 400 and up, and requests that never got one, on every page opened."""
    found = []
    # The browser asks for /favicon.ico on its own; the site has none yet, which is no image.
    page.on(
        "response",
        lambda r: (
            r.status >= 400
            and not r.url.endswith("/favicon.ico")
            and found.append(f"{r.status} {r.url}")
        ),
    )
    page.on("requestfailed", lambda r: found.append(f"failed {r.url}"))
    return found


def images_decode(page, url):
    """Every image of the page decoded, and romvault served it (IGDB is down)."""
    page.wait_for_load_state("load")
    images = page.evaluate(DECODED)
    assert images, page.url
    broken = [src for src, width in images if width == 0]
    assert not broken, broken
    elsewhere = [src for src, _ in images if not src.startswith(("/images/t_", "/static/"))]
    assert not elsewhere, elsewhere
    return dict(images)


def test_every_cover_and_screenshot_shows_after_scrape_while_igdb_is_down(
    page, browser, users, scraped, failures
):
    url = scraped
    log_in(page, url, "super")
    covers = images_decode(page, url)
    # The fake's images have IGDB's pixels: the grid gets 264 px covers, nothing bigger.
    assert len(covers) >= 20 and set(covers.values()) == {264}
    assert all("/t_cover_big/" in src for src in covers)
    screenshot(page, "covers-catalogue-1280")
    page.set_viewport_size(PHONE)
    page.reload()
    images_decode(page, url)
    screenshot(page, "covers-catalogue-375")

    game = Game.objects.filter(cover__isnull=False, images__kind="screenshot").distinct().first()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(url + game.get_absolute_url())
    shown = images_decode(page, url)
    # The grid gets 569 px thumbnails; 1280 px only in the viewer.
    thumbnails = {src: width for src, width in shown.items() if "/t_screenshot_" in src}
    assert thumbnails and set(thumbnails.values()) == {569}
    screenshot(page, "covers-game-1280")
    page.get_by_role("img", name=f"Screenshot 1 of {game.title}").click()
    viewer = page.get_by_role("dialog", name="Screenshot viewer").get_by_role("img")
    expect(viewer).to_have_attribute("src", re.compile(r"^/images/t_screenshot_huge/"))
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=viewer.element_handle()
    )
    page.keyboard.press("Escape")
    page.set_viewport_size(PHONE)
    page.reload()
    images_decode(page, url)
    screenshot(page, "covers-game-375")

    # The admin: the game list's thumbnails and the game's images inline.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(url + "/admin/catalog/game/")
    expect(page.locator("img.rv-cover").first).to_be_visible()
    assert len(images_decode(page, url)) >= 20
    screenshot(page, "covers-admin-list-1280")
    page.set_viewport_size(PHONE)
    page.reload()
    images_decode(page, url)
    screenshot(page, "covers-admin-list-375")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(url + f"/admin/catalog/game/{game.pk}/change/")
    inline = images_decode(page, url)
    assert any("/t_screenshot_med/" in src for src in inline)
    screenshot(page, "covers-admin-game-1280")
    assert not failures, failures

    # A private library's covers stay private: no session, no image.
    stranger = browser.new_context()
    try:
        visitor = stranger.new_page()
        visitor.goto(url + next(iter(covers)))
        expect(visitor).to_have_url(re.compile(r"/accounts/login/\?next=/images/t_cover_big/"))
    finally:
        stranger.close()
