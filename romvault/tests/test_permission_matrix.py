"""Who may do what, for every URL the project serves: generated from the URLconf itself.

Each URL pattern (named or not, in any namespace) becomes test cases, filled in with real
object ids, requested as anonymous, demo, normal, super and "other" (a normal user whose
favourite it is not), and compared with EXPECTED. A new view fails here until someone decides
who may see it and adds it to EXPECTED. Admin URLs (hundreds, and more arriving) are checked by
one generic rule plus a few explicit cases. No request anywhere may answer 500.
"""

import os
import re
import secrets

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import Role
from catalog.downloads import version_of
from catalog.models import (
    AlternativeName,
    Collection,
    Company,
    Favorite,
    Franchise,
    GameMode,
    Genre,
    Image,
    Involvement,
    Keyword,
    PlayerPerspective,
    Theme,
)
from scraper.models import ScrapeLock

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "demo", "normal", "super", "other")
LOGIN = "login"  # 302 to accounts:login with ?next=
ADMIN_LOGIN = "admin-login"  # 302 to admin:login with ?next=


def walk(patterns, prefix="", namespace=""):
    """(name or None, route, pattern) of every endpoint, resolvers followed recursively."""
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or ""
            ns = f"{namespace}:{inner}" if namespace and inner else namespace or inner
            yield from walk(pattern.url_patterns, route, ns)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield name, route, pattern


ENDPOINTS = list(walk(get_resolver().url_patterns))
SITE = [(name, route) for name, route, _ in ENDPOINTS if not route.startswith("admin/")]
ADMIN = [(name, route) for name, route, _ in ENDPOINTS if route.startswith("admin/")]

# (url name, method) -> {role: status}. Statuses: an int, LOGIN or ADMIN_LOGIN.
_ALL_405 = dict.fromkeys(ROLES, 405)
_BROWSE = {"anonymous": LOGIN, "demo": 200, "normal": 200, "super": 200, "other": 200}
_OWN = {"anonymous": LOGIN, "demo": 403, "normal": 200, "super": 200, "other": 200}
EXPECTED = {
    ("healthz", "GET"): dict.fromkeys(ROLES, 200),
    ("healthz", "POST"): _ALL_405,
    ("favicon", "GET"): dict.fromkeys(ROLES, 302),
    ("favicon", "POST"): _ALL_405,
    ("catalog:index", "GET"): _BROWSE,
    ("catalog:index", "POST"): _ALL_405,
    ("catalog:suggest", "GET"): _BROWSE,
    ("catalog:suggest", "POST"): _ALL_405,
    ("catalog:game-detail", "GET"): _BROWSE,
    ("catalog:game-detail", "POST"): _ALL_405,
    ("catalog:favorites", "GET"): _OWN,
    ("catalog:favorites", "POST"): _ALL_405,
    ("catalog:favorite-toggle", "GET"): _ALL_405,
    # normal removes their favourite, super and other add their own: all redirect back.
    ("catalog:favorite-toggle", "POST"): {**_OWN, "normal": 302, "super": 302, "other": 302},
    ("catalog:rom-download", "GET"): _OWN,
    ("catalog:rom-download", "POST"): _ALL_405,
    ("catalog:game-download-all", "GET"): _OWN,
    ("catalog:game-download-all", "POST"): _ALL_405,
    # Playing: the Play button of a card goes on to the player of the game's first file.
    ("catalog:play-game", "GET"): {**_OWN, "normal": 302, "super": 302, "other": 302},
    ("catalog:play-game", "POST"): _ALL_405,
    ("catalog:play", "GET"): _OWN,
    ("catalog:play", "POST"): _ALL_405,
    ("catalog:play-file", "GET"): _OWN,
    ("catalog:play-file", "POST"): _ALL_405,
    # Nobody has a save yet (204); a POST that is not a zip is refused (400).
    ("catalog:save", "GET"): {**_OWN, "normal": 204, "super": 204, "other": 204},
    ("catalog:save", "POST"): {**_OWN, "normal": 400, "super": 400, "other": 400},
    ("catalog:save-delete", "GET"): _ALL_405,
    ("catalog:save-delete", "POST"): {**_OWN, "normal": 302, "super": 302, "other": 302},
    ("accounts:login", "GET"): {**dict.fromkeys(ROLES, 302), "anonymous": 200},
    ("accounts:login", "POST"): {**dict.fromkeys(ROLES, 302), "anonymous": 200},  # form errors
    ("accounts:logout", "GET"): _ALL_405,
    ("accounts:logout", "POST"): dict.fromkeys(ROLES, 302),
    ("accounts:password-change", "GET"): {**dict.fromkeys(ROLES, 200), "anonymous": LOGIN},
    ("accounts:password-change", "POST"): {**dict.fromkeys(ROLES, 200), "anonymous": LOGIN},
    ("accounts:password-change-done", "GET"): {**dict.fromkeys(ROLES, 200), "anonymous": LOGIN},
    ("accounts:password-change-done", "POST"): {**_ALL_405, "anonymous": LOGIN},
}

