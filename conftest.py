import io
import itertools
import logging

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group
from django.core.cache import cache

from accounts.models import Role
from accounts.roles import sync_roles
from catalog import search
from catalog.models import Game, Rom

_counter = itertools.count(1)


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """MD5 passwords: the real hasher is slow by design, and tests create and log in users often."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (the catalogue keeps its filter options there), and
    search's word list for typos is read anew (its catalogue version repeats between tests)."""
    cache.clear()
    search.forget_vocabulary()
    yield
    cache.clear()


@pytest.fixture
def make_user(django_user_model):
    def make(role=None, username=None, password="correct horse battery", **fields):  # noqa: S107
        user = django_user_model.objects.create_user(
            username=username or f"user{next(_counter)}", password=password, **fields
        )
        if role:
            if not Group.objects.filter(name=role).exists():
                # A transactional test before this one flushed the database, the role groups
                # the migrations made included.
                sync_roles(django_apps)
            user.set_role(role)
        return user

    return make


@pytest.fixture
def demo_user(make_user):
    return make_user(Role.DEMO, username="demo")


@pytest.fixture
def normal_user(make_user):
    return make_user(Role.NORMAL, username="normal")


@pytest.fixture
def super_user(make_user):
    return make_user(Role.SUPER, username="super")


@pytest.fixture
def admin_client(client, super_user):
    """A client logged in as `super_user` (instead of pytest-django's user outside the roles)."""
    client.force_login(super_user)
    return client


@pytest.fixture
def make_game(db):
    def make(title="Commander Keen", year=1990, **fields):
        game = Game(year=year, match_key=title.lower(), **fields)
        game.set_title(title)
        game.save()
        return game

    return make


@pytest.fixture
def make_rom(db, make_game):
    def make(game=None, path=None, size=1024, **fields):
        n = next(_counter)
        game = game or make_game(title=f"Game {n}")
        return Rom.objects.create(
            game=game,
            path=path or f"/roms/game{n}.zip",
            size=size,
            mtime_ns=1_700_000_000_000_000_000,
            parsed_title=game.title,
            parsed_year=game.year,
            **fields,
        )

    return make


@pytest.fixture(scope="session")
def dataset():
    """The fake IGDB's games; a test module that needs another size defines its own."""
    from fake_igdb import build_dataset

    return build_dataset(n_games=80, seed=7)


@pytest.fixture
def fake_igdb(dataset, settings, tmp_path):
    """The fake IGDB (a real HTTP server) with the IGDB settings and credentials pointing at it."""
    from fake_igdb import FakeIGDB

    with FakeIGDB(dataset, latency=0.01) as server:
        server.configure(settings, tmp_path / "data")
        yield server


@pytest.fixture
def server_log():
    """What the server's log handler (settings.LOGGING's "console") writes, as text."""
    handler = next(h for h in logging.getLogger().handlers if h.name == "console")
    written = io.StringIO()
    stream = handler.setStream(written)
    yield written
    handler.setStream(stream)
