"""A game's files in one zip, streamed as it is made."""

import io
import os
import zipfile
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync
from django.test import AsyncClient
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def disks(rom_dir, make_game, make_rom):
    """A game of three files in a folder of the ROM folder, as a folder set keeps them."""
    game = make_game(title="Ultima VII: The Black Gate")
    folder = rom_dir / "Ultima VII"
    folder.mkdir()
    roms = []
    for n in (1, 2, 3):
        path = folder / f"DISK{n}.ZIP"
        path.write_bytes(os.urandom(300_000) + bytes([n]))
        roms.append(make_rom(game=game, path=str(path), size=path.stat().st_size))
    return game, roms


def url(game):
    return reverse("catalog:game-download-all", args=[game.pk])


def unzip(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None  # every member's CRC checks out
        return {info.filename: archive.read(info) for info in archive.infolist()}


def test_the_zip_holds_every_file_byte_for_byte(normal_client, disks):
    game, roms = disks
    response = normal_client.get(url(game))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert 'filename="Ultima VII: The Black Gate.zip"' in response["Content-Disposition"]
    assert response["Accept-Ranges"] == "none"
    assert not response.has_header("Content-Length")
    members = unzip(b"".join(response.streaming_content))
    assert members == {f"DISK{n}.ZIP": Path(roms[n - 1].path).read_bytes() for n in (1, 2, 3)}


def test_files_gone_missing_or_outside_the_rom_folders_are_left_out(normal_client, disks, tmp_path):
    game, roms = disks
    os.remove(roms[0].path)
    roms[1].path = str(tmp_path / "elsewhere.zip")
    (tmp_path / "elsewhere.zip").write_bytes(b"not yours")
    roms[1].save()
    members = unzip(b"".join(normal_client.get(url(game)).streaming_content))
    assert list(members) == ["DISK3.ZIP"]


def test_same_names_in_two_folders_are_both_kept(normal_client, rom_dir, make_game, make_rom):
    game = make_game(title="Doom")
    for folder in ("a", "b"):
        (rom_dir / folder).mkdir()
        path = rom_dir / folder / "DOOM.ZIP"
        path.write_bytes(folder.encode())
        make_rom(game=game, path=str(path), size=1)
    members = unzip(b"".join(normal_client.get(url(game)).streaming_content))
    assert members == {"DOOM.ZIP": b"a", "DOOM (2).ZIP": b"b"}


def test_no_file_to_send_is_a_404(normal_client, make_game):
    assert normal_client.get(url(make_game())).status_code == 404


def test_demo_and_anonymous_users_get_no_zip(client, demo_user, disks):
    game, _ = disks
    assert client.get(url(game)).status_code == 302
    client.force_login(demo_user)
    assert client.get(url(game)).status_code == 403


def test_the_game_page_offers_it_to_downloaders_only(client, normal_user, demo_user, disks):
    game, _ = disks
    for user, offered in ((normal_user, True), (demo_user, False)):
        client.force_login(user)
        page = client.get(game.get_absolute_url()).content.decode()
        assert (url(game) in page) is offered
    assert "Download all" not in page


def fetch_asgi(user, path, **headers):
    """(response, body) through Django's ASGI handler, as gunicorn.conf.py serves the site."""

    async def fetch():
        client = AsyncClient()
        await client.aforce_login(user)
        response = await client.get(path, headers=headers)
        return response, b"".join([chunk async for chunk in response.streaming_content])

    return async_to_sync(fetch)()


# The database is not a test transaction here: under ASGI a request gives its connection back
# before its body is sent (romvault.middleware.ReleaseDatabaseMiddleware).
@pytest.mark.django_db(transaction=True)
def test_under_asgi_the_zip_and_a_ranged_download_stream_asynchronously(normal_user, disks):
    game, roms = disks
    response, data = fetch_asgi(normal_user, url(game))
    assert response.is_async  # a synchronous body would have been read whole first
    assert len(unzip(data)) == 3
    one = reverse("catalog:rom-download", args=[roms[0].pk])
    response, data = fetch_asgi(normal_user, one, range="bytes=-1000")
    assert response.status_code == 206 and response.is_async
    assert data == Path(roms[0].path).read_bytes()[-1000:]
