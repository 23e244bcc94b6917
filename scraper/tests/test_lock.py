import socket
import subprocess
import sys
from datetime import timedelta

import pytest
from django.utils import timezone

from scraper.models import STALE_AFTER, ScrapeLock

pytestmark = pytest.mark.django_db
HOST = socket.gethostname()


def dead_pid():
    process = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                             capture_output=True, text=True, check=True)  # fmt: skip
    return int(process.stdout)


def test_a_free_lock_is_taken_and_a_held_one_refused():
    assert ScrapeLock.acquire(f"{HOST}:1") is None  # pid 1 is alive
    held = ScrapeLock.acquire(f"{HOST}:2")
    assert held is not None and held.holder == f"{HOST}:1"


def test_a_released_lock_can_be_taken_again():
    ScrapeLock.acquire(f"{HOST}:1")
    ScrapeLock.release(f"{HOST}:1")
    assert ScrapeLock.acquire(f"{HOST}:2") is None


def test_the_lock_of_a_crashed_process_on_this_host_is_taken_over_at_once():
    ScrapeLock.acquire(f"{HOST}:{dead_pid()}")
    assert ScrapeLock.acquire(f"{HOST}:1") is None


def test_another_hosts_lock_is_taken_over_only_when_its_heartbeat_is_stale():
    ScrapeLock.acquire("elsewhere:42")
    assert ScrapeLock.acquire(f"{HOST}:1") is not None
    old = timezone.now() - STALE_AFTER - timedelta(seconds=1)
    ScrapeLock.objects.filter(name="scrape").update(heartbeat_at=old)
    assert ScrapeLock.acquire(f"{HOST}:1") is None


def test_a_heartbeat_keeps_a_lock_fresh():
    ScrapeLock.acquire("elsewhere:42")
    old = timezone.now() - STALE_AFTER - timedelta(seconds=1)
    ScrapeLock.objects.filter(name="scrape").update(heartbeat_at=old)
    ScrapeLock.heartbeat("elsewhere:42")
    assert ScrapeLock.acquire(f"{HOST}:1") is not None


def test_a_lock_claimed_for_a_process_about_to_start_is_taken_by_that_process_only():
    assert ScrapeLock.acquire("web:1:token") is None
    assert ScrapeLock.acquire(f"{HOST}:2") is not None  # anyone else is refused
    assert ScrapeLock.acquire(f"{HOST}:3", claimed_by="web:1:token") is None
    assert ScrapeLock.objects.get().holder == f"{HOST}:3"


def test_a_handed_over_lock_is_free_as_soon_as_its_new_holder_dies():
    ScrapeLock.acquire("web:1:token")
    ScrapeLock.hand_over("web:1:token", f"{HOST}:{dead_pid()}")
    assert ScrapeLock.current() is None
    assert ScrapeLock.acquire(f"{HOST}:1") is None