# Admin: every URL sends anonymous, demo and normal users to the admin login, and never
# answers a super user 403 or 500. The exceptions, and a few exact statuses for super users:
ADMIN_EXPECTED = {
    "admin:login": {"anonymous": 200, "demo": 200, "normal": 200, "super": 302},
    "admin:logout": {"anonymous": 302, "demo": 302, "normal": 302, "super": 405},  # POST only
    # Without its app_label, model_name and field_name parameters Django refuses the request.
    "admin:autocomplete": {"super": 403},
    # Locks are taken by `scrape` only: nobody adds one by hand (ScrapeLockAdmin).
    "admin:scraper_scrapelock_add": {"super": 403},
    # Runs are recorded by `scrape` itself; the admin starts one with its own button (POST).
    "admin:scraper_scraperun_add": {"super": 403},
    # Saves and play times are written by the player only (catalog/admin/library.py).
    "admin:catalog_save_add": {"super": 403},
    "admin:catalog_played_add": {"super": 403},
    "admin:scraper_scraperun_start": {"super": 405},  # GET never starts a scrape
    "admin:scraper_scraperun_status": {"super": 200},
    "admin:catalog_game_match": {"super": 200},
    "admin:index": {"super": 200},
    "admin:catalog_game_changelist": {"super": 200},
    "admin:catalog_game_change": {"super": 200},
    "admin:catalog_rom_changelist": {"super": 200},
    "admin:catalog_favorite_changelist": {"super": 200},
    "admin:accounts_user_changelist": {"super": 200},
    "admin:accounts_user_change": {"super": 200},
    "admin:auth_group_changelist": {"super": 200},
}


@pytest.fixture
def world(tmp_path, settings, make_user, make_game, make_rom):
    """Users of every role, and at least one row of every model the admin shows."""
    folder = tmp_path / "roms"
    folder.mkdir()
    settings.ROM_DIRS = [folder]
    settings.DOWNLOAD_ACCEL = ""
    (folder / "Keen (1990).zip").write_bytes(b"keen")
    users = {
        "demo": make_user(Role.DEMO, username="demo"),
        "normal": make_user(Role.NORMAL, username="normal"),
        "super": make_user(Role.SUPER, username="super"),
        "other": make_user(Role.NORMAL, username="other"),
    }
    game = make_game(title="Commander Keen")
    rom = make_rom(game=game, path=str(folder / "Keen (1990).zip"), size=4)
    rom.members, rom.file_count = [["KEEN.EXE", 4]], 1  # as a scan lists it: a game that plays
    rom.save()
    favorite = Favorite.objects.create(user=users["normal"], game=game)
    for model in (Genre, Theme, Keyword, GameMode, PlayerPerspective, Franchise, Collection):
        model.objects.create(igdb_id=1, name=f"A {model.__name__}")
    company = Company.objects.create(igdb_id=1, name="id Software")
    Involvement.objects.create(game=game, company=company, developer=True)
    AlternativeName.objects.create(game=game, name="Keen")
    Image.objects.create(game=game, kind="cover", image_id="co1")
    ScrapeLock.acquire("testhost:1")
    return {"users": users, "game": game, "rom": rom, "favorite": favorite}


