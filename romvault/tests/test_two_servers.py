"""Two app servers, one PostgreSQL: what people do through one is seen at once through the other,
and only one scrape runs at a time, whichever admin starts it.

Two real gunicorn servers (gunicorn.conf.py as `make serve` runs it, DEBUG off) on two ports, as
two hosts behind a load balancer would run them: the same SECRET_KEY and DATABASE_URL (a scratch
database on the PostgreSQL at 127.0.0.1:5432, or the suite's own PostgreSQL server, dropped
afterwards), each its own DATA_DIR. The test speaks HTTP to them as a browser does (CSRF tokens,
session cookies; one cookie jar per user, sent to both ports as a browser sends it to every port
of one host). Each server runs one worker process, so a page it has cached is the page it would
serve again: a page is fetched through one server before the change made through the other.
"""

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import zipfile
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import httpx
import psycopg
import pytest
from psycopg import sql

from fake_igdb import FakeIGDB, build_dataset
from romvault import config

PASSWORD = "correct horse battery staple"  # the scratch database's test users
# The process environment the suite runs with that would change what is being tested.
CLEARED = {"SECRET_KEY", "DEBUG", "HTTPS", "ALLOWED_HOSTS", "DATABASE_URL", "DATA_DIR", "BIND"}
CLEARED |= {"ROM_DIRS", "ROM_EXTENSIONS", "CATALOGUE_CACHE_SECONDS", "DOWNLOAD_ACCEL"}
CLEARED |= {"IGDB_CLIENT_ID", "IGDB_SECRET_KEY", "IGDB_API_URL", "IGDB_IMAGE_URL"}
CLEARED |= {"TWITCH_TOKEN_URL", "WEB_CONCURRENCY"}
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')
SCRAPES = "/admin/scraper/scraperun/"
STARTED = re.compile(r"Scrape started \(process (\d+)\)")

# Files named as the fake IGDB's real samples (fake_igdb/samples.py): what IGDB calls them, and
# their genres, differ from the file names, so a page shows whether the import reached it.
FIRST_FILES = ["Doom (1993).zip", "Ishido - The Way of Stones (1990)(Accolade).zip"]
LATER_FILE = "Wolfenstein 3D (1992)(Apogee Software).zip"

SETUP = """
import django
django.setup()
from django.core.management import call_command
from accounts.models import Role, User
call_command("migrate", verbosity=0)
User.objects.create_user("ada", password=PASSWORD).set_role(Role.NORMAL)
User.objects.create_user("root", password=PASSWORD).set_role(Role.SUPER)
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def suite_postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://", "pgsql://")) else None


def postgres_server() -> dict:
    """The suite's PostgreSQL server when the suite runs on one, else 127.0.0.1:5432."""
    if url := suite_postgres_url():
        db = config.database_from_url(url)
        return {"host": db["HOST"] or "127.0.0.1", "port": int(db["PORT"] or 5432),
                "user": db["USER"], "password": db["PASSWORD"] or ""}  # fmt: skip
    return {"host": "127.0.0.1", "port": 5432, "user": "postgres", "password": ""}


@pytest.fixture
def database_url():
    """A new database on the PostgreSQL server, dropped afterwards. Without a server: skipped
    with the reason on a SQLite run (`make test` prints it), failed on a PostgreSQL run."""
    server = postgres_server()
    try:
        admin = psycopg.connect(dbname="postgres", autocommit=True, connect_timeout=5, **server)
    except psycopg.OperationalError as exc:
        reason = (
            f"PostgreSQL is not reachable at {server['host']}:{server['port']} as "
            f"{server['user']} ({str(exc).strip().splitlines()[0]}): this test needs it (start "
            "it as .ci/run does)"
        )
        if suite_postgres_url():
            pytest.fail(reason)
        pytest.skip(reason)
    name = f"romvault_two_servers_{secrets.token_hex(4)}"
    with admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            credentials = server["user"] + (f":{server['password']}" if server["password"] else "")
            yield f"postgres://{credentials}@{server['host']}:{server['port']}/{name}"
        finally:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def write_zip(path: Path, program: bytes) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("GAME.EXE", b"MZ" + program)


