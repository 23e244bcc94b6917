import os
import re
import subprocess
import sys
from urllib.parse import quote, unquote

import pytest
from django.urls import reverse
from django.utils.http import http_date
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from catalog import downloads
from catalog.models import Rom
from romvault import config

pytestmark = pytest.mark.django_db

DATA = bytes(range(100))


@pytest.fixture
def rom_file(rom_dir, make_rom):
    """A real file in the ROM folder and its Rom row."""

    def make(name="Commander Keen (1990).zip", data=DATA):
        path = rom_dir / name
        path.write_bytes(data)
        return make_rom(path=str(path), size=len(data))

    return make


def url(rom_or_pk):
    return reverse("catalog:rom-download", args=[getattr(rom_or_pk, "pk", rom_or_pk)])


def body(response):
    return b"".join(response.streaming_content)


def test_anonymous_visitors_are_sent_to_login(client, rom_file):
    rom = rom_file()
    response = client.get(url(rom))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={url(rom)}"


def test_demo_user_cannot_download(client, demo_user, rom_file):
    client.force_login(demo_user)
    assert client.get(url(rom_file())).status_code == 403


def test_normal_user_gets_the_exact_bytes(normal_client, rom_file):
    response = normal_client.get(url(rom_file()))
    assert response.status_code == 200
    assert body(response) == DATA
    assert response["Content-Length"] == "100"
    assert response["Content-Type"] == "application/zip"
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Disposition"] == (
        'attachment; filename="Commander Keen (1990).zip"; '
        "filename*=UTF-8''Commander%20Keen%20%281990%29.zip"
    )
    assert "private" in response["Cache-Control"]


def test_super_user_can_download(client, super_user, rom_file):
    client.force_login(super_user)
    response = client.get(url(rom_file()))
    assert response.status_code == 200
    assert body(response) == DATA


def test_post_is_not_allowed(normal_client, rom_file):
    assert normal_client.post(url(rom_file())).status_code == 405


def test_a_non_ascii_name_keeps_its_exact_spelling_with_an_ascii_fallback(normal_client, rom_file):
    name = "Café Ünïcode (1993).zip"
    response = normal_client.get(url(rom_file(name)))
    assert body(response) == DATA
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="Cafe Unicode (1993).zip"; ')
    encoded = re.search(r"filename\*=UTF-8''(\S+)$", disposition)[1]
    assert re.fullmatch(r"[A-Za-z0-9%._~-]+", encoded)
    assert unquote(encoded) == name


def test_quotes_and_backslashes_cannot_break_out_of_the_fallback_name(normal_client, rom_file):
    name = 'Say "Hi" \\ Bye (1990).zip'
    response = normal_client.get(url(rom_file(name)))
    assert body(response) == DATA
    assert response["Content-Disposition"] == (
        'attachment; filename="Say _Hi_ _ Bye (1990).zip"; '
        f"filename*=UTF-8''{quote(name, safe='')}"
    )


def test_an_unknown_file_is_not_found(normal_client, rom_dir):
    assert normal_client.get(url(999_999)).status_code == 404


def test_a_file_marked_missing_is_not_found_even_if_it_is_back(normal_client, rom_file):
    rom = rom_file()
    Rom.objects.filter(pk=rom.pk).update(missing_since="2024-01-01T00:00:00Z")
    assert normal_client.get(url(rom)).status_code == 404


def test_a_vanished_file_is_not_found_and_gets_marked_missing(normal_client, rom_file):
    rom = rom_file()
    os.remove(rom.path)
    assert normal_client.get(url(rom)).status_code == 404
    rom.refresh_from_db()
    assert rom.missing_since is not None


def test_a_folder_where_the_file_was_is_not_found_and_gets_marked_missing(normal_client, rom_file):
    rom = rom_file()
    os.remove(rom.path)
    os.mkdir(rom.path)
    assert normal_client.get(url(rom)).status_code == 404
    rom.refresh_from_db()
    assert rom.missing_since is not None


def test_a_fifo_where_the_file_was_is_refused_without_hanging(normal_client, rom_file):
    rom = rom_file()
    os.remove(rom.path)
    os.mkfifo(rom.path)  # opening it for reading would wait forever for a writer
    assert normal_client.get(url(rom)).status_code == 404
    rom.refresh_from_db()
    assert rom.missing_since is not None


