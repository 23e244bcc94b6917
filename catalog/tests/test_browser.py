"""The catalogue in a real browser: Debian's Chromium driven by Playwright against live_server.

`make browser-deps` installs Chromium; `playwright install` cannot download browsers here.
Run only these with `pytest -m browser`, or skip them with `-m "not browser"`.
Full-page screenshots land in `screenshots/` (git-ignored) for a human to look at.
"""

import random
import re
from base64 import b64decode
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.apps import apps
from playwright.sync_api import expect

from accounts.roles import sync_roles
from catalog.models import AlternativeName, Company, Favorite, Genre, Image, Involvement, Theme
from catalog.views import browse
from romvault import config

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"
SCREENSHOTS = config.BASE_DIR / "screenshots"
PHONE = {"width": 375, "height": 812}

# (title, year, genre, alternative names): 30 games, four genres.
LIBRARY = [
    ("Commander Keen", 1990, "Platform", ["Commander Keen in Invasion of the Vorticons"]),
    ("Crystal Caves", 1991, "Platform", []),
    ("Secret Agent", 1992, "Platform", []),
    ("Cosmo's Cosmic Adventure", 1992, "Platform", ["Cosmo"]),
    ("Duke Nukem II", 1993, "Platform", []),
    ("Bio Menace", 1993, "Platform", []),
    ("Jazz Jackrabbit", 1994, "Platform", []),
    ("Prince of Persia", 1989, "Platform", []),
    ("Wolfenstein 3D", 1992, "Shooter", ["Wolf3D"]),
    ("Blake Stone: Aliens of Gold", 1993, "Shooter", []),
    ("Doom", 1993, "Shooter", ["DOOM: Knee-Deep in the Dead"]),
    ("Doom II: Hell on Earth", 1994, "Shooter", []),
    ("Heretic", 1994, "Shooter", []),
    ("Rise of the Triad", 1994, "Shooter", ["ROTT"]),
    ("Raptor: Call of the Shadows", 1994, "Shooter", []),
    ("Hexen: Beyond Heretic", 1995, "Shooter", []),
    ("Tyrian", 1995, "Shooter", []),
    ("Duke Nukem 3D", 1996, "Shooter", []),
    ("Quake", 1996, "Shooter", []),
    ("Loom", 1990, "Adventure", []),
    ("The Secret of Monkey Island", 1990, "Adventure", ["Monkey Island"]),
    ("Indiana Jones and the Fate of Atlantis", 1992, "Adventure", []),
    ("Day of the Tentacle", 1993, "Adventure", ["Maniac Mansion II"]),
    ("Full Throttle", 1995, "Adventure", []),
    ("The Dig", 1995, "Adventure", []),
    ("Civilization", 1991, "Strategy", ["Sid Meier's Civilization"]),
    ("Dune II: The Building of a Dynasty", 1992, "Strategy", ["Dune II: Battle for Arrakis"]),
    ("Master of Orion", 1993, "Strategy", []),
    ("X-COM: UFO Defense", 1994, "Strategy", ["UFO: Enemy Unknown"]),
    ("Warcraft: Orcs & Humans", 1994, "Strategy", []),
]
SHOOTERS = {title for title, _, genre, _ in LIBRARY if genre == "Shooter"}
COVERED = {"Doom", "Commander Keen", "Quake", "Loom", "Civilization", "Tyrian"}


@pytest.fixture(scope="module")
def artwork(browser, tmp_path_factory):
    """A static folder of real JPEGs, drawn by the browser's canvas, named as IGDB names them.

    IGDB cannot be reached offline, so IGDB_IMAGE_URL points at this folder on the live server.
    """
    root = tmp_path_factory.mktemp("static")
    sizes = {"cover_big": (264, 352), "screenshot_med": (569, 320), "screenshot_huge": (889, 500)}
    draw = browser.new_page()
    for index, name in enumerate([*sorted(COVERED), "shot1", "shot2", "shot3"]):
        for size, (width, height) in sizes.items():
            data = draw.evaluate(
                """([width, height, hue, label]) => {
                    const canvas = Object.assign(document.createElement("canvas"), {width, height});
                    const g = canvas.getContext("2d");
                    const fill = g.createLinearGradient(0, 0, width, height);
                    fill.addColorStop(0, `hsl(${hue} 70% 45%)`);
                    fill.addColorStop(1, `hsl(${hue + 60} 60% 12%)`);
                    g.fillStyle = fill;
                    g.fillRect(0, 0, width, height);
                    g.fillStyle = "rgba(255, 255, 255, 0.85)";
                    g.font = `bold ${Math.round(height / 9)}px sans-serif`;
                    g.textAlign = "center";
                    g.textBaseline = "middle";
                    g.fillText(label, width / 2, height / 2, width * 0.9);
                    return canvas.toDataURL("image/jpeg", 0.8).split(",")[1];
                }""",
                [width, height, index * 47 % 360, name],
            )
            path = root / "igdb" / f"t_{size}" / f"{slug(name)}.jpg"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b64decode(data))
    draw.close()
    return root