@contextmanager
def gunicorn(name: str, env: dict, work: Path):
    """A server as `make serve` starts it, on a free port; yields its base URL."""
    port = free_port()
    log = work / f"{name}.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [Path(sys.executable).parent / "gunicorn", "-c", "gunicorn.conf.py"],
            cwd=config.BASE_DIR,
            env={**env, "BIND": f"127.0.0.1:{port}"},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the worker stops with it
        )
    try:
        yield f"http://127.0.0.1:{port}", server, log
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def wait_until_healthy(servers, timeout=60.0):
    deadline = time.monotonic() + timeout
    for url, process, log in servers:
        while True:
            with suppress(httpx.HTTPError):
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            assert process.poll() is None, f"{url} stopped:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"{url} not healthy:\n{log.read_text()}"
            time.sleep(0.1)


class FormFields(HTMLParser):
    """What a browser submits from the form with the given id: named inputs (checked boxes
    only), textareas and each select's chosen options, in document order."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.fields = form_id, False, []
        self._textarea = self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        elif not self.inside or "disabled" in a:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in {"checkbox", "radio"} and "checked" in a:
                self.fields.append((a["name"], a.get("value") or "on"))
            elif kind not in {"checkbox", "radio", "submit", "button", "image", "file", "reset"}:
                self.fields.append((a["name"], a.get("value") or ""))
        elif tag == "textarea" and a.get("name"):
            self._textarea = [a["name"], ""]
        elif tag == "select" and a.get("name"):
            self._select = {"name": a["name"], "multiple": "multiple" in a, "options": []}
        elif tag == "option" and self._select is not None:
            self._select["options"].append((a.get("value") or "", "selected" in a))

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self._textarea is not None:
            # The HTML parser keeps the newline that follows <textarea>; browsers drop it.
            name, text = self._textarea
            self.fields.append((name, text.removeprefix("\n")))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            options = self._select["options"]
            chosen = [value for value, selected in options if selected]
            if not chosen and not self._select["multiple"] and options:
                chosen = [options[0][0]]
            self.fields += [(self._select["name"], value) for value in chosen]
            self._select = None


def form_fields(html: str, form_id: str) -> list[tuple[str, str]]:
    parser = FormFields(form_id)
    parser.feed(html)
    return parser.fields


def as_form(pairs) -> dict[str, list[str]]:
    """(name, value) pairs as httpx takes them: each name once, with its values in order."""
    form = {}
    for name, value in pairs:
        form.setdefault(name, []).append(value)
    return form


class Browser:
    """One person's browser: one cookie jar, sent to both servers (same host, two ports)."""

    def __init__(self):
        self.http = httpx.Client(follow_redirects=True, timeout=20)

    def get(self, url: str) -> str:
        response = self.http.get(url)
        assert response.status_code == 200, (url, response.status_code, response.text[:500])
        return response.text

    def post(self, url: str, page: str, data=()) -> httpx.Response:
        """Post as the form on `page` would: with that page's CSRF token."""
        token = TOKEN.search(page).group(1)
        response = self.http.post(url, data=as_form([*data, ("csrfmiddlewaretoken", token)]))
        assert response.status_code == 200, (url, response.status_code, response.text[:500])
        return response

    def log_in(self, site: str, username: str) -> None:
        page = self.get(f"{site}/accounts/login/")
        fields = [("username", username), ("password", PASSWORD), ("next", "/")]
        landed = self.post(f"{site}/accounts/login/", page, fields)
        assert landed.url.path == "/", landed.url

    def another_tab(self) -> "Browser":
        """The same session in a second tab with its own jar, so that two requests at once do
        not swap each other's message cookies."""
        tab = Browser()
        tab.http.cookies = httpx.Cookies(self.http.cookies)
        return tab


def titles(page: str) -> list[str]:
    return re.findall(r'<span class="card-title[^"]*">([^<]*)</span>', page)


def option_id(page: str, label: str) -> str | None:
    found = re.search(rf'<option value="(\d+)"[^>]*>{re.escape(label)}</option>', page)
    return found and found.group(1)


