"""The catalogue with no game at all: it says how to fill it to whoever can, whom to ask to the
rest, and offers no filter or search that could not find anything."""

import re
import socket

import pytest
from django.urls import reverse

from romvault import config
from scraper.models import ScrapeLock, ScrapeRun

pytestmark = pytest.mark.django_db
INDEX = reverse("catalog:index")
START = reverse("admin:scraper_scraperun_start")
ASK = "The library is empty. Ask your administrator to add games."


def text(response) -> str:
    """The page's words as a person reads them: tags removed, white space collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"</?(code|a|strong)\b[^>]*>", "", html)  # inline: no space added
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def catalogue(client, user, **params):
    client.force_login(user)
    response = client.get(INDEX, params)
    assert response.status_code == 200
    return response


@pytest.mark.parametrize("role", ["normal_user", "demo_user"])
def test_a_user_who_cannot_scan_is_told_whom_to_ask(client, role, request):
    page = catalogue(client, request.getfixturevalue(role))
    words = text(page)
    assert ASK in words
    # Nothing about the server's files, commands or the admin.
    assert "manage.py" not in words and str(config.config_file()) not in words
    assert START not in page.content.decode()


def test_a_super_user_learns_the_config_file_the_setup_command_and_gets_a_scan_button(
    client, super_user, settings
):
    settings.ROM_DIRS = []
    page = catalogue(client, super_user)
    words, html = text(page), page.content.decode()
    assert "The library is empty" in words and ASK not in words
    assert "No game folders are set yet." in words
    assert ".venv/bin/python manage.py setup" in words
    assert f"saves them in {config.config_file()}" in words
    assert f'<form method="post" action="{START}"' in html
    assert "Scan the folders now" in words


def test_with_rom_dirs_set_the_super_user_sees_the_folders_and_the_last_scan(
    client, super_user, settings, tmp_path
):
    settings.ROM_DIRS = [tmp_path / "dos", tmp_path / "cd"]
    ScrapeRun.objects.create(holder="elsewhere:1", status=ScrapeRun.Status.SUCCEEDED)
    words = text(catalogue(client, super_user))
    assert f"romvault scans {tmp_path / 'dos'}, {tmp_path / 'cd'}" in words
    assert "the last scan (succeeded) found no game there" in words
    assert "manage.py setup" not in words and "Scan the folders now" in words


def test_while_a_scan_runs_the_super_user_sees_its_progress_instead_of_the_button(
    client, super_user
):
    holder = f"{socket.gethostname()}:1"  # pid 1 is alive: the lock is held
    ScrapeLock.acquire(holder)
    ScrapeRun.objects.create(holder=holder, phase="walk", done=120)
    words = text(catalogue(client, super_user))
    assert "A scan is running (Scanning folders: 120)." in words
    assert "Games appear here as it finds them" in words
    assert "Scan the folders now" not in words
    # The empty page is never kept by the page cache: its news would go stale.
    ScrapeRun.objects.update(phase="write", done=40, total=955)
    assert "A scan is running (Saving new files: 40 of 955)." in text(catalogue(client, super_user))
    ScrapeLock.release(holder)
    assert "Scan the folders now" in text(catalogue(client, super_user))


def test_an_empty_library_shows_no_filters_and_no_search(client, normal_user, make_game):
    html = catalogue(client, normal_user).content.decode()
    assert 'id="filters"' not in html and 'id="q"' not in html
    assert "Filters" not in text(catalogue(client, normal_user))
    make_game()
    html = catalogue(client, normal_user).content.decode()
    assert 'id="filters"' in html and 'id="q"' in html and ASK not in html


def test_a_filtered_link_into_an_empty_library_says_it_is_empty(client, normal_user):
    words = text(catalogue(client, normal_user, q="doom", genre="3"))
    assert ASK in words and "No game matches these filters" not in words


def test_a_filter_that_matches_nothing_in_a_full_library_says_so(client, normal_user, make_game):
    make_game(title="Doom")
    words = text(catalogue(client, normal_user, q="quake"))
    assert "No game matches these filters" in words and ASK not in words


def test_the_htmx_fragment_of_an_empty_library_is_the_message_alone(client, super_user):
    client.force_login(super_user)
    response = client.get(INDEX, {"q": "x"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html and 'id="empty-library"' in html
    assert "Scan the folders now" in html