def test_a_symlink_leading_out_of_the_rom_folder_is_refused(
    normal_client, rom_dir, tmp_path, make_rom
):
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"top secret")
    (rom_dir / "Evil (1990).zip").symlink_to(secret)
    rom = make_rom(path=str(rom_dir / "Evil (1990).zip"))
    response = normal_client.get(url(rom))
    assert response.status_code == 404
    assert b"top secret" not in response.content
    rom.refresh_from_db()
    assert rom.missing_since is None  # the file is there; it is just not ours to give


def test_a_symlink_to_another_file_in_the_rom_folder_is_served(normal_client, rom_dir, make_rom):
    (rom_dir / "disks").mkdir()
    (rom_dir / "disks" / "original.zip").write_bytes(DATA)
    (rom_dir / "Alias (1990).zip").symlink_to(rom_dir / "disks" / "original.zip")
    response = normal_client.get(url(make_rom(path=str(rom_dir / "Alias (1990).zip"))))
    assert response.status_code == 200
    assert body(response) == DATA
    assert 'filename="Alias (1990).zip"' in response["Content-Disposition"]


@pytest.mark.parametrize(
    "outside",
    [
        "/etc/passwd",
        "{roms}/../outside.zip",  # ".." segments climbing out
        "{roms}2/neighbour.zip",  # /roms2 shares a string prefix with /roms, not a folder
        "{roms}",  # the ROM folder itself
    ],
)
def test_a_path_outside_every_rom_folder_is_refused(
    normal_client, rom_dir, tmp_path, make_rom, outside
):
    (tmp_path / "outside.zip").write_bytes(DATA)
    (tmp_path / "roms2").mkdir()
    (tmp_path / "roms2" / "neighbour.zip").write_bytes(DATA)
    rom = make_rom(path=outside.format(roms=rom_dir))
    assert normal_client.get(url(rom)).status_code == 404


def test_a_rom_folder_configured_through_a_symlink_works(
    normal_client, tmp_path, settings, make_rom
):
    (tmp_path / "disk").mkdir()
    (tmp_path / "disk" / "Keen (1990).zip").write_bytes(DATA)
    (tmp_path / "roms-link").symlink_to(tmp_path / "disk")
    settings.ROM_DIRS = [tmp_path / "roms-link"]
    rom = make_rom(path=str(tmp_path / "roms-link" / "Keen (1990).zip"))
    response = normal_client.get(url(rom))
    assert response.status_code == 200
    assert body(response) == DATA


@pytest.mark.parametrize(
    ("range_header", "first", "last"),
    [
        ("bytes=0-9", 0, 9),
        ("bytes=10-", 10, 99),
        ("bytes=-5", 95, 99),
        ("bytes=5-1000000", 5, 99),  # clipped to the end of the file
        ("bytes=-500", 0, 99),  # more than the file: all of it
        ("Bytes=99-99", 99, 99),
    ],
)
def test_a_range_sends_just_those_bytes(normal_client, rom_file, range_header, first, last):
    response = normal_client.get(url(rom_file()), headers={"Range": range_header})
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {first}-{last}/100"
    assert response["Content-Length"] == str(last - first + 1)
    assert body(response) == DATA[first : last + 1]


@pytest.mark.parametrize("range_header", ["bytes=1000-", "bytes=100-200", "bytes=-0"])
def test_a_range_past_the_end_is_unsatisfiable(normal_client, rom_file, range_header):
    response = normal_client.get(url(rom_file()), headers={"Range": range_header})
    assert response.status_code == 416
    assert response["Content-Range"] == "bytes */100"


@pytest.mark.parametrize(
    "range_header", ["bytes=abc", "bytes=0-9,20-29", "bytes=9-0", "items=0-9", "bytes=", "bytes=-"]
)
def test_an_invalid_or_multiple_range_is_ignored(normal_client, rom_file, range_header):
    response = normal_client.get(url(rom_file()), headers={"Range": range_header})
    assert response.status_code == 200
    assert body(response) == DATA
    assert "Content-Range" not in response


def test_if_range_with_the_current_etag_honours_the_range(normal_client, rom_file):
    rom = rom_file()
    etag = normal_client.head(url(rom))["ETag"]
    response = normal_client.get(url(rom), headers={"Range": "bytes=90-", "If-Range": etag})
    assert response.status_code == 206
    assert body(response) == DATA[90:]


def test_if_range_with_the_last_modified_date_honours_the_range(normal_client, rom_file):
    rom = rom_file()
    modified = normal_client.head(url(rom))["Last-Modified"]
    response = normal_client.get(url(rom), headers={"Range": "bytes=90-", "If-Range": modified})
    assert response.status_code == 206
    assert body(response) == DATA[90:]


