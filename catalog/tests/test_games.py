"""The game page (catalog/views/games.py)."""

import datetime
import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone

from catalog.models import Company, Favorite, Genre, Image, Involvement, Theme

pytestmark = pytest.mark.django_db


def game_url(game):
    return reverse("catalog:game-detail", kwargs={"pk": game.pk, "slug": game.slug})


def test_game_page_sends_anonymous_visitors_to_login(client, make_game):
    response = client.get(game_url(make_game()))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_game_page_lists_the_files(client, demo_user, make_rom):
    rom = make_rom(path="/roms/Keen 4.zip", size=2048)
    client.force_login(demo_user)
    response = client.get(rom.game.get_absolute_url())
    assert response.status_code == 200
    assert b"Keen 4.zip" in response.content


def test_files_table_numbers_the_disks_of_a_folder_set(client, demo_user, make_game, make_rom):
    dune = make_game(title="Dune II", year=1992)
    for n in (1, 2):
        make_rom(game=dune, path=f"/roms/Dune II (1992)/DISK{n}.ZIP")
    client.force_login(demo_user)
    html = client.get(dune.get_absolute_url()).content.decode()
    cells = re.findall(r'sm:table-cell">(Disk [^<]*)</td>', html)
    assert cells == ["Disk 1", "Disk 2"]
    assert "· Disk 2</span>" in html  # under the name, on a phone


def test_game_page_of_an_unknown_game_is_404(client, demo_user):
    client.force_login(demo_user)
    assert client.get("/games/999999/nothing/").status_code == 404


def test_game_page_with_a_wrong_slug_redirects_to_the_canonical_address(
    client, demo_user, make_game
):
    game = make_game(title="Commander Keen")
    client.force_login(demo_user)
    response = client.get(f"/games/{game.pk}/commander-queen/")
    assert response.status_code == 301
    assert response["Location"] == f"/games/{game.pk}/commander-keen/"


def test_game_page_shows_its_metadata_with_links_into_the_catalogue(client, demo_user, make_game):
    game = make_game(
        title="Doom",
        year=None,
        release_date=datetime.date(1993, 12, 10),
        rating=87.64,
        summary="Demons on Mars.",
        storyline="A marine alone.",
        igdb_url="https://www.igdb.com/games/doom",
    )
    shooter = Genre.objects.create(igdb_id=5, name="Shooter")
    game.genres.add(shooter)
    horror = Theme.objects.create(igdb_id=19, name="Horror")
    game.themes.add(horror)
    id_soft = Company.objects.create(igdb_id=1, name="id Software")
    gt = Company.objects.create(igdb_id=2, name="GT Interactive")
    Involvement.objects.create(game=game, company=id_soft, developer=True)
    Involvement.objects.create(game=game, company=gt, publisher=True)
    game.alternative_names.create(name="Doom: Evil Unleashed", comment="Working title")
    client.force_login(demo_user)
    html = client.get(game_url(game)).content.decode()
    assert f'href="/?genre={shooter.pk}">Shooter</a>' in html
    assert f'href="/?theme={horror.pk}">Horror</a>' in html
    assert f'href="/?developer={id_soft.pk}">id Software</a>' in html
    assert f'href="/?publisher={gt.pk}">GT Interactive</a>' in html
    assert "Doom: Evil Unleashed" in html and "Working title" in html
    assert ">1993</a>" in html
    assert '<strong class="text-slate-100">88</strong>/100' in html
    assert "Demons on Mars." in html and "A marine alone." in html
    assert 'href="https://www.igdb.com/games/doom"' in html


def test_game_page_shows_the_cover_or_the_title_initials(client, demo_user, make_game):
    covered = make_game(title="Doom")
    covered.cover = Image.objects.create(game=covered, kind="cover", image_id="co1abc")
    covered.save()
    bare = make_game(title="Commander Keen")
    client.force_login(demo_user)
    html = client.get(game_url(covered)).content.decode()
    assert 'src="https://images.igdb.com/igdb/image/upload/t_cover_big/co1abc.jpg"' in html
    assert 'alt="Cover of Doom"' in html
    assert ">CK</div>" in client.get(game_url(bare)).content.decode()