def site_kwargs(name, world):
    game = world["game"]
    return {
        "catalog:game-detail": {"pk": game.pk, "slug": game.slug},
        # The game of normal's favourite: "other" toggles their own, never normal's.
        "catalog:favorite-toggle": {"pk": world["favorite"].game_id},
        "catalog:rom-download": {"pk": world["rom"].pk},
        "catalog:game-download-all": {"pk": world["rom"].game_id},
        "catalog:play-game": {"pk": game.pk},
        "catalog:play": {"pk": world["rom"].pk},
        "catalog:play-file": {
            "pk": world["rom"].pk,
            "version": version_of(os.stat(world["rom"].path)),
            "name": "KEEN.ZIP",
        },
        "catalog:save": {"pk": world["rom"].pk},
        "catalog:save-delete": {"pk": world["rom"].pk},
    }.get(name)


def admin_path(route, world):
    """The route with every parameter filled in: a real object of the model it names."""
    parts = route.split("/")

    def value(match):
        param = match.group("name")
        if param == "content_type_id":
            return str(ContentType.objects.get_for_model(world["game"]).pk)
        if parts[1] == "r":  # admin/r/<content_type_id>/<object_id>/: "view on site"
            return str(world["game"].pk)
        if param in ("object_id", "id"):
            # admin/<app>/<model>/<object_id>/...: any row of that model, or an id nothing has.
            model = apps.get_model(parts[1], parts[2])
            row = model._default_manager.order_by("pk").first()
            return str(row.pk if row else 999_999)
        if param == "app_label":
            return "catalog"
        if param == "url":
            return "no-such-page/"
        raise AssertionError(f"admin route {route}: no value for <{param}>; add one here")

    if "(?P<" in route:  # a regular expression: fill its groups, drop the anchors
        route = re.sub(r"\(\?P<(?P<name>\w+)>[^)]*\)", value, route)
        return "/" + route.replace("^", "").replace("$", "")
    return "/" + re.sub(r"<(?:\w+:)?(?P<name>\w+)>", value, route)


def client_for(role, world):
    client = Client(enforce_csrf_checks=True)
    if role != "anonymous":
        client.force_login(world["users"][role])
    return client


def request(client, method, path, data=None):
    """GET, or POST with a valid CSRF token the way a browser sends it (cookie + header)."""
    if method == "GET":
        return client.get(path)
    token = secrets.token_hex(16)  # 32 characters: a valid unmasked CSRF secret
    client.cookies["csrftoken"] = token
    return client.post(path, data or {}, HTTP_X_CSRFTOKEN=token)


def check(response, expected, where) -> list[str]:
    """The problems with this response: [] when it is what was expected."""
    status, location = response.status_code, response.get("Location", "")
    if status == 500:
        return [f"{where}: 500"]
    if expected in (LOGIN, ADMIN_LOGIN):
        login = reverse("accounts:login" if expected == LOGIN else "admin:login") + "?next="
        if status != 302 or not location.startswith(login):
            return [f"{where}: {status} {location}, expected a redirect to {login}"]
    elif status != expected:
        return [f"{where}: {status}, expected {expected}"]
    return []


# --- the site -------------------------------------------------------------------------------


def test_every_site_url_answers_each_role_as_expected(world):
    problems = []
    readers = {role: client_for(role, world) for role in ROLES}
    for name, route in SITE:
        if not name:
            problems.append(f"URL {route!r} has no name: name it and add it to EXPECTED")
            continue
        pattern = next(p for n, r, p in ENDPOINTS if r == route)
        params = set(getattr(pattern.pattern, "converters", {}))
        kwargs = site_kwargs(name, world)
        if bool(kwargs) != bool(params):
            problems.append(f"{name} takes {sorted(params)}: give real values in site_kwargs")
            continue
        path = reverse(name, kwargs=kwargs)
        for method in ("GET", "POST"):
            if (name, method) not in EXPECTED:
                problems.append(
                    f"{name} {method} is not in EXPECTED of {__name__}: decide what each role "
                    f"may do there and add a line, e.g. ({name!r}, {method!r}): "
                    "{'anonymous': LOGIN, 'demo': 403, 'normal': 200, 'super': 200, 'other': 200}"
                )
                continue
            for role in ROLES:
                # A POST may log out or change state: a fresh session each time.
                client = readers[role] if method == "GET" else client_for(role, world)
                response = request(client, method, path)
                problems += check(response, EXPECTED[name, method][role], f"{role} {method} {path}")
    assert not problems, "\n".join(problems)


