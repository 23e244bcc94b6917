"""Suggestions under the catalogue's search box, in Chromium: the combobox a keyboard, a
screen reader and a phone use. Screenshots land in `screenshots/`."""

import re
import shutil

import pytest
from playwright.sync_api import expect

from catalog.tests.test_browser import (  # noqa: F401 - fixtures
    PHONE,
    artwork,
    card_titles,
    has_no_sideways_scroll,
    log_in,
    screenshot,
    site,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LOADED_THUMBNAILS = """listbox => {
    const images = [...listbox.querySelectorAll("img")];
    return images.length > 0 && images.every(img => img.complete && img.naturalWidth > 0);
}"""


@pytest.fixture
def thumbnails(artwork):  # noqa: F811
    """Suggestions show IGDB's cover_small, which the shared artwork lacks."""
    small = artwork / "igdb" / "t_cover_small"
    if not small.exists():
        shutil.copytree(artwork / "igdb" / "t_cover_big", small)


SAGA = [
    "Civilization", "Doom", "Quake", "Loom", "Heretic", "Tyrian", "Master of Orion",
    "Full Throttle", "Jazz Jackrabbit",
]  # fmt: skip


@pytest.fixture
def sagas(site):  # noqa: F811
    """Nine games, each with a cover, known also as "<title> Saga": 8 are suggested for "saga"."""
    from catalog import search
    from catalog.models import AlternativeName, Game

    games = Game.objects.filter(title__in=SAGA)
    for game in games:
        AlternativeName.objects.create(game=game, name=f"{game.title} Saga")
    search.refresh(game.pk for game in games)


def parts(page):
    box = page.get_by_role("combobox", name="Search titles and alternative names")
    listbox = page.get_by_role("listbox", name="Suggestions")
    return box, listbox, listbox.get_by_role("option")


def highlighted(page, box, options, index):
    """Option `index` is the active descendant and the only one selected (None: no option)."""
    if index is None:
        expect(box).not_to_have_attribute("aria-activedescendant", re.compile(".*"))
    else:
        option_id = options.nth(index).get_attribute("id")
        expect(box).to_have_attribute("aria-activedescendant", option_id)
    selected = [o.get_attribute("aria-selected") for o in options.all()]
    assert selected == ["true" if i == index else "false" for i in range(len(selected))]


def test_suggestions_open_with_thumbnails_and_follow_the_keyboard(
    page,
    site,  # noqa: F811
    users,
    thumbnails,
    sagas,
):
    log_in(page, site.url, "demo")  # may browse and search, so sees suggestions too
    box, listbox, options = parts(page)
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_have_attribute("aria-controls", "q-suggestions")
    expect(listbox).to_be_hidden()

    box.press_sequentially("saga", delay=30)  # 9 games have "saga" in a name: 8 are suggested
    expect(options).to_have_count(8)
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(listbox).to_be_visible()
    listbox.wait_for(state="visible")
    page.wait_for_function(LOADED_THUMBNAILS, arg=listbox.element_handle())
    civilization = options.filter(has_text="Civilization")
    expect(civilization).to_have_text(re.compile(r"Civilization\s+1991"))
    highlighted(page, box, options, None)
    screenshot(page, "suggestions-desktop")

    box.press("ArrowDown")
    highlighted(page, box, options, 0)
    box.press("ArrowDown")
    highlighted(page, box, options, 1)
    screenshot(page, "suggestions-desktop-highlighted")
    box.press("ArrowUp")
    box.press("ArrowUp")  # past the first: back to the box itself
    highlighted(page, box, options, None)
    box.press("ArrowUp")  # and round to the last
    highlighted(page, box, options, 7)
    expect(box).to_be_focused()  # focus stays in the box throughout

    box.press("Escape")
    expect(listbox).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    highlighted(page, box, options, None)
    expect(box).to_have_value("saga")  # Escape closes the list, it does not clear the box

    # Down opens the list again; Enter opens the highlighted game's page.
    box.fill("")
    box.press_sequentially("doom", delay=30)
    expect(options).to_have_count(2)
    expect(options.first).to_have_text(re.compile(r"^\s*Doom\s+1993\s*$"))
    box.press("ArrowDown")
    highlighted(page, box, options, 0)
    box.press("Enter")
    expect(page).to_have_url(site.url + site.games["Doom"].get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text("Doom")


def test_enter_with_nothing_highlighted_gives_the_results_page(
    page,
    site,  # noqa: F811
    users,
    thumbnails,
):
    log_in(page, site.url, "normal")
    box, listbox, options = parts(page)
    box.press_sequentially("dune", delay=30)
    expect(options).to_have_count(1)
    box.press("Enter")
    expect(page).to_have_url(site.url + "/?q=dune")
    expect(page.get_by_role("status").first).to_have_text("1 game")
    assert card_titles(page) == ["Dune II: The Building of a Dynasty"]
    expect(listbox).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    # Arrows brought back after a submit, Escape, then clicking a suggestion opens it.
    box.press("ArrowDown")
    expect(listbox).to_be_visible()
    options.first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dune II: The Building of a Dynasty")


def test_an_older_query_s_answer_never_shows(
    page,
    site,  # noqa: F811
    users,
    thumbnails,
):
    """ "du" is answered only after "dun" was typed: its games (Duke Nukem) must not appear."""
    log_in(page, site.url, "normal")
    box, _, options = parts(page)
    page.evaluate("""() => {
        window.seen = [];
        new MutationObserver(() => window.seen.push(
            document.getElementById("q-suggestions").textContent)
        ).observe(document.getElementById("q-suggestions"), {childList: true, subtree: true});
    }""")
    held = []
    page.route(re.compile(r"/search/suggest/\?q=du$"), lambda route: held.append(route))
    box.press_sequentially("du", delay=30)
    page.wait_for_timeout(400)  # the debounce passes; the answer for "du" is held
    assert len(held) == 1
    box.press("n")
    held[0].continue_()  # answered inside the debounce of "dun", before its request starts
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("Dune II")
    assert not any("Duke" in text for text in page.evaluate("window.seen"))


def test_after_the_session_ends_the_login_page_is_not_shown_as_suggestions(
    page,
    site,  # noqa: F811
    users,
):
    log_in(page, site.url, "normal")
    box, _, _ = parts(page)
    page.context.clear_cookies()
    with page.expect_response(re.compile(r"/search/suggest/")) as answer:
        box.press_sequentially("doom", delay=30)
    assert answer.value.status == 204  # nothing to swap into the list
    # The search's own request opens the login page whole, the query kept for afterwards.
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/%3Fq%3Ddoom"))


def test_suggestions_fit_a_phone(
    page,
    site,  # noqa: F811
    users,
    thumbnails,
    sagas,
):
    page.set_viewport_size(PHONE)
    log_in(page, site.url, "normal")
    box, listbox, options = parts(page)
    box.press_sequentially("saga", delay=30)
    expect(options).to_have_count(8)
    page.wait_for_function(LOADED_THUMBNAILS, arg=listbox.element_handle())
    assert has_no_sideways_scroll(page)
    list_box = listbox.bounding_box()
    assert list_box["x"] >= 0 and list_box["x"] + list_box["width"] <= PHONE["width"]
    for option in options.all():  # each whole on screen, a finger's height
        box_ = option.bounding_box()
        assert box_["height"] >= 44
        assert box_["y"] + box_["height"] <= PHONE["height"]
    screenshot(page, "suggestions-phone")
    options.nth(1).click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_without_javascript_the_box_is_a_plain_search_form(
    browser,
    site,  # noqa: F811
    users,
):
    context = browser.new_context(java_script_enabled=False)
    context.set_default_timeout(5_000)
    page = context.new_page()
    try:
        log_in(page, site.url, "normal")
        box, listbox, _ = parts(page)
        box.fill("doom")
        expect(listbox).to_be_hidden()
        box.press("Enter")
        expect(page).to_have_url(re.compile(r"/\?q=doom"))
        assert card_titles(page) == ["Doom", "Doom II: Hell on Earth"]
        expect(listbox).to_be_hidden()
    finally:
        context.close()