def test_game_page_screenshots_open_in_a_lightbox(client, demo_user, make_game):
    game = make_game()
    for n in (2, 1):
        Image.objects.create(game=game, kind="screenshot", image_id=f"sc{n}", position=n)
    client.force_login(demo_user)
    html = client.get(game_url(game)).content.decode()
    assert 'x-data="lightbox"' in html and 'role="dialog"' in html
    assert html.index("t_screenshot_med/sc1.jpg") < html.index("t_screenshot_med/sc2.jpg")
    # Without JavaScript the thumbnail is a link to the full-size image.
    assert 'href="https://images.igdb.com/igdb/image/upload/t_screenshot_huge/sc1.jpg"' in html


def test_files_table_marks_missing_files_and_offers_no_download_for_them(
    client, normal_user, make_game, make_rom
):
    game = make_game()
    present = make_rom(
        game=game, path="/roms/Keen (Disk 1 of 2).zip", tags={"disk": 1, "disk_total": 2}
    )
    gone = make_rom(game=game, path="/roms/Keen (Disk 2 of 2).zip", missing_since=timezone.now())
    client.force_login(normal_user)
    html = client.get(game_url(game)).content.decode()
    assert "Disk 1 of 2" in html and "1.0\xa0KB" in html
    assert html.count(">Missing</span>") == 1
    assert reverse("catalog:rom-download", args=[present.pk]) in html
    assert reverse("catalog:rom-download", args=[gone.pk]) not in html


def test_demo_user_sees_no_download_or_favourite_button(client, demo_user, make_rom):
    rom = make_rom()
    client.force_login(demo_user)
    html = client.get(game_url(rom.game)).content.decode()
    assert rom.filename in html
    assert reverse("catalog:rom-download", args=[rom.pk]) not in html
    assert "aria-pressed" not in html


def test_demo_user_is_told_why_the_files_have_no_download_button(client, demo_user, make_rom):
    rom = make_rom()
    client.force_login(demo_user)
    html = client.get(game_url(rom.game)).content.decode()
    assert "Your account can browse but not download." in html


def test_a_demo_group_granted_play_is_told_it_can_play_but_not_download(
    client, demo_user, make_rom
):
    Group.objects.get(name="demo").permissions.add(
        Permission.objects.get(codename="play_game", content_type__app_label="catalog")
    )
    rom = make_rom()
    client.force_login(demo_user)
    html = client.get(game_url(rom.game)).content.decode()
    assert "Your account can play these games in the browser but not download." in html


@pytest.mark.parametrize("persona", ["normal_user", "super_user"])
def test_normal_and_super_users_see_download_and_favourite_buttons(
    client, request, make_rom, persona
):
    rom = make_rom()
    client.force_login(request.getfixturevalue(persona))
    html = client.get(game_url(rom.game)).content.decode()
    assert reverse("catalog:rom-download", args=[rom.pk]) in html
    assert 'aria-pressed="false"' in html
    assert "but not download" not in html


@pytest.mark.parametrize("games", [1, 60])
def test_game_page_runs_at_most_8_queries(
    client, normal_user, make_game, make_rom, django_assert_max_num_queries, games
):
    game = make_game()
    for n in range(games):
        make_rom(game=game, tags={"disk": n + 1, "disk_total": games})
        Image.objects.create(game=game, kind="screenshot", image_id=f"sc{n}", position=n)
        genre = Genre.objects.create(igdb_id=n, name=f"Genre {n}")
        game.genres.add(genre)
        company = Company.objects.create(igdb_id=n, name=f"Company {n}")
        Involvement.objects.create(game=game, company=company, developer=True, publisher=True)
        game.alternative_names.create(name=f"Name {n}")
    Favorite.objects.create(user=normal_user, game=game)
    client.force_login(normal_user)
    with django_assert_max_num_queries(8):
        response = client.get(game_url(game))
    assert response.content.count(b"/download/") == games
    assert b'aria-pressed="true"' in response.content


@pytest.mark.parametrize(
    "stored",
    [
        "javascript:alert(document.cookie)",
        "https://evil.example/games/doom",
        "https://www.igdb.com.evil.example/games/doom",
        "http://www.igdb.com/games/doom",
        "https://www.igdb.com/games/doom\n",
    ],
)
def test_an_igdb_url_that_is_not_a_page_on_igdb_is_not_linked(client, demo_user, make_game, stored):
    game = make_game(title="Doom", igdb_url=stored)  # a row stored before the importer checked
    client.force_login(demo_user)
    html = client.get(game_url(game)).content.decode()
    assert "IGDB page" not in html
