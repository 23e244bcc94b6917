"""The covers and screenshots `scrape` keeps, served by romvault (catalog/views/images.py)."""

import pytest
from django.utils.http import http_date

from catalog.models import Image

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0 a cover \xff\xd9"
COVER = "/images/t_cover_big/co1abc.jpg"


@pytest.fixture
def media(settings, tmp_path):
    """A data folder with one kept cover, and the database file beside the images."""
    settings.MEDIA_ROOT = tmp_path / "data" / "media"
    folder = settings.MEDIA_ROOT / "igdb" / "t_cover_big"
    folder.mkdir(parents=True)
    (folder / "co1abc.jpg").write_bytes(JPEG)
    (tmp_path / "data" / "romvault.sqlite3").write_bytes(b"SQLite format 3\x00 secrets")
    (tmp_path / "data" / "secret.jpg").write_bytes(b"not an image")
    return settings.MEDIA_ROOT


def test_a_logged_in_user_gets_the_kept_image_cached_for_a_year(client, demo_user, media):
    client.force_login(demo_user)
    response = client.get(COVER)
    assert response.status_code == 200
    assert response.content == JPEG
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, max-age=31536000, immutable"
    stat = (media / "igdb" / "t_cover_big" / "co1abc.jpg").stat()
    assert response["Last-Modified"] == http_date(stat.st_mtime)
    assert response["ETag"].startswith('"')
    assert "Content-Security-Policy" not in response  # only pages carry one
    assert client.head(COVER).status_code == 200
    assert client.post(COVER).status_code == 405


def test_a_browser_that_has_the_image_gets_304(client, demo_user, media):
    client.force_login(demo_user)
    first = client.get(COVER)
    again = client.get(COVER, headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304 and again.content == b""
    assert again["Cache-Control"] == first["Cache-Control"] and again["ETag"] == first["ETag"]
    since = client.get(COVER, headers={"If-Modified-Since": first["Last-Modified"]})
    assert since.status_code == 304
    changed = client.get(COVER, headers={"If-None-Match": '"something-else"'})
    assert changed.status_code == 200


def test_covers_of_a_private_library_are_private(client, make_user, media):
    response = client.get(COVER)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={COVER}"
    client.force_login(make_user())  # logged in, but no role: may not browse
    assert client.get(COVER).status_code == 403


@pytest.mark.parametrize(
    "url",
    [
        "/images/t_cover_big/..%2F..%2Fromvault.sqlite3",
        "/images/t_cover_big/..%2F..%2Fsecret.jpg",
        "/images/t_cover_big/%2e%2e/%2e%2e/secret.jpg",
        "/images/t_cover_big/../../secret.jpg",
        "/images/..%2F..%2Fsecret.jpg",
        "/images/t_..%2F..%2Fsecret.jpg",
        "/images/t_..%2F/co1abc.jpg",
        "/images/t_cover_big%2F..%2F..%2Fsecret.jpg",
        "/images/t_cover_big/co1abc.jpg%00.png",
        "/images/t_cover_big/co1abc.jpg/",
        "/images/t_cover_big/CO1ABC.jpg",
        "/images/t_cover_big/co1abc.png",
        "/images/t_cover_big/.co1abc.jpg.part",
        "/images/t_1080p/co1abc.jpg",  # a size romvault does not keep
        "/images/t_cover_big/" + "a" * 65 + ".jpg",
        "/media/igdb/t_cover_big/co1abc.jpg",  # nothing serves MEDIA_URL
    ],
)
def test_a_name_outside_the_kept_sizes_and_ids_is_not_found(client, super_user, media, url):
    client.force_login(super_user)
    assert client.get(url).status_code == 404


def test_an_image_this_server_lacks_is_sent_to_igdb_for_a_while(client, demo_user, media, settings):
    """Another app server kept it, or a backup came back without media/: IGDB's copy, asked
    again within the hour, rather than a broken image."""
    settings.IGDB_IMAGE_URL = "https://images.example/igdb"
    client.force_login(demo_user)
    response = client.get("/images/t_screenshot_huge/sc9.jpg")
    assert response.status_code == 302
    assert response["Location"] == "https://images.example/igdb/t_screenshot_huge/sc9.jpg"
    assert response["Cache-Control"] == "private, max-age=3600"


def test_pages_point_at_kept_copies_and_at_igdb_for_the_rest(client, demo_user, make_game):
    game = make_game(title="Doom")
    game.cover = Image.objects.create(
        game=game, kind="cover", image_id="co1abc", file="igdb/t_cover_big/co1abc.jpg"
    )
    game.save(update_fields=["cover"])
    Image.objects.create(
        game=game, kind="screenshot", image_id="sc1", position=1,
        file="igdb/t_screenshot_med/sc1.jpg",
    )  # fmt: skip
    Image.objects.create(game=game, kind="screenshot", image_id="sc2", position=2)
    client.force_login(demo_user)
    page = client.get(game.get_absolute_url()).content.decode()
    assert 'src="/images/t_cover_big/co1abc.jpg" alt="Cover of Doom"' in page
    # Thumbnails at 569 px; 1280 px only once opened.
    assert 'href="/images/t_screenshot_huge/sc1.jpg"' in page
    assert 'src="/images/t_screenshot_med/sc1.jpg"' in page
    assert 'src="https://images.igdb.com/igdb/image/upload/t_screenshot_med/sc2.jpg"' in page
    catalogue = client.get("/").content.decode()
    assert 'src="/images/t_cover_big/co1abc.jpg"' in catalogue
