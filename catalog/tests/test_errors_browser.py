"""Dead ends in a real browser: no role yet, a missing page, a failed htmx request.

Chromium and the library come from conftest.py and test_browser.py. Each page is screenshot at
1280 and 375 px into screenshots/ (git-ignored) for a human to look at.
"""

import re

import pytest
from django.contrib.sessions.models import Session
from playwright.sync_api import expect

from catalog.tests.conftest import DESKTOP
from catalog.tests.test_browser import (  # noqa: F401 - fixtures
    PASSWORD,
    PHONE,
    SCREENSHOTS,
    artwork,
    cards,
    has_no_sideways_scroll,
    log_in,
    mark_document,
    screenshot,
    site,
    still_same_document,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def screenshots(page, name, full_page=True):
    """The page as it is now, at desktop and phone width, neither scrolling sideways. Only what
    the window shows when a fixed banner matters (a full page would put it mid-page)."""
    for suffix, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        assert has_no_sideways_scroll(page), suffix
        if full_page:
            screenshot(page, f"{name}-{suffix}")
        else:
            SCREENSHOTS.mkdir(exist_ok=True)
            page.screenshot(path=SCREENSHOTS / f"{name}-{suffix}.png")
    page.set_viewport_size(DESKTOP)


def test_a_user_without_a_role_is_told_whom_to_ask_and_can_log_out(page, site, make_user):  # noqa: F811
    make_user(username="newcomer")
    page.goto(site.url + "/")
    page.get_by_label("Username").fill("newcomer")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=1)).to_have_text("Your account has no access yet")
    expect(main).to_contain_text("Ask the administrator")
    expect(page.get_by_role("navigation", name="Account")).to_contain_text("newcomer")
    screenshots(page, "no-role")

    main.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_label("Username")).to_be_visible()


def test_a_missing_page_is_in_the_site_layout_with_a_way_back(page, site, users):  # noqa: F811
    log_in(page, site.url, "normal")
    response = page.goto(site.url + "/games/999999/no-such-game/")
    assert response.status == 404
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.get_by_role("navigation", name="Account")).to_contain_text("normal")
    screenshots(page, "not-found")

    main.get_by_role("link", name="Back to the catalogue").click()
    expect(page).to_have_url(site.url + "/")
    expect(cards(page)).to_have_count(30)


def test_a_failed_htmx_request_leaves_the_page_whole_and_says_what_happened(page, site, users):  # noqa: F811
    violations = []
    page.on(
        "console",
        lambda m: "Content Security Policy" in m.text and violations.append(m.text),
    )
    log_in(page, site.url, "normal")
    mark_document(page)
    banner = page.get_by_role("alert")
    expect(banner).to_be_hidden()

    # Someone removes a game while this page shows it; its favourite button then answers 404.
    site.games["The Dig"].delete()
    button = cards(page).filter(has_text="The Dig").get_by_role("button", name="Favourite: The Dig")
    button.click()
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Not found")
    expect(banner).to_contain_text("the game may have left the library")
    expect(banner).to_contain_text("This page was not updated.")
    expect(button).to_have_attribute("aria-pressed", "false")  # the button, not an error page
    expect(cards(page)).to_have_count(30)
    assert still_same_document(page)
    assert not violations, violations
    screenshots(page, "htmx-error", full_page=False)

    banner.get_by_role("button", name="Dismiss").click()
    expect(banner).to_be_hidden()

    # No answer at all (the server is gone, the network dropped): the same banner, its own words.
    page.route("**/?*", lambda route: route.abort())
    page.get_by_label("Genre", exact=True).select_option(label="Shooter")
    expect(banner).to_contain_text("No answer from the server")
    expect(cards(page)).to_have_count(30)
    page.unroute("**/?*")
    # The next request that works takes the banner away.
    page.get_by_label("Genre", exact=True).select_option(label="Adventure")
    expect(banner).to_be_hidden()
    expect(cards(page)).to_have_count(5)  # six adventures, The Dig deleted above
    assert still_same_document(page)


def test_an_htmx_search_after_the_session_ended_opens_the_login_page_whole(page, site, users):  # noqa: F811
    log_in(page, site.url, "normal")
    Session.objects.all().delete()  # logged out elsewhere, or the session expired
    page.get_by_role("combobox", name="Search titles and alternative names").fill("doom")
    # The filter form's own parameters come along (empty ones too): the search is kept.
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/%3Fq%3Ddoom"))
    expect(page.locator("#results")).to_have_count(0)  # a whole page, not swapped into results
    page.get_by_label("Username").fill("normal")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/\?q=doom"))
    expect(cards(page)).to_have_count(2)
    expect(page.locator("#q")).to_have_value("doom")


def test_a_demo_user_is_told_why_the_files_have_no_download_button(page, site, users):  # noqa: F811
    log_in(page, site.url, "demo")
    page.goto(site.url + site.games["Doom"].get_absolute_url())
    files = page.get_by_role("region", name="Files")
    expect(files).to_contain_text("Your account can browse but not download.")
    expect(files.get_by_role("row")).to_have_count(3)  # the header and Doom's two disks
    expect(files.get_by_role("link")).to_have_count(0)
    screenshots(page, "game-demo")
