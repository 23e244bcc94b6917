"""SQLite serves pages while `scrape` writes: WAL, a busy timeout and short write transactions.

Two real processes on one SQLite file, as in production: `manage.py scrape` scanning a library
of thousands of files and identifying games on the fake IGDB, and a reader process whose threads
log in and keep requesting the catalogue, a game page and a favourite toggle (a write) the whole
time. None may fail with "database is locked" (a write would, after waiting SQLite's 20 s busy
timeout). How long they wait is for benchmarks to measure, not this test.
"""

import json
import os
import subprocess
import sys
import time

import pytest

from fake_igdb import FakeIGDB, build_dataset
from romvault import config
from scraper import importer, pipeline
from scraper.identify import Job, Kind, Result

READER = r"""
import json, os, sys, threading, time

import django

django.setup()
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import setup_test_environment

from catalog.models import Game

setup_test_environment()  # lets the test client's "testserver" host in
stop_file, threads = sys.argv[1], int(sys.argv[2])
user = get_user_model().objects.create_user(username="reader", password="x")
user.set_role("normal")
game = Game(year=1990, match_key="reader's game")
game.set_title("Reader's Game")
game.save()
results = []


def read():
    client = Client()
    client.force_login(user)
    pages = [("get", "/"), ("get", game.get_absolute_url()),
             ("post", f"/favorites/{game.pk}/")]  # as htmx sends it: answered with 200
    while not os.path.exists(stop_file):
        for method, url in pages:
            started = time.time()
            try:
                response = getattr(client, method)(url, headers={"HX-Request": "true"})
                status, error = response.status_code, ""
            except Exception as exc:
                status, error = 0, repr(exc)
            results.append((started, time.time() - started, method, url, status, error))
            time.sleep(0.02)  # steady traffic, without starving the tests running alongside
    connection.close()


print("ready", flush=True)
workers = [threading.Thread(target=read) for _ in range(threads)]
for worker in workers:
    worker.start()
for worker in workers:
    worker.join()
print(json.dumps(results))
"""


@pytest.fixture(scope="module")
def dataset():
    return build_dataset(n_games=60, seed=11)


@pytest.fixture
def library_dir(tmp_path, dataset):
    """A few thousand files: the fake IGDB's library first (so `--limit` picks those games for
    identification), then plenty of others for the scan to write."""
    root = tmp_path / "roms"
    dataset.write_library(root / "a")
    for folder in range(20):
        (root / f"z{folder:02}").mkdir()
        for i in range(150):
            (root / f"z{folder:02}" / f"Filler Game {folder}-{i} (199{i % 10}).zip").write_bytes(
                b"y" * (i + 1)
            )
    return root


def test_pages_and_favourites_never_see_a_locked_database_while_scrape_writes(
    dataset, library_dir, tmp_path
):
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{tmp_path / 'romvault.sqlite3'}",
        DATA_DIR=str(tmp_path / "data"),
        DJANGO_SETTINGS_MODULE="romvault.settings",
    )
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], env=env, cwd=config.BASE_DIR, check=True)
    stop = tmp_path / "stop"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(stop), "2"],
        env=env, cwd=config.BASE_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert reader.stdout.readline().strip() == "ready", reader.stderr.read()
        with FakeIGDB(dataset, latency=0.02) as fake:
            env.update(fake.settings())  # images too: never IGDB's real CDN
            started = time.time()
            scrape = subprocess.run(
                [*manage, "scrape", str(library_dir), "--limit", "60"],
                env=env, cwd=config.BASE_DIR, capture_output=True, text=True, timeout=120,
            )  # fmt: skip
            ended = time.time()
    finally:
        stop.touch()
        out, err = reader.communicate(timeout=60)
    assert scrape.returncode == 0, scrape.stderr
    assert "Scan finished: 3,0" in scrape.stdout and "IGDB finished: " in scrape.stdout
    assert reader.returncode == 0, err
    results = json.loads(out)
    failures = [r for r in results if r[4] != 200 or r[5]]
    assert not failures, failures[:5]
    during = [r for r in results if started <= r[0] <= ended]
    assert len(during) >= 10, (len(during), ended - started)  # they did overlap


def test_matched_games_are_saved_a_few_at_a_time_so_transactions_stay_short(monkeypatch):
    batches = []
    monkeypatch.setattr(importer, "save_matches", lambda items: batches.append(len(items)) or {})
    results = [
        Result(Job(pk, f"Game {pk}", 1990), Kind.MATCHED, record={"id": pk}) for pk in range(1, 61)
    ]
    report = pipeline.MetadataReport()
    pipeline.save(results, report)
    assert report.matched == 60 and sum(batches) == 60
    assert max(batches) <= pipeline.GAMES_PER_TRANSACTION < 60