def favourite_form(page: str, title: str) -> tuple[str, bool]:
    """The card's favourite button for `title`: where it posts, and whether it is pressed."""
    forms = re.findall(r'<form method="post" action="(/favorites/\d+/)"(.*?)</form>', page, re.S)
    action, form = next((a, f) for a, f in forms if f"Favourite: {title}<" in f)
    return action, 'aria-pressed="true"' in form


@dataclass
class TwoServers:
    a: str  # base URLs
    b: str
    hosts: dict[str, dict]  # each host's environment
    igdb: FakeIGDB
    roms: Path
    ada: Browser  # a normal user
    root: Browser  # a super user
    scrapes: list[int] = field(default_factory=list)  # pids of scrapes the admins started


def test_two_app_servers_on_one_postgresql_see_each_others_changes_and_never_scrape_at_once(
    tmp_path, database_url
):
    began = time.monotonic()
    roms = tmp_path / "roms"
    roms.mkdir()
    with ExitStack() as stack:
        igdb = stack.enter_context(FakeIGDB(build_dataset(n_games=12, seed=5), latency=0.01))
        env = {k: v for k, v in os.environ.items() if k not in CLEARED}
        env.update(
            igdb.settings(),
            DEBUG="false",
            SECRET_KEY=secrets.token_urlsafe(50),  # one key: sessions and messages are signed
            DATABASE_URL=database_url,
            ALLOWED_HOSTS="127.0.0.1",
            ROM_DIRS=str(roms),  # a deployment mounts the same folders on every host
            XDG_CONFIG_HOME=str(tmp_path / "config"),
            CATALOGUE_CACHE_SECONDS="300",
            # One worker each: a page cached by a server is then the page it serves next.
            WEB_CONCURRENCY="1",
        )
        hosts = {n: {**env, "DATA_DIR": str(tmp_path / n / "data")} for n in ("a", "b")}
        subprocess.run([sys.executable, "-c", f"PASSWORD = {PASSWORD!r}\n" + SETUP],
                       cwd=config.BASE_DIR, env=hosts["a"], check=True, timeout=120)  # fmt: skip
        servers = [stack.enter_context(gunicorn(n, hosts[n], tmp_path)) for n in ("a", "b")]
        wait_until_healthy(servers)
        ready = time.monotonic()
        (a, _, _), (b, _, _) = servers
        site = TwoServers(a, b, hosts, igdb, roms, Browser(), Browser())
        stack.callback(lambda: [stop_if_running(pid) for pid in site.scrapes])
        site.ada.log_in(a, "ada")
        site.root.log_in(a, "root")

        a_scrape_from_the_command_line_is_seen_through_both_at_once(site)
        a_favourite_toggled_through_a_is_seen_through_b_at_once(site)
        an_admin_edit_through_a_is_seen_through_b_at_once(site)
        two_admins_clicking_at_once_start_one_scrape_and_no_other_while_it_runs(site, tmp_path)
    print(
        f"\ntwo servers: {ready - began:.1f} s to migrate and start both, "
        f"{time.monotonic() - ready:.1f} s of browsing and scraping"
    )


def a_scrape_from_the_command_line_is_seen_through_both_at_once(site):
    ada, a, b = site.ada, site.a, site.b
    # The empty library, cached by B for Ada, and its empty favourites.
    assert titles(ada.get(f"{b}/")) == [] and titles(ada.get(f"{b}/favorites/")) == []
    for n, name in enumerate(FIRST_FILES):
        write_zip(site.roms / name, bytes([n]) * 64)
    subprocess.run([sys.executable, "manage.py", "scrape", "-v0"], cwd=config.BASE_DIR,
                   env=site.hosts["a"], check=True, timeout=60)  # fmt: skip
    for server in (b, a):
        page = ada.get(f"{server}/")
        assert sorted(titles(page)) == ["Doom", "Ishidó: The Way of Stones"], server
        assert option_id(page, "Shooter") and option_id(page, "Puzzle"), "stale genre list"