def slug(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@pytest.fixture
def site(settings, tmp_path, live_server, artwork, make_game):
    """The LIBRARY, with files on disk, served by the live server at `site.url`."""
    # A transactional test flushes the database afterwards, role groups included.
    sync_roles(apps)
    settings.ROM_DIRS = [tmp_path / "roms"]
    settings.STATICFILES_DIRS = [*settings.STATICFILES_DIRS, artwork]
    settings.IGDB_IMAGE_URL = f"{live_server.url}/static/igdb"
    genres = {
        name: Genre.objects.create(igdb_id=n, name=name, slug=slug(name))
        for n, name in enumerate(["Platform", "Shooter", "Adventure", "Strategy"], start=1)
    }
    dark = Theme.objects.create(igdb_id=1, name="Horror", slug="horror")
    id_software = Company.objects.create(igdb_id=1, name="id Software", slug="id-software")
    rng = random.Random(1993)
    games = {}
    for title, year, genre, aliases in LIBRARY:
        game = make_game(title=title, year=year, match_status="matched", rating=rng.uniform(60, 95))
        game.genres.add(genres[genre])
        for alias in aliases:
            AlternativeName.objects.create(game=game, name=alias)
        if title in COVERED:
            game.cover = Image.objects.create(game=game, kind="cover", image_id=slug(title))
            game.save(update_fields=["cover"])
        disks = 2 if genre == "Adventure" or title == "Doom" else 1
        for disk in range(1, disks + 1):
            tags = {"disk": disk, "disk_total": disks} if disks > 1 else {}
            name = f"{title.replace(':', ' -')} ({year})" + (f" (Disk {disk})" if tags else "")
            file = tmp_path / "roms" / f"{name}.zip"
            file.parent.mkdir(exist_ok=True)
            file.write_bytes(rng.randbytes(rng.randrange(4_000, 60_000)))
            game.roms.create(
                path=str(file), size=file.stat().st_size, mtime_ns=file.stat().st_mtime_ns,
                parsed_title=title, parsed_year=year, tags=tags,
            )  # fmt: skip
        games[title] = game
    doom = games["Doom"]
    doom.summary = "You're a marine, one of Earth's toughest, sent to Mars."
    doom.save(update_fields=["summary"])
    doom.themes.add(dark)
    Involvement.objects.create(game=doom, company=id_software, developer=True, publisher=True)
    for position in range(1, 4):
        Image.objects.create(
            game=doom, kind="screenshot", image_id=f"shot{position}", position=position
        )
    return SimpleNamespace(url=live_server.url, games=games)


def log_in(page, url, username):
    page.goto(url + "/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(url + "/")


def cards(page):
    return page.locator("#results ul.grid > li")


def card_titles(page):
    return cards(page).locator(".card-title").all_inner_texts()


def mark_document(page):
    """Tag the current document; the tag survives htmx swaps but not a full page load."""
    page.evaluate("window.sameDocument = true")


def still_same_document(page):
    return page.evaluate("window.sameDocument === true")


def columns(page, selector):
    return page.evaluate(
        "s => getComputedStyle(document.querySelector(s)).gridTemplateColumns.split(' ').length",
        selector,
    )


def has_no_sideways_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def screenshot(page, name):
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


# --- Tests ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["demo", "normal", "super"])
def test_each_role_logs_in_through_the_form_and_sees_only_its_controls(page, site, users, role):
    log_in(page, site.url, role)
    expect(page.get_by_role("status").first).to_have_text("30 games")
    expect(cards(page)).to_have_count(30)
    account = page.get_by_role("navigation", name="Account")
    expect(account).to_contain_text(role)
    expect(account.get_by_role("link", name="Admin")).to_have_count(1 if role == "super" else 0)
    expect(account.get_by_role("link", name="Favourites")).to_have_count(0 if role == "demo" else 1)
    expect(page.locator(".favorite-button")).to_have_count(0 if role == "demo" else 30)

    page.get_by_role("link", name="Doom", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Doom")
    files = page.locator("table")
    expect(files.get_by_role("link", name=re.compile("^Download"))).to_have_count(
        0 if role == "demo" else 2
    )
    download_all = page.get_by_role("link", name=re.compile("^Download all"))
    expect(download_all).to_have_count(0 if role == "demo" else 1)
    if role == "super":
        page.get_by_role("link", name="Admin").click()
        expect(page.get_by_role("heading", name="Site administration")).to_be_visible()


def test_live_search_swaps_the_results_updates_the_address_and_survives_a_reload(page, site, users):
    log_in(page, site.url, "normal")
    mark_document(page)
    search = page.get_by_role("combobox", name="Search titles and alternative names")
    search.press_sequentially("wolf3d", delay=20)  # an alternative name of Wolfenstein 3D
    expect(page).to_have_url(site.url + "/?q=wolf3d")
    expect(page.get_by_role("status").first).to_have_text("1 game")
    assert card_titles(page) == ["Wolfenstein 3D"]
    assert still_same_document(page)

    search.fill("doom")
    expect(page).to_have_url(site.url + "/?q=doom")
    expect(cards(page)).to_have_count(2)
    assert card_titles(page) == ["Doom", "Doom II: Hell on Earth"]

    page.reload()
    assert not still_same_document(page)
    expect(search).to_have_value("doom")
    expect(page).to_have_title("“doom” · Library · romvault")
    assert card_titles(page) == ["Doom", "Doom II: Hell on Earth"]


def test_genre_filter_and_year_sort_stay_in_the_address_across_pages(
    page, site, users, monkeypatch
):
    monkeypatch.setattr(browse, "PAGE_SIZE", 6)  # 11 shooters: two pages
    shooter = Genre.objects.get(name="Shooter")
    log_in(page, site.url, "normal")
    mark_document(page)
    page.get_by_label("Genre", exact=True).select_option(label="Shooter")
    expect(page).to_have_url(f"{site.url}/?genre={shooter.pk}")
    expect(page.get_by_role("status").first).to_have_text("11 games")
    page.get_by_label("Sort by").select_option(label="Year")
    expect(page).to_have_url(f"{site.url}/?genre={shooter.pk}&sort=year")
    expect(page.get_by_role("link", name="Remove filter Genre: Shooter")).to_be_visible()
    pages = page.get_by_role("navigation", name="Pages")
    # Waits for the sorted results to be swapped in; the page links keep both filters.
    expect(pages.get_by_role("link", name="Page 2")).to_have_attribute(
        "href", f"?genre={shooter.pk}&sort=year&page=2"
    )

    first = card_titles(page)
    first_years = [int(y) for y in cards(page).locator(".card-year").all_inner_texts()]
    assert len(first) == 6
    pages.get_by_role("link", name="Page 2").click()
    expect(page).to_have_url(f"{site.url}/?genre={shooter.pk}&sort=year&page=2")
    expect(cards(page)).to_have_count(5)
    second = card_titles(page)
    second_years = [int(y) for y in cards(page).locator(".card-year").all_inner_texts()]
    assert still_same_document(page)

    assert set(first) | set(second) == SHOOTERS
    # Years sort newest first, their own direction.
    assert first_years + second_years == sorted(first_years + second_years, reverse=True)
    # The filters are still set in the form after paging, and after a reload of page 2.
    page.reload()
    expect(page.get_by_label("Genre", exact=True)).to_have_value(str(shooter.pk))
    expect(page.get_by_label("Sort by")).to_have_value("year")
    assert card_titles(page) == second


def test_favourite_button_toggles_in_place_and_the_favourites_page_follows(page, site, users):
    log_in(page, site.url, "normal")
    mark_document(page)
    card = cards(page).filter(has_text="The Dig")
    button = card.get_by_role("button", name="Favourite: The Dig")
    expect(button).to_have_attribute("aria-pressed", "false")
    button.click()
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(button).to_have_attribute("title", "Remove from favourites")
    assert still_same_document(page)
    assert list(Favorite.objects.values_list("user__username", "game__title")) == [
        ("normal", "The Dig")
    ]

    page.get_by_role("link", name="Favourites").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Favourites")
    assert card_titles(page) == ["The Dig"]
    mark_document(page)
    button = page.get_by_role("button", name="Favourite: The Dig")
    button.click()
    expect(button).to_have_attribute("aria-pressed", "false")
    assert still_same_document(page)
    assert not Favorite.objects.exists()
    page.reload()
    expect(page.get_by_text("No favourites yet")).to_be_visible()


def test_game_page_opens_screenshots_in_a_lightbox_and_downloads_the_exact_file(page, site, users):
    doom = site.games["Doom"]
    log_in(page, site.url, "normal")
    page.goto(site.url + doom.get_absolute_url())
    expect(page.get_by_text("DOOM: Knee-Deep in the Dead")).to_be_visible()
    expect(page.get_by_role("link", name="id Software")).to_have_count(2)  # developer, publisher
    expect(page.get_by_role("img", name="Cover of Doom")).to_be_visible()
    page.wait_for_function("document.querySelector('img[alt=\"Cover of Doom\"]').naturalWidth")

    dialog = page.get_by_role("dialog", name="Screenshot viewer")
    expect(dialog).to_be_hidden()
    page.get_by_role("img", name="Screenshot 2 of Doom").click()
    expect(dialog).to_be_visible()
    big = dialog.get_by_role("img")
    expect(big).to_have_attribute("src", re.compile(r"/t_screenshot_huge/shot2\.jpg$"))
    expect(dialog.get_by_role("button", name="Close")).to_be_focused()
    page.wait_for_function(
        "document.querySelector('[role=dialog] img').naturalWidth === 889"
    )  # the full-size image really loaded
    page.keyboard.press("ArrowRight")
    expect(big).to_have_attribute("src", re.compile(r"/shot3\.jpg$"))
    page.keyboard.press("ArrowRight")
    expect(big).to_have_attribute("src", re.compile(r"/shot1\.jpg$"))
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("link", name="Screenshot 2 of Doom")).to_be_focused()

    screenshot(page, "game")
    rom = doom.roms.order_by("path").first()
    with page.expect_download() as download_info:
        page.get_by_role("link", name=f"Download {rom.filename}").click()
    download = download_info.value
    assert download.suggested_filename == rom.filename
    assert Path(download.path()).read_bytes() == Path(rom.path).read_bytes()


def test_catalogue_fits_a_phone_and_a_desktop_without_sideways_scrolling(page, site, users):
    page.goto(site.url + "/accounts/login/")
    # The compiled Tailwind CSS is served and applied: a default browser page is white.
    css = page.request.get(site.url + "/static/css/app.css")
    assert css.ok
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") not in (
        "rgba(0, 0, 0, 0)",
        "rgb(255, 255, 255)",
    )
    assert (
        page.evaluate("getComputedStyle(document.querySelector('button[type=submit]')).display")
        == "inline-flex"
    )  # .btn; a browser's default button is inline-block
    screenshot(page, "login")
    log_in(page, site.url, "normal")
    # The first row's covers come from the live server (Civilization, Commander Keen).
    page.wait_for_function(
        "[...document.querySelectorAll('#results img')].slice(0, 2)"
        ".every(img => img.complete && img.naturalWidth === 264)"
    )
    assert has_no_sideways_scroll(page)
    desktop_columns = columns(page, "#results ul.grid")
    assert desktop_columns >= 5
    expect(page.get_by_label("Genre", exact=True)).to_be_visible()  # wide screens open the filters
    screenshot(page, "catalogue-desktop")

    page.set_viewport_size(PHONE)
    page.reload()
    assert has_no_sideways_scroll(page)
    phone_columns = columns(page, "#results ul.grid")
    assert 2 <= phone_columns < desktop_columns
    expect(page.get_by_role("combobox")).to_be_in_viewport()
    screenshot(page, "catalogue-phone")
    # The filters fold away on a phone, one tap opens them, and they work.
    genre = page.get_by_label("Genre", exact=True)
    expect(genre).to_be_hidden()
    page.get_by_text("Filters", exact=True).click()
    expect(genre).to_be_visible()
    genre.select_option(label="Adventure")
    expect(page.get_by_role("status").first).to_have_text("6 games")
    assert has_no_sideways_scroll(page)

    page.goto(site.url + site.games["Day of the Tentacle"].get_absolute_url())
    assert has_no_sideways_scroll(page)
    # The files table fits too: every download button is whole, not cut off at the edge.
    table = page.locator("table").bounding_box()
    for button in page.locator("table").get_by_role("link", name="Download").all():
        box = button.bounding_box()
        assert box["x"] + box["width"] <= table["x"] + table["width"] + 0.5
    screenshot(page, "game-phone")
