"""Hostile input to the catalogue and downloads, property-based: never a 500, never a byte
from outside the ROM folders.

Pure functions get 200 examples, views (a real request each) 50; see the counts with
`pytest --hypothesis-show-statistics catalog/tests/test_hostile.py`.
"""

import os
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog import downloads
from catalog.models import Favorite, Rom

pytestmark = pytest.mark.django_db

PURE = settings(max_examples=200, deadline=None)
VIEWS = settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

DIGITS = st.one_of(
    st.just(""),
    st.integers(0, 10**6).map(str),
    st.integers(0, 10**40).map(str),
    st.text("0123456789", min_size=1, max_size=30),
    st.text("0123456789", min_size=4000, max_size=6000),  # past int()'s 4,300-digit limit
    st.text(st.characters(categories=["Nd"]), min_size=1, max_size=5),  # Arabic-Indic, fullwidth...
)
RANGE_SHAPED = st.builds(
    lambda unit, first, last, sep, spaces: f"{spaces}{unit}={first}{sep}{last}{spaces}",
    st.sampled_from(["bytes", "BYTES", "Bytes", "items", "", "bytes "]),
    DIGITS,
    DIGITS,
    st.sampled_from(["-", "--", "", ",", "-0,", "- ", "\u2013"]),
    st.sampled_from(["", " ", "\t", "\x00"]),
)
RANGE_HEADERS = st.one_of(
    RANGE_SHAPED,
    st.text(max_size=60),
    st.lists(RANGE_SHAPED, min_size=2, max_size=4).map(", ".join),  # several ranges
)


# --- Range ----------------------------------------------------------------------------------


@PURE
@given(header=RANGE_HEADERS, size=st.one_of(st.integers(0, 200), st.integers(0, 10**13)))
def test_parse_range_gives_a_valid_range_none_or_unsatisfiable_for_any_header(header, size):
    wanted = downloads.parse_range(header, size)
    if wanted is None or wanted == downloads.UNSATISFIABLE:
        return
    first, last = wanted
    assert 0 <= first <= last < size


DATA = bytes(range(256)) * 4


@VIEWS
@given(header=RANGE_HEADERS)
def test_any_range_header_gets_200_206_or_416_and_only_the_files_bytes(
    normal_client, rom_dir, make_rom, header
):
    path = rom_dir / "Keen.zip"
    path.write_bytes(DATA)
    rom = Rom.objects.filter(path=str(path)).first() or make_rom(path=str(path), size=len(DATA))
    response = normal_client.get(reverse("catalog:rom-download", args=[rom.pk]), HTTP_RANGE=header)
    assert response.status_code in (200, 206, 416)
    if response.status_code == 200:
        assert b"".join(response.streaming_content) == DATA
    elif response.status_code == 206:
        first, last = map(int, response["Content-Range"].split()[1].split("/")[0].split("-"))
        assert b"".join(response.streaming_content) == DATA[first : last + 1]


# --- search and filters ---------------------------------------------------------------------

NASTY = st.sampled_from(
    ["' OR 1=1 --", '"; DROP TABLE catalog_game; --', "%", "_", "\\", "%%", "{{ 7|add:1 }}",
     "{% debug %}", "{# x", "<script>alert(1)</script>", "&amp;", "\x00", "\udcff", "🎮", "NaN",
     "-1", "0", "1e309", "9" * 30, "x" * 10_000, " ", "", "[]", "null", "true", "%00"]
)  # fmt: skip
VALUES = st.one_of(NASTY, st.text(max_size=40), st.integers().map(str), DIGITS)
PARAMS = st.dictionaries(
    st.sampled_from(
        ["q", "genre", "theme", "developer", "publisher", "year_from", "year_to", "match",
         "fav", "sort", "dir", "page", "unknown"]
    ),
    st.one_of(VALUES, st.lists(VALUES, min_size=2, max_size=3)),
    max_size=6,
)  # fmt: skip


def query(params) -> str:
    pairs = []
    for name, value in params.items():
        for one in value if isinstance(value, list) else [value]:
            pairs.append((name, one.encode("utf-8", "surrogatepass")))
    return urlencode(pairs)


@pytest.fixture
def shelf(make_game, normal_user):
    """A few games, one of them a favourite, so filters have something to filter."""
    games = [make_game(title=t, year=y) for t, y in [("Doom", 1993), ("Dig, The", 1995)]]
    Favorite.objects.get_or_create(user=normal_user, game=games[0])
    return games


