import os

import pytest

# The browser tests' Chromium: Debian's, since `playwright install` cannot download browsers here.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def rom_dir(tmp_path, settings):
    """An empty ROM folder, the only one configured; downloads sent by romvault itself."""
    folder = tmp_path / "roms"
    folder.mkdir()
    settings.ROM_DIRS = [folder]
    settings.DOWNLOAD_ACCEL = ""
    return folder


@pytest.fixture
def normal_client(client, normal_user):
    client.force_login(normal_user)
    return client


@pytest.fixture(scope="module")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run `make browser-deps` (apt-get install chromium)")
    # Playwright's sync API keeps an event loop in this thread; the ORM calls the tests and
    # pytest-django make between browser steps are still plain synchronous code.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        from playwright.sync_api import sync_playwright  # only the browser tests need it

        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            yield chromium
            chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=DESKTOP, accept_downloads=True)
    context.set_default_timeout(5_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def users(make_user):
    return {role: make_user(role, username=role) for role in ("demo", "normal", "super")}
