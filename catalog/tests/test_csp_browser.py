"""The Content Security Policy in a real browser: no page breaks it, and everything still works.

Chromium reports each violation twice over: a console error ("Refused to ...") and a
`securitypolicyviolation` event, which a script Playwright injects (outside the page's policy)
turns into a console error too. Every console error or warning fails the test.
"""

import re
import shutil

import pytest
from playwright.sync_api import expect

from catalog.tests.test_browser import (  # noqa: F401 - fixtures
    PASSWORD,
    artwork,
    card_titles,
    cards,
    log_in,
    site,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI}`);
});
"""


@pytest.fixture
def admin_covers(artwork):  # noqa: F811
    """The admin's game list shows IGDB's cover_small, which the shared artwork lacks."""
    small = artwork / "igdb" / "t_cover_small"
    if not small.exists():
        shutil.copytree(artwork / "igdb" / "t_cover_big", small)


@pytest.fixture
def problems(page):
    """Console errors and warnings, and CSP violations, of every page the test opens."""
    found = []
    page.context.add_init_script(REPORT_VIOLATIONS)

    def console(message):
        # The browser asks for /favicon.ico on its own; the site has none, which is no fault.
        source = message.location.get("url", "")
        if message.type in ("error", "warning") and not source.endswith("/favicon.ico"):
            found.append(f"{page.url}: {message.type}: {message.text} {message.location}")

    page.on("console", console)
    page.on("pageerror", lambda error: found.append(f"{page.url}: page error: {error}"))
    return found


def visit(page, url):
    response = page.goto(url)
    assert response.ok, (url, response.status)
    assert "script-src 'self'" in response.headers["content-security-policy"]
    return response


def test_the_site_and_the_admin_work_under_the_policy_without_a_violation(
    page,
    site,  # noqa: F811
    users,
    problems,
    admin_covers,
):
    url = site.url
    visit(page, url + "/accounts/login/")
    log_in(page, url, "super")

    # Catalogue: search as you type (htmx), a filter, a favourite.
    search = page.get_by_role("combobox", name="Search titles and alternative names")
    search.press_sequentially("doom", delay=20)
    expect(page).to_have_url(url + "/?q=doom")
    expect(cards(page)).to_have_count(2)
    assert card_titles(page) == ["Doom", "Doom II: Hell on Earth"]
    heart = cards(page).filter(has_text="Doom II").get_by_role("button", name=re.compile("^Fav"))
    heart.click()
    expect(heart).to_have_attribute("aria-pressed", "true")
    visit(page, url + "/")
    page.get_by_label("Genre", exact=True).select_option(label="Adventure")
    expect(page.get_by_role("status").first).to_have_text("6 games")

    # Game page: the lightbox (Alpine, CSP build) and the favourite toggle.
    visit(page, url + site.games["Doom"].get_absolute_url())
    dialog = page.get_by_role("dialog", name="Screenshot viewer")
    expect(dialog).to_be_hidden()
    page.get_by_role("img", name="Screenshot 1 of Doom").click()
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("img")).to_have_attribute("src", re.compile(r"/shot1\.jpg$"))
    page.keyboard.press("ArrowRight")
    expect(dialog.get_by_role("img")).to_have_attribute("src", re.compile(r"/shot2\.jpg$"))
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()
    heart = page.get_by_role("button", name="Favourite: Doom")
    heart.click()
    expect(heart).to_have_attribute("aria-pressed", "true")
    page.wait_for_function("document.querySelector('img[alt=\"Cover of Doom\"]').naturalWidth")

    # Password change, all the way through.
    visit(page, url + "/accounts/password/")
    page.locator("#id_old_password").fill(PASSWORD)
    page.locator("#id_new_password1").fill("a much longer passphrase 7")
    page.locator("#id_new_password2").fill("a much longer passphrase 7")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("heading", name="Password changed")).to_be_visible()

    # The admin: index, a list with filters and search, forms with inlines and widgets.
    visit(page, url + "/admin/")
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    visit(page, url + "/admin/catalog/game/?q=doom")
    expect(page.locator("#result_list tbody tr")).to_have_count(2)
    page.locator("#action-toggle").check()  # the admin's own JavaScript ticks every row
    expect(page.locator("input.action-select:checked")).to_have_count(2)
    # romvault's admin styles (static/css/admin.css) apply: covers are 36 px thumbnails.
    expect(page.locator("img.rv-cover").first).to_have_css("width", "36px")
    visit(page, url + f"/admin/catalog/game/{site.games['Doom'].pk}/match/")
    expect(page.locator("form.rv-search").first).to_have_css("display", "flex")
    visit(page, url + f"/admin/catalog/game/{site.games['Doom'].pk}/change/")
    expect(page.locator("#id_title")).to_have_value("Doom")
    page.get_by_role("button", name="Add another Alternative name").click()  # inlines.js
    expect(page.locator("#id_alternative_names-1-name")).to_be_visible()
    visit(page, url + "/admin/scraper/scraperun/")  # the scrape panel loads htmx in the admin
    page.wait_for_function("window.htmx !== undefined")
    visit(page, url + "/admin/accounts/user/add/")
    expect(page.locator("#id_username")).to_be_visible()
    user = users["normal"]
    visit(page, url + f"/admin/accounts/user/{user.pk}/change/")
    page.get_by_text("Permissions", exact=True).click()  # a collapsed fieldset opens
    expect(page.get_by_label("Staff status")).to_be_visible()

    assert problems == []


def test_the_collector_would_see_a_violation(page, site, users, problems):  # noqa: F811
    """The check above can fail: an inline script is refused and reported."""
    visit(page, site.url + "/accounts/login/")
    page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.inlineRan = true";
            document.body.append(script);
        }"""
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.inlineRan === undefined")
    assert any("script-src" in problem for problem in problems), problems