@VIEWS
@given(params=PARAMS, htmx=st.booleans())
def test_the_catalogue_never_fails_whatever_the_parameters(normal_client, shelf, params, htmx):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = normal_client.get("/?" + query(params), **headers)
    assert response.status_code == 200


@VIEWS
@given(params=PARAMS)
def test_the_favourites_page_never_fails_whatever_the_parameters(normal_client, shelf, params):
    response = normal_client.get(reverse("catalog:favorites") + "?" + query(params))
    assert response.status_code == 200


# --- downloads of files that are not there, or not ours --------------------------------------


@VIEWS
@given(pk=st.one_of(st.integers(1, 2**31), st.integers(2**63, 10**30)))
def test_a_download_of_a_file_nobody_knows_is_404(normal_client, rom_dir, pk):
    if not Rom.objects.filter(pk=pk).exists():
        assert normal_client.get(f"/files/{pk}/download/").status_code == 404


# No lone surrogates: the scanner never stores a name that is not valid UTF-8 (scan.py).
NAMES = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="/\x00"), min_size=1)


@VIEWS
@given(name=NAMES.filter(lambda name: len(name.encode()) <= 255))
def test_a_file_gone_from_disk_is_404_and_marked_missing(normal_client, rom_dir, make_rom, name):
    path = rom_dir / "gone" / name
    rom = Rom.objects.filter(path=str(path)).first() or make_rom(path=str(path))
    Rom.objects.filter(pk=rom.pk).update(missing_since=None)
    assert normal_client.get(reverse("catalog:rom-download", args=[rom.pk])).status_code == 404
    rom.refresh_from_db()
    if name not in (".", ".."):  # "roms/gone/.." is the ROM folder itself, never a file
        assert rom.missing_since is not None


@pytest.fixture
def secret(tmp_path):
    """A file beside the ROM folder that no download may ever send."""
    path = tmp_path / "secret.txt"
    path.write_bytes(b"TOP SECRET")
    return path


ESCAPES = st.builds(
    lambda ups, middle, target: os.path.join(*middle, *[".."] * ups, target),
    st.integers(1, 6),
    st.lists(st.sampled_from(["sub", ".", "..", "roms", "x y", "é"]), max_size=3),
    st.sampled_from(["secret.txt", "../secret.txt", "roms/../secret.txt", "/etc/passwd", ""]),
)


@VIEWS
@given(relative=ESCAPES)
def test_a_stored_path_with_dot_dot_is_never_served_from_outside_the_rom_folder(
    normal_client, rom_dir, secret, make_rom, relative
):
    (rom_dir / "sub").mkdir(exist_ok=True)
    path = os.path.join(str(rom_dir), relative)
    rom = Rom.objects.filter(path=path).first() or make_rom(path=path)
    response = normal_client.get(reverse("catalog:rom-download", args=[rom.pk]))
    real = os.path.realpath(path)
    inside = os.path.commonpath([real, os.path.realpath(rom_dir)]) == os.path.realpath(rom_dir)
    if inside and os.path.isfile(real):
        assert response.status_code == 200
    else:
        assert response.status_code in (403, 404)
        assert b"SECRET" not in b"".join(getattr(response, "streaming_content", [b""]))


@VIEWS
@given(
    link=st.sampled_from(["out.zip", "sub/out.zip", "deep/er/out.zip"]),
    target=st.sampled_from(["secret", "folder-of-secret", "dangling", "loop"]),
)
def test_a_symlink_leading_out_of_the_rom_folder_is_never_followed(
    normal_client, rom_dir, secret, make_rom, link, target
):
    path = rom_dir / link
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_symlink():
        path.unlink()
    if target == "secret":
        path.symlink_to(secret)
    elif target == "folder-of-secret":  # roms/<link> -> a path through a linked folder
        folder = rom_dir / "linked-folder"
        if not folder.is_symlink():
            folder.symlink_to(secret.parent)
        path.symlink_to(folder / "secret.txt")
    elif target == "dangling":
        path.symlink_to(secret.parent / "nothing-here")
    else:
        path.symlink_to(path)
    rom = Rom.objects.filter(path=str(path)).first() or make_rom(path=str(path))
    Rom.objects.filter(pk=rom.pk).update(missing_since=None)
    response = normal_client.get(reverse("catalog:rom-download", args=[rom.pk]))
    assert response.status_code in (403, 404)
    assert b"SECRET" not in b"".join(getattr(response, "streaming_content", [b""]))
