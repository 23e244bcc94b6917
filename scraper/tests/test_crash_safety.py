"""`scrape` killed with SIGKILL at a random moment, then run again, ends as a clean run ends.

Real processes against the fake IGDB (with latency, so there is time to kill them), each on its
own file-backed SQLite database, also when the suite itself runs on PostgreSQL: the processes'
databases are always SQLite files in tmp_path, built from one migrated template. The state is
read back with plain SQL (table names from the models' metadata) into a canonical dump: games
keyed by their files, with title, year, IGDB id, match status and every metadata link, and the
favourites. No batch may be half-written at the moment of the kill, and after the rerun the dump
must equal the clean run's, favourites made during the killed run included.
"""

# Plain SQL on purpose (the dump must not depend on the ORM under test); table and column
# names come from the models' metadata and values go as parameters.
# ruff: noqa: S608

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import defaultdict

import pytest

from catalog.models import AlternativeName, Favorite, Game, Image, Involvement, Rom
from fake_igdb import FakeIGDB, build_dataset
from romvault import config

MANAGE = [sys.executable, "manage.py"]
LATENCY = 0.2  # seconds per IGDB answer: a run lasts several seconds
FANS = ("fan1", "fan2")


@pytest.fixture(scope="module")
def dataset():
    return build_dataset(n_games=60, seed=7)


@pytest.fixture(scope="module")
def work(tmp_path_factory, dataset):
    """A ROM library, and a migrated SQLite database holding two users, to copy per run."""
    root = tmp_path_factory.mktemp("crash")
    library = root / "roms"
    dataset.write_library(library)
    template = root / "template.sqlite3"
    env = environment(template, root / "data")
    subprocess.run([*MANAGE, "migrate", "-v0"], env=env, cwd=config.BASE_DIR, check=True)
    users = "; ".join(f"U.objects.create_user({name!r})" for name in FANS)
    code = f"from accounts.models import User as U; {users}"
    subprocess.run([*MANAGE, "shell", "-c", code], env=env, cwd=config.BASE_DIR, check=True)
    return root, library, template


def environment(db, data_dir, fake=None):
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{db}", DATA_DIR=str(data_dir))
    if fake:
        env.update(fake.settings())  # images too: never IGDB's real CDN
    return env


def copy_database(template, target):
    with sqlite3.connect(template) as source, sqlite3.connect(target) as copy:
        source.backup(copy)


