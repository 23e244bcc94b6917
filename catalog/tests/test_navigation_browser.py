"""Getting around by keyboard and on a phone, in Chromium: the skip link to the games, "/" to
search, whole card titles on focus, the sort's direction, a one-row header on a phone, and the
favicon. Screenshots at 1280 and 375 px go to `screenshots/` (see test_browser.py)."""

import re

import pytest
from django.apps import apps
from playwright.sync_api import expect

from accounts.roles import sync_roles
from romvault import config

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"
SCREENSHOTS = config.BASE_DIR / "screenshots"
PHONE = {"width": 375, "height": 812}
# First by title, and three lines long in a card at any width.
LONG = "Adventures of Willy Beamish: The Extraordinarily Long Director's Cut With Every Bonus Disk"
GAMES = [(LONG, 1991), ("Doom", 1993), ("Commander Keen", 1990), ("Quake", 1996), ("Zork", 1980)]


@pytest.fixture
def site(live_server, make_game, make_user):
    # A transactional test flushes the database afterwards, role groups included.
    sync_roles(apps)
    for role in ("normal", "super"):
        make_user(role, username=role, password=PASSWORD)
    for title, year in GAMES:
        make_game(title=title, year=year, match_status="matched")
    return live_server.url


def log_in(page, url, username="normal"):
    page.goto(url + "/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(url + "/")


def screenshot(page, name, full_page=True):
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=full_page)


def focused(page, expression):
    return page.evaluate(f"(() => {{ const e = document.activeElement; return {expression}; }})()")


def clipped(locator):
    """Whether an element's text is cut off (line-clamp hides what overflows)."""
    return locator.evaluate("e => e.scrollHeight > e.clientHeight + 1")


@pytest.mark.parametrize("width", [1280, 375])
def test_the_keyboard_reaches_the_first_game_in_three_keys_and_sees_its_whole_title(
    page, site, width
):
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, site)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to games")
    expect(skip).to_be_focused()
    box = skip.bounding_box()  # visible while focused, not a 1 px screen-reader box
    assert box["width"] > 50 and box["height"] > 20 and box["y"] >= 0
    screenshot(page, f"skip-link-{width}", full_page=False)

    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    first = page.locator("#results ul.grid > li").first
    card_link = first.locator("a").first
    expect(card_link).to_be_focused()
    title = first.locator(".card-title")
    expect(title).to_have_text(LONG)
    assert card_link.get_attribute("title") == LONG  # the mouse's tooltip
    assert not clipped(title)  # whole while focused
    screenshot(page, f"card-title-focus-{width}", full_page=False)

    page.keyboard.press("Tab")  # on to the card's favourite button
    assert clipped(title)  # cut to two lines again


def test_slash_focuses_the_search_box_unless_the_user_is_typing(page, site):
    log_in(page, site)
    page.locator("body").click(position={"x": 5, "y": 300})
    page.keyboard.press("/")
    search = page.get_by_role("combobox", name="Search titles and alternative names")
    expect(search).to_be_focused()
    expect(search).to_have_value("")  # the key only moved the focus
    page.keyboard.type("ac/dc")
    expect(search).to_have_value("ac/dc")  # typed into the box, not taken
    page.get_by_label("From year").focus()
    page.keyboard.press("/")
    assert focused(page, "e.id") == "f-year-from"
    # The player's keys belong to the game (templates/catalog/player.html's #player).
    page.evaluate(
        """() => {
            const player = document.createElement("div");
            Object.assign(player, {id: "player", tabIndex: 0});
            document.querySelector("main").append(player);
            player.focus();
        }"""
    )
    page.keyboard.press("/")
    assert focused(page, "e.id") == "player"
    # On a page with the header's plain search box too.
    page.goto(site + "/favorites/")
    page.keyboard.press("/")
    expect(page.get_by_role("searchbox", name="Search games")).to_be_focused()


def test_a_sort_starts_in_its_own_direction_and_flips_in_the_address(page, site):
    log_in(page, site)
    order = page.get_by_label("Order")
    expect(order).to_have_value("asc")
    expect(order.locator("option:checked")).to_have_text("A to Z")
    page.get_by_label("Sort by").select_option(label="Year")
    expect(page).to_have_url(site + "/?sort=year")
    expect(order.locator("option:checked")).to_have_text("Newest first")
    years = page.locator("#results .card-year")
    expect(years.first).to_have_text("1996")
    order.select_option(label="Oldest first")
    expect(page).to_have_url(site + "/?sort=year&dir=asc")
    expect(years.first).to_have_text("1980")
    assert years.all_inner_texts() == ["1980", "1990", "1991", "1993", "1996"]
    page.reload()  # a bookmark of it shows the same
    expect(order.locator("option:checked")).to_have_text("Oldest first")
    expect(years.first).to_have_text("1980")


def header_height(page):
    return page.locator("body > header").bounding_box()["height"]


def test_the_header_is_one_row_on_a_phone_with_the_account_links_behind_a_button(page, site):
    missing = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    page.set_viewport_size(PHONE)
    log_in(page, site, "super")  # the longest menu: Favourites, Admin, Password, Log out
    height = header_height(page)
    assert height <= 64, f"{height} px of header at 375 px wide"
    search = page.get_by_role("combobox", name="Search titles and alternative names")
    assert search.bounding_box()["width"] >= 150
    log_out = page.get_by_role("button", name="Log out")
    expect(log_out).to_be_hidden()
    screenshot(page, "header-375")

    menu = page.locator("details[data-menu] > summary")
    expect(menu).to_have_accessible_name("Account menu")
    menu.click()
    expect(log_out).to_be_visible()
    for link in ("Favourites", "Admin", "Password"):
        box = page.get_by_role("link", name=link).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert header_height(page) == height  # the menu opens over the page
    screenshot(page, "header-375-menu", full_page=False)
    page.keyboard.press("Escape")
    expect(log_out).to_be_hidden()
    menu.click()
    page.locator("main").click(position={"x": 5, "y": 5})  # a tap elsewhere folds it too
    expect(log_out).to_be_hidden()

    page.set_viewport_size({"width": 1280, "height": 900})  # turned into a desktop
    expect(log_out).to_be_visible()
    expect(menu).to_be_hidden()
    assert header_height(page) <= 72  # one row too, with a little more room
    screenshot(page, "header-1280", full_page=False)
    assert missing == []  # the favicon included


def test_the_favicon_is_served_where_pages_and_browsers_look_for_it(page, site):
    log_in(page, site)
    icon = page.locator('link[rel="icon"][type="image/svg+xml"]').get_attribute("href")
    response = page.request.get(site + icon)
    assert response.ok and response.headers["content-type"] == "image/svg+xml"
    response = page.request.get(site + "/favicon.ico")
    assert response.ok and re.match(
        r"image/(x-icon|vnd\.microsoft\.icon)", response.headers["content-type"]
    )
    decoded = page.evaluate(
        """url => new Promise(done => {
            const img = new Image();
            img.onload = () => done(img.naturalWidth);
            img.onerror = () => done(0);
            img.src = url;
        })""",
        site + "/favicon.ico",
    )
    assert decoded > 0
