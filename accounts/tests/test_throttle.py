"""Login throttling (accounts/throttle.py): per account, per address, and no oracle."""

import json
import os
import re
import subprocess
import sys
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts import throttle
from accounts.models import LoginFailure
from romvault import config

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"
LOCKED = "Too many failed attempts. Try again in 15 minutes."


@pytest.fixture(autouse=True)
def no_delay(monkeypatch):
    slept = []
    monkeypatch.setattr(throttle, "sleep", slept.append)
    return slept


@pytest.fixture
def user(make_user):
    return make_user("normal", username="alice")


def log_in(client, username, password, address="192.0.2.1", url=None):
    return client.post(
        url or reverse("accounts:login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def alert(response):
    return re.search(r'role="alert">([^<]*)<', response.content.decode()).group(1)


def fail(client, times, username="alice", address="192.0.2.1"):
    for _ in range(times):
        log_in(client, username, "wrong password", address)


def test_four_failures_still_let_the_right_password_in(client, user):
    fail(client, 4)
    response = log_in(client, "alice", PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("catalog:index")


def test_the_fifth_failure_locks_the_account_with_a_clear_message(client, user):
    fail(client, 4)
    response = log_in(client, "alice", "wrong password")
    assert response.status_code == 429
    assert LOCKED in response.content.decode()


def test_a_locked_account_refuses_the_right_password_too(client, user):
    fail(client, 5)
    response = log_in(client, "alice", PASSWORD)
    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Same answer as for a wrong password: the lock tells nothing about the password.
    wrong = log_in(client, "alice", "wrong again")
    assert (wrong.status_code, alert(wrong)) == (429, alert(response)) == (429, LOCKED)


def test_the_account_lock_holds_from_another_address_and_spares_other_accounts(
    client, user, make_user
):
    make_user("normal", username="bob")
    fail(client, 5, address="192.0.2.1")
    assert log_in(client, "alice", PASSWORD, address="198.51.100.7").status_code == 429
    assert log_in(client, "Alice", PASSWORD, address="198.51.100.7").status_code == 429
    assert log_in(client, "bob", PASSWORD, address="192.0.2.1").status_code == 302


def test_an_unknown_username_is_locked_like_a_real_one(client, user):
    fail(client, 5, username="nobody")
    response = log_in(client, "nobody", "whatever")
    assert response.status_code == 429
    assert LOCKED in response.content.decode()


def test_twenty_failures_from_one_address_lock_that_address_for_every_account(client, user):
    for n in range(20):
        fail(client, 1, username=f"guess{n}", address="203.0.113.9")
    response = log_in(client, "alice", PASSWORD, address="203.0.113.9")
    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert log_in(client, "alice", PASSWORD, address="203.0.113.10").status_code == 302


def test_an_ipv6_client_counts_as_its_slash_64(client, user):
    for n in range(20):
        fail(client, 1, username=f"guess{n}", address=f"2001:db8:1:2::{n + 1:x}")
    assert log_in(client, "alice", PASSWORD, address="2001:db8:1:2::ffff").status_code == 429
    assert log_in(client, "alice", PASSWORD, address="2001:db8:1:3::1").status_code == 302


def test_forwarded_for_headers_are_not_trusted(client, user):
    for n in range(20):
        client.post(
            reverse("accounts:login"),
            {"username": f"guess{n}", "password": "x"},
            REMOTE_ADDR="203.0.113.9",
            HTTP_X_FORWARDED_FOR=f"10.0.0.{n}",
        )
    assert log_in(client, "alice", PASSWORD, address="203.0.113.9").status_code == 429


def test_behind_a_trusted_proxy_each_client_counts_apart(client, user, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    for n in range(20):
        client.post(
            reverse("accounts:login"),
            {"username": f"guess{n}", "password": "x"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=f"10.9.9.9, 198.51.100.{n}",  # the left one is the client's lie
        )
        assert LoginFailure.objects.filter(address=f"198.51.100.{n}").exists()
    ok = client.post(
        reverse("accounts:login"),
        {"username": "alice", "password": PASSWORD},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.200",
    )
    assert ok.status_code == 302


def test_the_lock_lifts_fifteen_minutes_after_the_last_failure(client, user):
    fail(client, 5)
    LoginFailure.objects.update(at=timezone.now() - timedelta(minutes=14))
    response = log_in(client, "alice", PASSWORD)
    assert response.status_code == 429
    assert "Try again in 1 minute." in response.content.decode()
    LoginFailure.objects.update(at=timezone.now() - timedelta(minutes=15, seconds=1))
    assert log_in(client, "alice", PASSWORD).status_code == 302


def test_a_success_clears_the_account_counter(client, user):
    fail(client, 4)
    assert log_in(client, "alice", PASSWORD).status_code == 302
    client.logout()
    fail(client, 4)
    assert log_in(client, "alice", PASSWORD).status_code == 302


def test_repeated_failures_are_slowed_before_they_are_refused(client, user, no_delay):
    fail(client, 2)
    assert no_delay == []
    fail(client, 2)
    assert no_delay == [throttle.DELAY, throttle.DELAY]


def test_expired_failures_are_pruned(client, user):
    fail(client, 3)
    LoginFailure.objects.update(at=timezone.now() - timedelta(hours=1))
    fail(client, 1, username="someone")
    assert list(LoginFailure.objects.values_list("username", flat=True)) == ["someone"]


def test_a_form_with_a_missing_field_is_not_counted(client, user):
    for _ in range(6):
        client.post(reverse("accounts:login"), {"username": "alice"}, REMOTE_ADDR="192.0.2.1")
    assert not LoginFailure.objects.exists()
    assert log_in(client, "alice", PASSWORD).status_code == 302


def test_the_admin_login_counts_and_refuses_too(client, make_user):
    make_user("super", username="root")
    admin_login = reverse("admin:login")
    for _ in range(5):
        log_in(client, "root", "wrong password", url=admin_login)
    response = log_in(client, "root", PASSWORD, url=admin_login)
    assert LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session
    # The lock is shared with the site's own login page.
    assert log_in(client, "root", PASSWORD).status_code == 429


# Parallel guesses in their own process, one thread and database connection each, against the
# real password hasher (a slow check: the window a racing guess would slip through).
GUESSES = r"""
import json, sys, threading

import django

django.setup()
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db import connection
from django.test import Client
from django.test.utils import setup_test_environment

setup_test_environment()  # lets the test client's "testserver" host in
get_user_model().objects.create_user(username="alice", password="correct horse battery")
threads = int(sys.argv[1])
checks, statuses, lock = [], [], threading.Lock()
authenticate = ModelBackend.authenticate


def counted(self, request, **credentials):
    with lock:
        checks.append(credentials.get("username"))
    return authenticate(self, request, **credentials)


ModelBackend.authenticate = counted
start = threading.Barrier(threads)


def guess(n):
    client = Client()
    start.wait()
    try:
        response = client.post(
            "/accounts/login/", {"username": "alice", "password": f"guess {n}"},
            REMOTE_ADDR=f"198.51.100.{n}",
        )
        with lock:
            statuses.append(response.status_code)
    finally:
        connection.close()


workers = [threading.Thread(target=guess, args=(n,)) for n in range(threads)]
for worker in workers:
    worker.start()
for worker in workers:
    worker.join()
print(json.dumps({"checks": len(checks), "statuses": statuses}))
"""


@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_passwords_get_no_more_checks_than_the_limit(tmp_path):
    """On the suite's database: a SQLite file like production's, or the PostgreSQL test
    database (committed rows, seen by the other process)."""
    if connection.vendor == "sqlite":
        url = f"sqlite:///{tmp_path / 'romvault.sqlite3'}"
    else:
        db = connection.settings_dict
        url = (
            f"postgres://{quote(db['USER'], safe='')}:{quote(db['PASSWORD'] or '', safe='')}"
            f"@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
        )
    env = {"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "romvault.settings"}
    run = {"env": {**os.environ, **env}, "cwd": config.BASE_DIR, "text": True}
    if connection.vendor == "sqlite":
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], check=True, **run)
    done = subprocess.run(
        [sys.executable, "-c", GUESSES, "32"], capture_output=True, timeout=120, **run
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["checks"] == throttle.MAX_PER_USERNAME, result
    assert sorted(set(result["statuses"])) == [429] and len(result["statuses"]) == 32