def start_scrape(env, library):
    return subprocess.Popen(
        # Small batches: many transactions, so a kill lands between or inside them.
        [*MANAGE, "scrape", str(library), "--batch-size", "3"],
        env=env,
        cwd=config.BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish_scrape(env, library):
    run = subprocess.run(
        [*MANAGE, "scrape", str(library)],
        env=env,
        cwd=config.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert run.returncode == 0, run.stderr
    return run


def table(model):
    return model._meta.db_table


def column(model, name):
    return model._meta.get_field(name).column


def dump(db):
    """The library as plain data, independent of primary keys: games keyed by their files."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    rows = lambda sql: con.execute(sql).fetchall()  # noqa: E731
    files = defaultdict(list)
    for path, game in rows(f"SELECT path, {column(Rom, 'game')} FROM {table(Rom)}"):
        files[game].append(os.path.basename(path))
    key = {game: tuple(sorted(names)) for game, names in files.items()}
    games = {}
    for pk, title, year, igdb_id, status, cover in rows(
        f"SELECT g.id, g.title, g.year, g.igdb_id, g.match_status, i.image_id FROM {table(Game)} g"
        f" LEFT JOIN {table(Image)} i ON i.id = g.{column(Game, 'cover')}"
    ):
        games[key.get(pk, ("no files", pk))] = {
            "title": title, "year": year, "igdb_id": igdb_id, "status": status, "cover": cover,
        }  # fmt: skip
    links = defaultdict(set)
    for field in Game._meta.many_to_many:
        through = field.remote_field.through
        if not through._meta.auto_created:
            continue  # companies: through Involvement, below
        target = field.related_model
        sql = (
            f"SELECT l.{field.m2m_column_name()}, t.igdb_id FROM {through._meta.db_table} l "
            f"JOIN {table(target)} t ON t.id = l.{field.m2m_reverse_name()}"
        )
        for game, igdb_id in rows(sql):
            links[game].add((field.name, igdb_id))
    for game, company, *roles in rows(
        f"SELECT v.game_id, c.igdb_id, v.developer, v.publisher, v.porting, v.supporting "
        f"FROM {table(Involvement)} v JOIN catalog_company c ON c.id = v.company_id"
    ):
        links[game].add(("company", company, *map(bool, roles)))
    for game, name, comment in rows(f"SELECT game_id, name, comment FROM {table(AlternativeName)}"):
        links[game].add(("alternative_name", name, comment))
    for game, kind, image_id, position in rows(
        f"SELECT game_id, kind, image_id, position FROM {table(Image)}"
    ):
        links[game].add(("image", kind, image_id, position))
    for game, values in links.items():
        games[key.get(game, ("no files", game))]["links"] = sorted(values, key=repr)
    favorites = {
        (user, key.get(game, ("no files", game)))
        for user, game in rows(
            f"SELECT u.username, f.game_id FROM {table(Favorite)} f "
            "JOIN accounts_user u ON u.id = f.user_id"
        )
    }
    con.close()
    return {"games": games, "favorites": favorites}


def count_matched(db):
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as con:
            sql = f"SELECT count(*) FROM {table(Game)} WHERE match_status = 'matched'"
            return con.execute(sql).fetchone()[0]
    except sqlite3.OperationalError:  # not created yet, or busy
        return 0


def add_favourites(db):
    """fan1 likes the first matched game, fan2 the first not yet matched one (if any).

    Returns [(username, one file of the game)]: the game a favourite belongs to after the
    rerun is the one holding that file (a duplicate game merges into another, favourites too).
    """
    # The scrape commits batch after batch with gaps of a few milliseconds, and SQLite's busy
    # handler sleeps up to 100 ms between tries: waiting on it, this write would lose every
    # gap until the scrape ended. Trying again each millisecond takes the first gap, as a web
    # request does with the scraper's transactions of 25 games and more.
    deadline = time.monotonic() + 30
    with sqlite3.connect(db, timeout=0, isolation_level=None) as con:
        while True:
            try:
                con.execute("BEGIN IMMEDIATE")
                break
            except sqlite3.OperationalError:
                assert time.monotonic() < deadline, "the database stayed locked for 30 s"
                time.sleep(0.001)
        chosen = []
        for name, status in (("fan1", "= 'matched'"), ("fan2", "!= 'matched'")):
            found = con.execute(
                f"SELECT r.path, r.{column(Rom, 'game')} FROM {table(Rom)} r JOIN {table(Game)} g"
                f" ON g.id = r.game_id WHERE g.match_status {status} ORDER BY g.id LIMIT 1"
            ).fetchone()
            if found:
                path, game = found
                (user,) = con.execute(
                    "SELECT id FROM accounts_user WHERE username = ?", (name,)
                ).fetchone()
                con.execute(
                    f"INSERT INTO {table(Favorite)} (user_id, game_id, created_at) "
                    "VALUES (?, ?, datetime('now'))",
                    (user, game),
                )
                chosen.append((name, os.path.basename(path)))
        con.execute("COMMIT")
    return chosen


def expected_favourites(clean, chosen):
    return {(user, game) for user, file in chosen for game in clean["games"] if file in game}


def assert_consistent(state):
    """What a reader may see at any moment: no game half-imported, no stray rows."""
    for game, row in state["games"].items():
        assert game[0] != "no files", f"a game without files: {row}"
        if row["status"] == "matched":
            assert row["igdb_id"] is not None, row
        else:
            assert row["igdb_id"] is None and not row.get("links"), row
    ids = [row["igdb_id"] for row in state["games"].values() if row["igdb_id"]]
    assert len(ids) == len(set(ids)), "two games hold one IGDB record"


@pytest.fixture(scope="module")
def clean(work, dataset):
    """The dump of one uninterrupted run."""
    root, library, template = work
    db = root / "clean.sqlite3"
    copy_database(template, db)
    with FakeIGDB(dataset, latency=0.01) as fake:
        finish_scrape(environment(db, root / "clean-data", fake), library)
    state = dump(db)
    assert_consistent(state)
    assert sum(row["status"] == "matched" for row in state["games"].values()) > 40
    return state


# When to kill: once K games are matched (K from the seed), a moment after the first match,
# or while the searches are still out (no match yet: only a favourite on an unmatched game).
MOMENTS = {2: "after-first-match", 3: "matched", 4: "searching"}


@pytest.mark.parametrize("seed", sorted(MOMENTS))
def test_a_scrape_killed_at_any_moment_finishes_as_a_clean_run_on_the_next_run(
    work, dataset, clean, seed
):
    root, library, template = work
    db = root / f"killed-{seed}.sqlite3"
    copy_database(template, db)
    rng = random.Random(seed)
    matched_total = sum(row["status"] == "matched" for row in clean["games"].values())
    moment = MOMENTS[seed]
    kill_at_matched = rng.randint(2, matched_total - 10)
    kill_after = rng.uniform(0.0, 0.6)

    with FakeIGDB(dataset, latency=LATENCY, seed=seed) as fake:
        env = environment(db, root / f"data-{seed}", fake)
        process = start_scrape(env, library)
        deadline = time.monotonic() + 120
        try:
            if moment == "searching":
                while not fake.stats.by_endpoint.get("multiquery"):
                    assert process.poll() is None, process.communicate()[1]
                    assert time.monotonic() < deadline, "no search in two minutes"
                    time.sleep(0.01)
                time.sleep(rng.uniform(0.0, 1.0))
                chosen = add_favourites(db)
            else:
                while count_matched(db) < 1:
                    assert process.poll() is None, process.communicate()[1]
                    assert time.monotonic() < deadline, "no game matched in two minutes"
                    time.sleep(0.01)
                chosen = add_favourites(db)
                if moment == "matched":
                    while count_matched(db) < kill_at_matched and process.poll() is None:
                        time.sleep(0.005)
                else:
                    time.sleep(kill_after)
            running = process.poll() is None
            process.send_signal(signal.SIGKILL)
        finally:
            process.kill()
            process.communicate(timeout=30)
        assert running, f"the run ended before the kill ({moment}): raise LATENCY"

        at_kill = dump(db)
        assert_consistent(at_kill)
        # Each batch is one transaction: a game matched at the kill is exactly as it ends.
        for game, row in at_kill["games"].items():
            if row["status"] == "matched" and game in clean["games"]:
                assert row == clean["games"][game], game

        fake.latency = 0.01
        finish_scrape(env, library)  # takes over the dead run's lock by itself

    final = dump(db)
    assert_consistent(final)
    assert final["games"] == clean["games"]
    assert chosen and final["favorites"] == expected_favourites(clean, chosen)


@pytest.mark.django_db
@pytest.mark.parametrize("batches", [["dated", "undated"], ["undated", "dated"], ["both"]])
def test_merged_duplicates_keep_the_earliest_year_whatever_order_they_were_matched_in(
    make_game, batches
):
    """Found by the kill test above: "Wild Engine, The.zip" and "... (1996)...zip" are two games
    until both match IGDB 374174. The survivor used to keep its own year, so a run resumed
    after a kill (other batch boundaries, another game matched first) ended with no year
    where the clean run had 1996."""
    from scraper import importer

    games = {
        "dated": make_game(title="Wild Engine, The", year=1996),
        "undated": make_game(title="Wild Engine, The", year=None),
    }
    record = {"id": 374174, "name": "The Wild Engine"}
    for batch in batches:
        names = ["dated", "undated"] if batch == "both" else [batch]
        importer.save_matches([(games[name].pk, None, record) for name in names])
    survivor = Game.objects.get()
    assert (survivor.igdb_id, survivor.year) == (374174, 1996)
