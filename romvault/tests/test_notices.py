"""THIRD_PARTY_NOTICES.md names every file of someone else's that the site ships, at the version
shipped: `make css` or an upgrade of a pin fails here until the notices say so."""

import json
import re
from importlib.metadata import version as installed
from pathlib import Path

import django
import django_htmx

from romvault import config

ROOT = config.BASE_DIR
NOTICES = (ROOT / "THIRD_PARTY_NOTICES.md").read_text()
OURS = {"static/js/app.js", "static/js/player.js", "static/css/admin.css", "static/css/player.css"}
OURS |= {"static/favicon.svg", "static/favicon.ico"}  # drawn for romvault


def row(name):
    """The notices' table row that mentions `name`."""
    rows = [line for line in NOTICES.splitlines() if line.startswith("|") and name in line]
    assert len(rows) == 1, f"THIRD_PARTY_NOTICES.md needs one row for {name}"
    return rows[0]


def test_every_static_file_is_ours_or_in_the_notices():
    served = {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "static").rglob("*")
        if path.is_file() and "src" not in path.relative_to(ROOT / "static").parts
    }
    assert sorted(p for p in served - OURS if f"`{p}`" not in NOTICES) == []


def test_the_notices_give_the_versions_shipped():
    packages = json.loads((ROOT / "package-lock.json").read_text())["packages"]
    assert packages["node_modules/@alpinejs/csp"]["version"] in row("alpine.min.js")
    tailwind = packages["node_modules/tailwindcss"]["version"]
    assert tailwind in row("app.css")
    assert f"tailwindcss v{tailwind} " in (ROOT / "static/css/app.css").read_text()[:100]

    js_dos = packages["node_modules/js-dos"]["version"]
    assert f"| {js_dos} |" in row("js-dos.js") and f"tag `v{js_dos}`" in row("js-dos.js")
    assert f'getVersion:()=>["{js_dos}"' in (ROOT / "static/vendor/js-dos/js-dos.js").read_text()
    emulators = (ROOT / "static/vendor/js-dos/emulators/emulators.js").read_text()
    version = re.search(r'version:"([\d.]+) \(', emulators)[1]
    assert f"| emulators {version} |" in row("wdosbox.wasm")
    assert f"tag `v{version}`" in row("wdosbox.wasm")
    assert "Version 2, June 1991" in (ROOT / "static/vendor/js-dos/LICENSE.txt").read_text()[:200]

    htmx = Path(django_htmx.__file__).parent / "static/django_htmx/htmx-2.min.js"
    version = re.search(r'version:"([\d.]+)"', htmx.read_text())[1]
    assert f"htmx {version} in django-htmx {installed('django-htmx')} " in row("htmx-2.min.js")
    assert django.get_version() in row("the admin's")
