"""Playing through the real server: a user clicks Play on a game page and a real DOS program
runs in Chromium with the file, the dosbox.conf and the save romvault serves."""

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.test import Client
from playwright.sync_api import expect

from accounts.roles import sync_roles
from catalog.tests import dosgames
from catalog.tests.test_jsdos_static import REPORT_VIOLATIONS, printed, screen_filled_with

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "screenshots"  # git ignores it
GAMES = {
    "zip": dosgames.hello_zip,
    "program in a subfolder beside INSTALL and SETUP": dosgames.subfolder_zip,
    "batch file": dosgames.bat_zip,
    "floppy images, started by a batch file": dosgames.two_disks_zip,
    "CD image on D: for a game on C:": dosgames.cd_game_zip,
    "save game": dosgames.save_zip,
}


@pytest.fixture(autouse=True)
def roles():
    # live_server's transactional tests empty every table, the role groups included.
    sync_roles(apps)


@pytest.fixture
def library(live_server, rom_dir, make_game, make_rom):
    """Each test game as a file in the ROM folder with the members a scan lists."""

    def add(game: dosgames.DosGame):
        path = rom_dir / game.file_name
        path.write_bytes(game.data)
        row = make_game(title=game.title, year=1993)
        members = [[p, s] for p, s in game.members() if p.upper().endswith(PROGRAMS_AND_IMAGES)]
        return make_rom(game=row, path=str(path), size=len(game.data), members=members,
                        file_count=len(game.members()))  # fmt: skip

    return add


PROGRAMS_AND_IMAGES = (".EXE", ".COM", ".BAT", ".IMG", ".ISO", ".CUE", ".BIN", ".IMA")


def logged_in(browser, live_server, user, viewport=None):
    """A browser page with the user's session, as after logging in."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.add_init_script(REPORT_VIOLATIONS)
    page.errors = []
    page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
    page.on("request", lambda r: assert_local(r.url, live_server.url))
    return page


def assert_local(url, site):
    assert url.startswith((site, "blob:", "data:")), f"the player fetched {url}"


def play(page, live_server, rom):
    page.goto(live_server.url + rom.game.get_absolute_url())
    page.get_by_role("link", name="Play", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/files/{rom.pk}/play/$"))
    page.wait_for_function("() => window.romvaultPlayer !== undefined", timeout=20_000)
    page.evaluate(
        "window.output = []; romvaultPlayer.ci.events().onStdout((text) => output.push(text))"
    )


@pytest.mark.parametrize("kind", list(GAMES)[:-1])
def test_each_kind_of_game_runs_from_the_game_pages_play_button(
    browser, live_server, library, normal_user, kind
):
    game = GAMES[kind]()
    rom = library(game)
    page = logged_in(browser, live_server, normal_user)
    play(page, live_server, rom)
    output = printed(page, *game.expect)
    assert "WRONG PROGRAM" not in output
    assert not [e for e in page.errors if "CSP violation" in e], page.errors
    page.context.close()


def test_vga_graphics_reach_the_screen(browser, live_server, library, normal_user):
    rom = library(dosgames.vga_zip())
    page = logged_in(browser, live_server, normal_user)
    play(page, live_server, rom)
    screen_filled_with(page, (255, 85, 170))
    page.context.close()


def test_a_save_made_in_one_session_is_there_in_the_next(
    browser, live_server, library, normal_user
):
    rom = library(dosgames.save_zip())
    page = logged_in(browser, live_server, normal_user)
    play(page, live_server, rom)
    printed(page, "NO SAVE, WRITING", "SAVE WRITTEN")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#player-status")).to_contain_text("Saved")
    page.context.close()

    page = logged_in(browser, live_server, normal_user)
    page.goto(live_server.url + rom.game.get_absolute_url())
    expect(page.get_by_text(re.compile(r"^Saved \d+.minutes? ago"))).to_have_count(2)
    play(page, live_server, rom)
    printed(page, "SAVE FOUND")
    page.context.close()
    # The catalogue starts with the game now.
    page = logged_in(browser, live_server, normal_user)
    page.goto(live_server.url + "/")
    expect(page.locator("#continue-h")).to_have_text("Continue playing")
    page.context.close()


def test_demo_sees_no_play_button_and_is_refused_the_player(
    browser, live_server, library, demo_user
):
    rom = library(dosgames.hello_zip())
    page = logged_in(browser, live_server, demo_user)
    page.goto(live_server.url + rom.game.get_absolute_url())
    expect(page.get_by_role("heading", name="Hello")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Play"))).to_have_count(0)
    for path in (f"/files/{rom.pk}/play/", f"/files/{rom.pk}/save/", f"/play/{rom.game.pk}/"):
        assert page.goto(live_server.url + path).status == 403
    page.context.close()


@pytest.mark.parametrize("width", [1280, 375])
def test_the_player_on_a_desktop_and_a_phone(browser, live_server, library, normal_user, width):
    rom = library(dosgames.vga_zip())
    page = logged_in(browser, live_server, normal_user, {"width": width, "height": 800})
    play(page, live_server, rom)
    screen_filled_with(page, (255, 85, 170))
    box = page.locator("#player").bounding_box()
    assert box["width"] >= width - 40  # the game fills the width
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scroll
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SHOTS / f"player-{width}.png")
    page.context.close()
