"""The admin's "Match manually" in a real browser, against the live server and the fake IGDB.

Chromium comes from conftest.py; the log-in helper and the screenshots folder are test_browser.py's.
"""

import re

import pytest
from django.apps import apps
from playwright.sync_api import expect

from accounts.roles import sync_roles
from catalog.models import Game
from catalog.tests.test_browser import log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WOLF_DOS = 262516  # the fake's "Wolfenstein 3D" of 1992 on DOS; a 2007 PC re-release also exists


@pytest.fixture
def people(request):
    # A transactional test flushes the database afterwards, role groups included.
    sync_roles(apps)
    return request.getfixturevalue("users")


def test_super_user_matches_a_game_by_hand_from_the_game_list(
    page,
    people,
    live_server,
    fake_igdb,
    make_rom,
    make_game,
):
    wolf = make_game(title="Wolfenstein 3D", year=1992)
    make_rom(game=wolf, path="/roms/WOLF3D.ZIP")
    make_rom(game=make_game(title="Loom", year=1990), path="/roms/LOOM.ZIP")
    # Searching and choosing wait on IGDB and the importer inside the request: on a loaded
    # two-core machine that can take longer than the 5 s the catalogue's pages get.
    page.set_default_timeout(20_000)
    log_in(page, live_server.url, "super")

    page.goto(live_server.url + "/admin/catalog/game/")
    row = page.get_by_role("row").filter(has_text="Wolfenstein 3D")
    expect(row).to_contain_text("Not matched yet")
    expect(row.get_by_title("No cover")).to_be_visible()
    screenshot(page, "admin-games")

    row.get_by_role("link", name="Match manually").click()
    expect(
        page.get_by_role("heading", name="Match “Wolfenstein 3D (1992)” manually")
    ).to_be_visible()
    expect(page.get_by_label("Title")).to_have_value("Wolfenstein 3D")
    expect(page.get_by_label("Year")).to_have_value("1992")
    page.get_by_role("button", name="Search IGDB").click()

    expect(page).to_have_url(re.compile(r"/match/\?q=Wolfenstein\+3D&year=1992$"))
    candidates = page.locator("table.rv-candidates tbody tr")
    expect(candidates.first).to_contain_text("Wolfenstein 3D")
    expect(candidates.first).to_contain_text("DOS")
    expect(candidates.nth(1)).to_contain_text("2007")
    # The covers come from the fake IGDB's image server and really load.
    page.wait_for_function(
        "document.querySelector('table.rv-candidates img')?.naturalWidth > 0", timeout=5_000
    )
    screenshot(page, "admin-match")

    page.get_by_role("button", name=f"Choose Wolfenstein 3D (1992), IGDB {WOLF_DOS}").click()
    expect(page).to_have_url(f"{live_server.url}/admin/catalog/game/{wolf.pk}/change/")
    expect(page.locator(".messagelist")).to_contain_text("now matched to “Wolfenstein 3D (1992)”")
    wolf.refresh_from_db()
    assert (wolf.igdb_id, wolf.match_status, wolf.match_locked) == (WOLF_DOS, "matched", True)

    page.goto(live_server.url + "/admin/catalog/game/")
    row = page.get_by_role("row").filter(has_text="Wolfenstein 3D")
    expect(row).to_contain_text("Matched (locked)")
    expect(row).to_contain_text("by hand")
    expect(row.get_by_role("img", name="Cover of Wolfenstein 3D")).to_be_visible()
    screenshot(page, "admin-games-matched")
    assert Game.objects.filter(match_locked=True).count() == 1


def test_super_user_sees_and_overrides_how_a_game_starts(
    page,
    people,
    live_server,
    make_rom,
    make_game,
):
    doom = make_game(title="Doom", year=1993)
    members = [["DOOM/DOOM.EXE", 709_905], ["DOOM/SETUP.EXE", 60_000], ["DOOM/GO.BAT", 20]]
    make_rom(game=doom, path="/roms/Doom (1993).zip", members=members, file_count=42)
    page.set_default_timeout(20_000)  # the admin's change page is heavy on a loaded machine
    log_in(page, live_server.url, "super")

    page.goto(f"{live_server.url}/admin/catalog/game/{doom.pk}/change/")
    section = page.locator("fieldset").filter(has_text="How to start")
    expect(section).to_contain_text("DOOM.EXE is named like the game.")
    expect(section.locator("pre.rv-start-command")).to_have_text("cd DOOM\nDOOM.EXE\n")
    page.get_by_label("Start path").fill("DOOM/DOOM2.EXE")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".errorlist")).to_contain_text("They hold: DOOM/DOOM.EXE")
    screenshot(page, "admin-start-error")

    page.get_by_label("Start path").fill("doom\\go.bat")
    page.get_by_label("Start args").fill("-nomonsters")
    page.get_by_label("Dosbox conf").fill("[cpu]\ncycles=max")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    section = page.locator("fieldset").filter(has_text="How to start")
    expect(section).to_contain_text("Chosen by an admin: DOOM/GO.BAT.")
    expect(section.locator("pre.rv-start-command")).to_have_text("cd DOOM\nGO.BAT -nomonsters\n")
    screenshot(page, "admin-start")

    page.goto(live_server.url + "/admin/catalog/game/")
    row = page.get_by_role("row").filter(has_text="Doom")
    expect(row).to_contain_text("known (by an admin)")


def test_choosing_a_record_another_game_holds_asks_before_merging(
    page, people, live_server, fake_igdb, make_rom, make_game
):
    doom = make_game(title="Doom", year=1993, igdb_id=673, match_status="matched")
    make_rom(game=doom, path="/roms/DOOM.ZIP")
    copy = make_game(
        title="Doom Shareware", year=1993, match_status="no_match",
        match_candidates=[{"id": 673, "name": "Doom", "year": 1993, "platforms": [13],
                           "score": 0.7, "cover": "co5rav"}],
    )  # fmt: skip
    make_rom(game=copy, path="/roms/DOOMS.ZIP")
    page.set_default_timeout(20_000)
    log_in(page, live_server.url, "super")

    page.goto(f"{live_server.url}/admin/catalog/game/{copy.pk}/match/")
    candidate = page.locator("table.rv-candidates tbody tr").first
    # The kept candidate's cover is there, from the fake IGDB's image server.
    expect(candidate.get_by_role("img", name="Cover of Doom")).to_be_visible()
    page.wait_for_function(
        "document.querySelector('table.rv-candidates img')?.naturalWidth > 0", timeout=5_000
    )
    candidate.get_by_role("button", name="Choose Doom (1993), IGDB 673").click()
    expect(
        page.get_by_role("heading", name="Merge “Doom Shareware (1993)” into “Doom (1993)”?")
    ).to_be_visible()
    expect(page.locator("#content-main")).to_contain_text("IGDB game 673 is already")
    assert Game.objects.filter(pk=copy.pk).exists()  # nothing happened yet
    screenshot(page, "admin-merge-confirm")

    page.get_by_role("link", name="No, go back").click()
    expect(page).to_have_url(f"{live_server.url}/admin/catalog/game/{copy.pk}/match/")
    page.get_by_role("button", name="Choose Doom (1993), IGDB 673").first.click()
    page.get_by_role("button", name="Yes, merge into “Doom (1993)”").click()
    expect(page).to_have_url(f"{live_server.url}/admin/catalog/game/{doom.pk}/change/")
    expect(page.locator(".messagelist")).to_contain_text("its files and favourites moved")
    assert not Game.objects.filter(pk=copy.pk).exists() and doom.roms.count() == 2
