"""js-dos 8 as the player page runs it, without Django: real DOS programs in Chromium.

A static server on 127.0.0.1 serves the vendored js-dos and static/js/player.js from static/,
a page shaped like the player template, the game files of `dosgames`, and a save endpoint that
answers as romvault's does. Every request from the browser must stay on 127.0.0.1, and the page
runs under the Content Security Policy the player page gets, without a single violation.
"""

import io
import json
import re
import threading
import zipfile
from dataclasses import replace
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from catalog.tests import dosgames
from romvault import config

pytestmark = pytest.mark.browser

STATIC = config.BASE_DIR / "static"
# DOSBox-X, which alone can swap disks, is not shipped; npm's copy of js-dos has it (`make css`).
DOSBOX_X = config.BASE_DIR / "node_modules/js-dos/dist/emulators"
# What js-dos needs and nothing more: its scripts, which eval the emulator's glue code
# ('unsafe-eval', which also lets them compile WebAssembly) and load the sound's audio worklet from
# a blob: URL, the emulator in a worker started from a blob: URL, and the data: images of its
# style sheet. No inline style: js-dos sets styles through the DOM, which CSP allows.
PLAYER_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-eval' blob:; worker-src blob:; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
TOKEN = "test-csrf-token"
FOUND = ("SAVE FOUND: LEVEL 7, 1234 GOLD",)
REFUSED = (
    "Failed to load resource: the server responded with a status of 413 (Request Entity Too Large)"
)
TYPES = {".js": "text/javascript", ".css": "text/css", ".wasm": "application/wasm",
         ".txt": "text/plain; charset=utf-8", ".html": "text/html; charset=utf-8"}  # fmt: skip
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Play {title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/static/vendor/js-dos/js-dos.css">
<link rel="stylesheet" href="/page.css">
</head><body>
<div id="player"></div>
<p id="player-status" role="status"></p>
<button type="button" id="player-save">Save</button>
<button type="button" id="player-fullscreen">Fullscreen</button>
<button type="button" id="player-swap">Change disk</button>
<a id="player-exit" href="{exit}">Exit</a>
<a href="/static/vendor/js-dos/LICENSE.txt">js-dos is free software under the GPL-2.0</a>
<script id="player-config" type="application/json">{config}</script>
<script src="/static/vendor/js-dos/js-dos.js"></script>
<script type="module" src="/static/js/player.js"></script>
</body></html>"""
# In the app these are Tailwind classes in the template: the player fills the width at 4:3.
PAGE_CSS = b"#player { width: 100%; aspect-ratio: 4 / 3; max-height: 80vh; }"
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI}`);
});
"""


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def send(self, status, body=b"", content_type="application/octet-stream", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        site, path = self.server.site, urlsplit(self.path).path
        site.requests.append(path)
        if path.startswith("/static/vendor/js-dos/emulators/wdosbox-x."):
            file = DOSBOX_X / path.rpartition("/")[2]
            return self.send(200, file.read_bytes(), TYPES[file.suffix])
        elif path.startswith("/static/"):
            file = (STATIC / path.removeprefix("/static/")).resolve()
            if file.is_relative_to(STATIC) and file.is_file():
                return self.send(200, file.read_bytes(), TYPES.get(file.suffix, "text/plain"))
        elif path in site.pages:
            return self.send(200, site.pages[path], TYPES[".html"],
                             [("Content-Security-Policy", PLAYER_CSP)])  # fmt: skip
        elif path == "/exit":
            return self.send(200, b"<!doctype html><title>Game page</title>", TYPES[".html"])
        elif path == "/page.css":
            return self.send(200, PAGE_CSS, TYPES[".css"])
        elif path.startswith("/games/") and path.removeprefix("/games/") in site.games:
            return self.send(200, site.games[path.removeprefix("/games/")])
        elif path.startswith("/save/"):
            save = site.saves.get(path.removeprefix("/save/"))
            return self.send(204) if save is None else self.send(200, save, "application/zip")
        self.send(404, b"not found", "text/plain")

    def do_POST(self):
        site, path = self.server.site, urlsplit(self.path).path
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers["X-CSRFToken"] != TOKEN:
            return self.answer(403, {"error": "CSRF token missing or wrong."})
        if site.refuse:
            return self.answer(413, {"error": site.refuse})
        site.saves[path.removeprefix("/save/")] = body
        self.answer(200, {"saved": datetime.now(UTC).isoformat(), "size": len(body)})

    def answer(self, status, data):
        self.send(status, json.dumps(data).encode(), "application/json")


@pytest.fixture(scope="module")
def site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.site = SimpleNamespace(
        url=f"http://127.0.0.1:{server.server_port}", pages={}, games={}, saves={},
        requests=[], refuse=None,
    )  # fmt: skip
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.site
    server.shutdown()
    server.server_close()


@pytest.fixture
def problems(page):
    """CSP violations, page errors and console errors; and requests that left 127.0.0.1."""
    found = []
    page.context.add_init_script(REPORT_VIOLATIONS)

    def console(message):
        if message.type == "error" and not message.location.get("url", "").endswith("favicon.ico"):
            found.append(f"console: {message.text}")

    def route(route):
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            return route.continue_()
        found.append(f"left 127.0.0.1: {route.request.url}")
        route.abort()

    page.on("console", console)
    page.on("pageerror", lambda error: found.append(f"page error: {error}"))
    page.context.route("**/*", route)
    yield found
    assert found == []


def play(page, site, game, name=None, backend="dosbox"):
    """Opens the player page for `game` and waits until DOS runs; its output collects in
    window.output (js-dos keeps what DOS printed until someone listens)."""
    name = name or game.file_name
    site.games[name] = game.data
    settings = {
        "fileUrl": f"/games/{name}", "fileName": game.file_name, "archive": game.archive,
        "conf": game.dosbox_conf(), "pathPrefix": "/static/vendor/js-dos/emulators/",
        "saveUrl": f"/save/{name}", "saveUploadUrl": f"/save/{name}", "csrfToken": TOKEN,
        "exitUrl": "/exit", "disks": game.disks, "backend": backend,
    }  # fmt: skip
    site.pages[f"/play/{name}"] = PAGE.format(
        title=game.title, exit="/exit", config=json.dumps(settings).replace("<", "\\u003c")
    ).encode()
    page.goto(f"{site.url}/play/{name}")
    page.wait_for_function("() => window.romvaultPlayer !== undefined", timeout=15_000)
    page.evaluate(
        "window.output = []; romvaultPlayer.ci.events().onStdout((text) => output.push(text))"
    )
    if game.expect:
        printed(page, *game.expect)


def printed(page, *lines):
    """Waits until DOS has printed lines starting with `lines`, in this order, and returns all
    it printed."""
    pattern = r"[\s\S]*".join(rf"(?:^|\n){re.escape(line)}" for line in lines)
    try:
        page.wait_for_function(
            "(pattern) => new RegExp(pattern).test(output.join(''))", arg=pattern, timeout=15_000
        )
    except PlaywrightError:
        pytest.fail(f"DOS did not print {lines}; it printed: {''.join(page.evaluate('output'))}")
    return "".join(page.evaluate("output"))


def colours(page):
    """The emulated screen's size and each colour on it with its pixel count."""
    return page.evaluate(
        """async () => {
            const image = await romvaultPlayer.ci.screenshot();
            const counts = {};
            for (let i = 0; i < image.data.length; i += 4) {
                const rgb = Array.from(image.data.slice(i, i + 3)).join(",");
                counts[rgb] = (counts[rgb] ?? 0) + 1;
            }
            return {size: [image.width, image.height], counts};
        }"""
    )


def screen_filled_with(page, rgb):
    """Waits until every pixel of the 320x200 screen is within 3 of `rgb` per channel."""
    seen = None
    for _ in range(50):
        try:
            seen = colours(page)
        except PlaywrightError as error:  # "No frame received": nothing drawn yet
            seen = str(error)
            page.wait_for_timeout(100)
            continue
        if seen["size"] == [320, 200] and len(seen["counts"]) == 1:
            found = [int(c) for c in next(iter(seen["counts"])).split(",")]
            if all(abs(a - b) <= 3 for a, b in zip(found, rgb, strict=True)):
                return
        page.wait_for_timeout(100)
    pytest.fail(f"the screen is not {rgb}: {seen}")


def zip_files(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {i.filename: archive.read(i) for i in archive.infolist() if not i.is_dir()}


GAMES = {
    "zip": dosgames.hello_zip,
    "program in a subfolder beside set-up programs": dosgames.subfolder_zip,
    "batch file": dosgames.bat_zip,
    "bare program": dosgames.com_file,
    "floppy image": dosgames.floppy_image,
    "CD image": dosgames.cd_image,
    "game on C: with its CD image on D:": dosgames.cd_game_zip,
}


@pytest.mark.parametrize("build", GAMES.values(), ids=GAMES.keys())
def test_the_program_runs_and_prints(page, site, problems, build):
    play(page, site, build())
    assert "WRONG PROGRAM" not in printed(page)
    expect(page.locator("#player-status")).to_contain_text("Running")


def test_a_vga_game_draws_its_colour_and_reads_the_keyboard(page, site, problems):
    play(page, site, dosgames.vga_zip())
    screen_filled_with(page, (255, 85, 170))  # 63, 21, 42 of 63 in the VGA palette
    page.keyboard.press("Enter")  # the program waits for a key, then prints its last line
    printed(page, "ROMVAULT VGA DONE")


def test_a_booter_floppy_starts_from_its_boot_sector(page, site, problems):
    play(page, site, dosgames.booter_image())
    screen_filled_with(page, (40, 255, 81))  # 10, 63, 20 of 63


def test_a_save_made_in_one_session_is_there_in_the_next(page, site, problems):
    game = dosgames.save_zip()
    play(page, site, game)
    page.locator("#player-save").click()
    expect(page.locator("#player-status")).to_contain_text("Saved at")
    # Only what the game wrote: not the game's own files, nor js-dos's configuration.
    assert zip_files(site.saves[game.file_name]) == {"SAVE.DAT": b"LEVEL 7, 1234 GOLD"}

    play(page, site, replace(game, expect=FOUND))
    assert "NO SAVE" not in printed(page)
    # The loaded save counts as changed, so saving again keeps it.
    page.locator("#player-save").click()
    expect(page.locator("#player-status")).to_contain_text(re.compile("Saved at|Nothing new"))
    assert zip_files(site.saves[game.file_name]) == {"SAVE.DAT": b"LEVEL 7, 1234 GOLD"}


def test_a_bare_program_saves_only_what_it_wrote(page, site, problems):
    program = dosgames.assemble("save", exe=True)
    game = dosgames.DosGame("SAVEGAME.EXE", program, "Save Game", False, ("SAVE WRITTEN",))
    play(page, site, game, name="bare-save")
    page.locator("#player-save").click()
    expect(page.locator("#player-status")).to_contain_text("Saved at")
    assert zip_files(site.saves["bare-save"]) == {"SAVE.DAT": b"LEVEL 7, 1234 GOLD"}
    play(page, site, replace(game, expect=FOUND), name="bare-save")


def test_leaving_the_page_saves_and_a_refused_save_says_why(page, site, problems):
    game = dosgames.save_zip()
    play(page, site, game, name="hidden")
    page.evaluate(
        """() => {
            Object.defineProperty(document, "visibilityState", {value: "hidden"});
            document.dispatchEvent(new Event("visibilitychange"));
        }"""
    )
    expect(page.locator("#player-status")).to_contain_text("Saved at")
    assert zip_files(site.saves["hidden"]) == {"SAVE.DAT": b"LEVEL 7, 1234 GOLD"}

    site.refuse = "Your saves for this game are over the 1 MB limit."
    try:
        play(page, site, game, name="refused")
        page.locator("#player-exit").click()
        expect(page.locator("#player-status")).to_have_text(
            f"Not saved: {site.refuse} Press Exit again to leave without saving."
        )
        assert "refused" not in site.saves
        # The browser logs the refusal itself; nothing else may have gone wrong.
        assert problems == [f"console: {REFUSED}"]
        problems.clear()
    finally:
        site.refuse = None
    page.locator("#player-exit").click()
    expect(page).to_have_url(f"{site.url}/exit")


def test_exit_saves_then_goes_back(page, site, problems):
    play(page, site, dosgames.save_zip(), name="exit")
    page.locator("#player-exit").click()
    expect(page).to_have_url(f"{site.url}/exit")
    assert zip_files(site.saves["exit"]) == {"SAVE.DAT": b"LEVEL 7, 1234 GOLD"}


@pytest.mark.skipif(
    not (DOSBOX_X / "wdosbox-x.wasm").is_file(),
    reason="DOSBox-X is not shipped (static/vendor has js-dos's DOSBox only); this test of the "
    "player's DOSBox-X path runs where `make css` left npm's js-dos in node_modules",
)
def test_under_dosbox_x_the_swap_button_changes_the_floppy_in_drive_a(page, site, problems):
    game = dosgames.two_disks_zip()
    play(page, site, game, backend="dosboxX")
    printed(page, "ROMVAULT DISK 1", "Press any key")
    page.locator("#player-swap").click()
    expect(page.locator("#player-status")).to_contain_text("disk 2 of 2")
    page.keyboard.press("Enter")
    printed(page, "ROMVAULT DISK 1", "ROMVAULT DISK 2")


def test_js_dos_dosbox_cannot_swap_disks_so_there_is_no_swap_button(page, site, problems):
    play(page, site, dosgames.two_disks_zip())
    printed(page, "ROMVAULT DISK 1", "Press any key")
    expect(page.locator("#player-swap")).to_be_hidden()
    page.keyboard.down("Control")  # DOSBox's own shortcut does nothing in js-dos's DOSBox
    page.keyboard.press("F4")
    page.keyboard.up("Control")
    page.keyboard.press("Enter")
    assert "ROMVAULT DISK 2" not in printed(page, "ROMVAULT DISK 1", "ROMVAULT DISK 1")


def test_fullscreen_fills_the_screen_with_the_game(page, site, problems):
    play(page, site, dosgames.hello_zip())
    page.locator("#player-fullscreen").click()
    page.wait_for_function("() => document.fullscreenElement?.id === 'player'")


def test_a_click_on_the_game_captures_the_mouse(page, site, problems):
    play(page, site, dosgames.hello_zip())
    page.locator("#player canvas").click()
    page.wait_for_function("() => document.pointerLockElement?.tagName === 'CANVAS'")


def test_on_a_phone_js_dos_on_screen_keyboard_types_into_the_game(browser, site):
    context = browser.new_context(
        viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    play(page, site, dosgames.vga_zip())
    page.locator(".sidebar-button").first.tap()  # js-dos's sidebar: the keyboard comes first
    page.get_by_text("F8", exact=True).tap()  # the program waits for any key
    printed(page, "ROMVAULT VGA DONE")
    context.close()