def test_expected_has_no_stale_entries():
    names = {name for name, _ in SITE}
    assert {name for name, _ in EXPECTED} <= names


def test_the_walk_finds_every_site_view_and_hundreds_of_admin_ones():
    names = {name for name, _ in SITE}
    assert {"catalog:index", "catalog:rom-download", "accounts:logout", "healthz"} <= names
    assert len(ADMIN) > 50
    assert {"admin:index", "admin:catalog_game_change", "admin:login"} <= {n for n, _ in ADMIN}


def test_post_without_a_csrf_token_is_refused(world):
    client = client_for("other", world)
    game = world["game"]
    assert client.post(reverse("catalog:favorite-toggle", args=[game.pk])).status_code == 403
    assert client.post(reverse("accounts:logout")).status_code == 403
    assert not Favorite.objects.filter(user=world["users"]["other"]).exists()


def test_toggling_a_game_touches_only_my_own_favourite(world):
    normal, other = world["users"]["normal"], world["users"]["other"]
    game = world["game"]
    path = reverse("catalog:favorite-toggle", args=[game.pk])
    request(client_for("other", world), "POST", path)
    assert set(Favorite.objects.values_list("user", flat=True)) == {normal.pk, other.pk}
    request(client_for("other", world), "POST", path)
    assert list(Favorite.objects.values_list("user", flat=True)) == [normal.pk]


def test_a_user_without_a_role_sees_no_catalogue_page(world, make_user):
    client = Client()
    client.force_login(make_user())
    for name, _ in SITE:
        if name.startswith("catalog:") and EXPECTED.get((name, "GET"), {}).get("demo") != 405:
            response = client.get(reverse(name, kwargs=site_kwargs(name, world)))
            assert response.status_code == 403, name


# --- the admin ------------------------------------------------------------------------------


def test_every_admin_url_is_for_super_users_only(world):
    problems = []
    # GETs change no session (admin logout is POST only), so one client per role will do.
    clients = {role: client_for(role, world) for role in ("anonymous", "demo", "normal", "super")}
    for name, route in ADMIN:
        path = admin_path(route, world)
        explicit = ADMIN_EXPECTED.get(name, {})
        for role in ("anonymous", "demo", "normal", "super"):
            response = clients[role].get(path)
            where = f"{role} GET {path} ({name or 'unnamed'})"
            if role in explicit:
                problems += check(response, explicit[role], where)
            elif role == "super":
                if response.status_code in (403, 500):
                    problems.append(f"{where}: {response.status_code}")
            else:
                problems += check(response, ADMIN_LOGIN, where)
    assert not problems, "\n".join(problems)


def test_no_admin_url_accepts_a_post_from_anyone_but_staff(world):
    """Delete, change, add, actions, and views yet to come: a valid CSRF token is not enough."""
    before = count_rows()
    problems = []
    # Refused before any view runs, so no session changes: one client per role will do.
    clients = {role: client_for(role, world) for role in ("anonymous", "demo", "normal")}
    for name, route in ADMIN:
        path = admin_path(route, world)
        for role, client in clients.items():
            # The POST carries what a delete confirmation sends, so a hole would show.
            response = request(client, "POST", path, {"post": "yes"})
            where = f"{role} POST {path} ({name or 'unnamed'})"
            if name == "admin:login":  # the login form itself: "not a staff account"
                problems += check(response, 200, where)
            elif name == "admin:logout":  # sends a non-staff visitor to the admin index
                problems += check(response, 302, where)
            else:
                problems += check(response, ADMIN_LOGIN, where)
    assert not problems, "\n".join(problems)
    assert count_rows() == before


def count_rows():
    return {
        m.__name__: m._default_manager.count() for m in apps.get_app_config("catalog").get_models()
    }


def test_super_role_is_staff_and_admin_exists(world):
    assert world["users"]["super"].is_staff
    assert Group.objects.filter(name=Role.SUPER).exists()