def test_if_range_with_a_stale_etag_sends_the_whole_new_file(normal_client, rom_file):
    rom = rom_file()
    old_etag = normal_client.head(url(rom))["ETag"]
    new_data = DATA[::-1] + b"more"
    with open(rom.path, "wb") as fh:
        fh.write(new_data)
    os.utime(rom.path, ns=(0, 1_800_000_000_000_000_000))
    response = normal_client.get(url(rom), headers={"Range": "bytes=90-", "If-Range": old_etag})
    assert response.status_code == 200
    assert body(response) == new_data
    assert response["ETag"] != old_etag


def test_if_none_match_with_the_current_etag_answers_304(normal_client, rom_file):
    rom = rom_file()
    etag = normal_client.head(url(rom))["ETag"]
    assert re.fullmatch(r'"[^"]+"', etag)  # strong
    response = normal_client.get(url(rom), headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response["ETag"] == etag


def test_if_modified_since_the_file_mtime_answers_304(normal_client, rom_file):
    rom = rom_file()
    since = http_date(os.stat(rom.path).st_mtime + 60)
    response = normal_client.get(url(rom), headers={"If-Modified-Since": since})
    assert response.status_code == 304


def test_head_gives_the_headers_without_reading_the_file(rf, normal_user, rom_file):
    rom = rom_file()
    request = rf.head(url(rom))
    request.user = normal_user
    response = downloads.download(request, rom.pk)
    assert response.status_code == 200
    assert response["Content-Length"] == "100"
    assert "attachment" in response["Content-Disposition"]
    assert body(response) == b""


def test_an_empty_file_is_sent_as_an_empty_200_and_any_range_is_unsatisfiable(
    normal_client, rom_file
):
    rom = rom_file(data=b"")
    response = normal_client.get(url(rom))
    assert response.status_code == 200
    assert response["Content-Length"] == "0"
    assert body(response) == b""
    response = normal_client.get(url(rom), headers={"Range": "bytes=0-"})
    assert response.status_code == 416
    assert response["Content-Range"] == "bytes */0"


def test_nginx_mode_hands_the_file_to_an_internal_location(normal_client, rom_file, settings):
    settings.DOWNLOAD_ACCEL = "nginx:/protected-roms/"
    response = normal_client.get(url(rom_file("Café 100% (1990)?.zip")))
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == "/protected-roms/Caf%C3%A9%20100%25%20%281990%29%3F.zip"
    assert response.content == b""
    assert "filename*=UTF-8''Caf%C3%A9" in response["Content-Disposition"]


def test_nginx_mode_numbers_the_rom_folders_when_there_are_several(
    normal_client, tmp_path, settings, make_rom
):
    settings.DOWNLOAD_ACCEL = "nginx:/protected-roms"
    settings.ROM_DIRS = [tmp_path / "dos", tmp_path / "cdroms"]
    (tmp_path / "cdroms" / "Myst").mkdir(parents=True)
    (tmp_path / "cdroms" / "Myst" / "myst.iso").write_bytes(DATA)
    response = normal_client.get(url(make_rom(path=str(tmp_path / "cdroms/Myst/myst.iso"))))
    assert response["X-Accel-Redirect"] == "/protected-roms/1/Myst/myst.iso"


def test_sendfile_mode_names_the_real_path_for_apache(normal_client, rom_file, settings):
    settings.DOWNLOAD_ACCEL = "sendfile"
    rom = rom_file()
    response = normal_client.get(url(rom))
    assert response.status_code == 200
    assert unquote(response["X-Sendfile"]) == os.path.realpath(rom.path)
    assert response.content == b""


@pytest.mark.parametrize("mode", ["nginx:/protected-roms/", "sendfile"])
def test_accelerated_modes_still_refuse_demo_users_and_escaping_symlinks(
    client, demo_user, normal_user, rom_dir, tmp_path, make_rom, rom_file, settings, mode
):
    settings.DOWNLOAD_ACCEL = mode
    (tmp_path / "secret.txt").write_bytes(b"top secret")
    (rom_dir / "Evil.zip").symlink_to(tmp_path / "secret.txt")
    client.force_login(demo_user)
    assert client.get(url(rom_file())).status_code == 403
    client.force_login(normal_user)
    response = client.get(url(make_rom(path=str(rom_dir / "Evil.zip"))))
    assert response.status_code == 404
    assert "X-Accel-Redirect" not in response and "X-Sendfile" not in response


def test_an_unknown_download_accel_value_stops_start_up(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=config.BASE_DIR,
        env=dict(
            os.environ,
            DJANGO_SETTINGS_MODULE="romvault.settings",
            DOWNLOAD_ACCEL="x-sendfile",
            XDG_CONFIG_HOME=str(tmp_path),
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured: DOWNLOAD_ACCEL must be" in result.stderr


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-0", (0, 0)),
        ("bytes=0000000000000000000000000000000000000007-", (7, 99)),
        ("bytes=0-" + "9" * 5000, (0, 99)),  # beyond int()'s 4,300-digit limit
        ("bytes=" + "9" * 5000 + "-", downloads.UNSATISFIABLE),
        ("bytes=\u0661-\u0662", None),  # Arabic-Indic digits are digits to Python, not to HTTP
        ("bytes = 0-1", None),
    ],
)
def test_parse_range_reads_only_http_syntax(header, expected):
    assert downloads.parse_range(header, 100) == expected


@pytest.fixture
def hundred_bytes(rom_file):
    return rom_file()


range_headers = st.one_of(
    st.text(),
    st.tuples(
        st.one_of(st.just(""), st.integers(0, 10**20).map(str)),
        st.one_of(st.just(""), st.integers(0, 10**20).map(str)),
    ).map(lambda ends: f"bytes={ends[0]}-{ends[1]}"),
    st.lists(st.integers(0, 150).map(str), min_size=2, max_size=6).map(
        lambda ends: (
            "bytes=" + ",".join(f"{a}-{b}" for a, b in zip(ends[::2], ends[1::2], strict=False))
        )
    ),
)


@hypothesis_settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(range_header=range_headers)
def test_any_range_header_gives_200_206_or_416_with_consistent_bytes(
    normal_client, hundred_bytes, range_header
):
    # The fixtures run once for all examples: one file, one logged-in client.
    response = normal_client.get(url(hundred_bytes), headers={"Range": range_header})
    assert response.status_code in (200, 206, 416)
    if response.status_code == 416:
        assert response["Content-Range"] == "bytes */100"
        return
    sent = body(response)
    assert len(sent) == int(response["Content-Length"])
    if response.status_code == 200:
        assert sent == DATA
    else:
        first, last = map(
            int, re.fullmatch(r"bytes (\d+)-(\d+)/100", response["Content-Range"]).groups()
        )
        assert sent == DATA[first : last + 1]


def test_a_newline_in_a_files_path_cannot_forge_a_server_log_line(
    normal_client, rom_dir, make_rom, server_log
):
    forged = "2025-01-01 00:00:00,000 ERROR django.request: forged"
    rom = make_rom(path=f"/elsewhere/keen.zip\n{forged}\x1b[2J\u202e")  # outside ROM_DIRS
    assert normal_client.get(url(rom)).status_code == 404
    lines = server_log.getvalue().splitlines()
    assert not any(line.startswith(forged[:10]) for line in lines), lines
    refused = [line for line in lines if "catalog.downloads" in line]
    assert len(refused) == 1
    assert f"keen.zip\\n{forged}\\x1b[2J\\u202e resolves outside" in refused[0]


def test_a_name_with_bidi_controls_is_sent_and_shown_as_stored_not_reversed(
    normal_client, rom_file
):
    rom = rom_file("RTL \u202egnp.exe\u200b")  # shows as "RTL exe.png" with U+202E kept
    response = normal_client.get(url(rom))
    assert body(response) == DATA
    assert response["Content-Disposition"] == (
        "attachment; filename=\"RTL gnp.exe\"; filename*=UTF-8''RTL%20gnp.exe"
    )
    page = normal_client.get(rom.game.get_absolute_url()).content.decode()
    assert "RTL gnp.exe" in page and "\u202e" not in page and "\u200b" not in page


def test_a_disk_of_a_folder_set_downloads_under_its_games_folder_name(
    normal_client, rom_dir, make_game, make_rom
):
    folder = rom_dir / "Dune II (1992)"
    folder.mkdir()
    (folder / "DISK1.ZIP").write_bytes(DATA)
    game = make_game(title="Dune II", year=1992)
    rom = make_rom(game=game, path=str(folder / "DISK1.ZIP"), size=len(DATA))
    response = normal_client.get(url(rom))
    assert 'filename="Dune II (1992) - DISK1.ZIP"' in response["Content-Disposition"]