def a_favourite_toggled_through_a_is_seen_through_b_at_once(site):
    ada, a, b = site.ada, site.a, site.b
    page = ada.get(f"{a}/")
    toggle, pressed = favourite_form(page, "Doom")
    assert not pressed and favourite_form(ada.get(f"{b}/"), "Doom") == (toggle, False)
    ada.post(f"{a}{toggle}", page, [("next", "/")])
    assert favourite_form(ada.get(f"{b}/"), "Doom") == (toggle, True)
    assert titles(ada.get(f"{b}/favorites/")) == ["Doom"]


def an_admin_edit_through_a_is_seen_through_b_at_once(site):
    root, a, b = site.root, site.a, site.b
    changelist = root.get(f"{a}/admin/catalog/game/?q=Ishido")
    change = re.search(r'href="(/admin/catalog/game/\d+/change/)[^"]*"', changelist).group(1)
    form = form_fields(root.get(f"{a}{change}"), "game_form")
    edited = [(k, "Ishido (edited)" if k == "title" else v) for k, v in form]
    saved = root.http.post(f"{a}{change}", data=as_form([*edited, ("_save", "Save")]))
    assert saved.status_code == 200 and "was changed successfully" in saved.text, saved.text
    for server in (b, a):
        assert sorted(titles(site.ada.get(f"{server}/"))) == ["Doom", "Ishido (edited)"], server


def two_admins_clicking_at_once_start_one_scrape_and_no_other_while_it_runs(site, tmp_path):
    ada, root, a, b = site.ada, site.root, site.a, site.b
    shooters = f"/?genre={option_id(ada.get(f'{b}/'), 'Shooter')}"
    assert titles(ada.get(f"{b}{shooters}")) == ["Doom"]
    write_zip(site.roms / LATER_FILE, b"wolf" * 16)
    # Every IGDB answer comes 3 s late for now: the scrape that starts is still identifying
    # while the test tries to start others.
    site.igdb.hang_rate, site.igdb.hang_seconds = 1.0, 3.0
    panels = {server: root.get(f"{server}{SCRAPES}") for server in (a, b)}
    assert all("Scan and scrape now" in panel for panel in panels.values())
    answers = {}

    def click(server, tab):
        answers[server] = tab.post(f"{server}{SCRAPES}start/", panels[server]).text

    clicks = [threading.Thread(target=click, args=(s, root.another_tab())) for s in (a, b)]
    for thread in clicks:
        thread.start()
    for thread in clicks:
        thread.join()
    started = {server: STARTED.search(text) for server, text in answers.items()}
    site.scrapes += [int(found.group(1)) for found in started.values() if found]
    assert len(site.scrapes) == 1, answers
    refused = next(text for server, text in answers.items() if not started[server])
    assert "A scrape is already running" in refused and "wait for it to finish" in refused

    # While it runs, both admins say so, and neither starts another.
    identifying = "Identifying on IGDB"
    wait_for(lambda: identifying in root.get(f"{b}{SCRAPES}"))
    for server in (a, b):
        panel = root.get(f"{server}{SCRAPES}")
        assert "A scrape is already running" in panel and "Scan and scrape now" not in panel
        again = root.post(f"{server}{SCRAPES}start/", panels[server]).text
        assert "A scrape is already running" in again and "Scrape started" not in again
    assert identifying in root.get(f"{a}{SCRAPES}"), "the checks above came too late"
    site.igdb.hang_rate = 0.0
    panel = wait_for(lambda: finished(root.get(f"{b}{SCRAPES}")))
    assert "Last run: <strong>succeeded</strong>" in panel, panel
    # One log, on the host whose admin started the scrape: no other process was started.
    logs = [len(list((tmp_path / n / "data" / "logs").glob("*.log"))) for n in ("a", "b")]
    assert sorted(logs) == [0, 1]
    for server in (b, a):
        assert titles(ada.get(f"{server}{shooters}")) == ["Doom", "Wolfenstein 3D"], server


def finished(panel: str) -> str | None:
    return panel if "Last run:" in panel else None


def wait_for(condition, timeout=40.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.2)
    raise AssertionError(f"still waiting after {timeout} s")


def stop_if_running(pid: int) -> None:
    with suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
