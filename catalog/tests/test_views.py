import datetime
import os
import re
import subprocess
import sys

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone

from catalog.models import Company, Favorite, Genre, Image, Involvement, Theme
from romvault import config

pytestmark = pytest.mark.django_db


def test_healthz_answers_200_when_the_database_is_reachable(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"


def test_healthz_answers_503_when_the_database_is_unreachable(tmp_path):
    # A real process pointed at a PostgreSQL port where nothing listens.
    code = (
        "import django; django.setup(); from django.test import Client; "
        "print(Client().get('/healthz').status_code)"
    )
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="romvault.settings",
        SECRET_KEY="k" * 50,
        DATABASE_URL="postgres://postgres@127.0.0.1:9/romvault",
        ALLOWED_HOSTS="testserver",
        XDG_CONFIG_HOME=str(tmp_path),
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=config.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "503", result.stderr


def test_home_page_sends_anonymous_visitors_to_login(client):
    response = client.get(reverse("catalog:index"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login") + "?next=/"


def test_home_page_refuses_a_user_without_a_role(client, make_user):
    client.force_login(make_user())
    assert client.get(reverse("catalog:index")).status_code == 403


@pytest.mark.parametrize("persona", ["demo_user", "normal_user", "super_user"])
def test_home_page_lists_games_for_every_role(client, request, make_game, persona):
    make_game(title="Dig, The", year=1995)
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("catalog:index"))
    assert response.status_code == 200
    assert b"1 game" in response.content


def test_only_super_users_see_the_admin_link(client, demo_user, super_user):
    client.force_login(demo_user)
    assert b'href="/admin/"' not in client.get("/").content
    client.force_login(super_user)
    assert b'href="/admin/"' in client.get("/").content


def test_login_page_logs_a_user_in(client, make_user):
    make_user("demo", username="carol", password="s3cret-enough-pass")
    assert client.get(reverse("accounts:login")).status_code == 200
    response = client.post(
        reverse("accounts:login"), {"username": "carol", "password": "s3cret-enough-pass"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("catalog:index")


def test_login_with_a_wrong_password_says_so(client, make_user):
    make_user("demo", username="carol")
    response = client.post(reverse("accounts:login"), {"username": "carol", "password": "nope"})
    assert response.status_code == 200
    assert b"didn't match" in response.content


def test_login_never_redirects_to_another_site(client, make_user):
    make_user("demo", username="carol", password="s3cret-enough-pass")
    response = client.post(
        reverse("accounts:login") + "?next=https://evil.example/",
        {"username": "carol", "password": "s3cret-enough-pass", "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("catalog:index")


def test_logout_needs_a_post_and_ends_the_session(client, demo_user):
    client.force_login(demo_user)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert client.get(reverse("catalog:index")).status_code == 302


def test_game_page_lists_the_files(client, demo_user, make_rom):
    rom = make_rom(path="/roms/Keen 4.zip", size=2048)
    client.force_login(demo_user)
    response = client.get(rom.game.get_absolute_url())
    assert response.status_code == 200
    assert b"Keen 4.zip" in response.content


def test_game_page_of_an_unknown_game_is_404(client, demo_user):
    client.force_login(demo_user)
    assert client.get("/games/999999/nothing/").status_code == 404


# --- Layout ---------------------------------------------------------------------------------


def test_layout_has_the_menu_of_a_normal_user(client, normal_user):
    client.force_login(normal_user)
    html = client.get(reverse("catalog:index")).content.decode()
    assert 'hx-headers=\'{"X-CSRFToken": "' in html
    assert ">normal<" in html  # the username, then the role
    assert f'href="{reverse("catalog:favorites")}"' in html
    assert f'href="{reverse("accounts:password-change")}"' in html
    assert f'action="{reverse("accounts:logout")}"' in html
    assert 'role="search"' in html


def test_demo_users_have_no_favourites_link(client, demo_user):
    client.force_login(demo_user)
    assert b'href="/favorites/"' not in client.get(reverse("catalog:index")).content


def test_pages_load_their_scripts_from_the_app_and_run_no_inline_code(client, normal_user):
    client.force_login(normal_user)
    html = client.get(reverse("catalog:index")).content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts
    for attributes, body in scripts:
        assert 'src="/static/' in attributes and not body.strip()
    assert "/static/js/alpine.min.js" in html and "/static/css/app.css" in html


def test_the_stylesheet_and_scripts_exist():
    for name in ("css/app.css", "js/alpine.min.js", "js/app.js"):
        assert finders.find(name), name


def test_password_change_page_uses_the_site_layout(client, normal_user):
    client.force_login(normal_user)
    response = client.get(reverse("accounts:password-change"))
    assert response.status_code == 200
    assert b"Change password" in response.content
    assert b"/static/css/app.css" in response.content
    assert b'<label for="id_old_password"' in response.content


def test_login_page_shows_no_menu_or_search(client):
    html = client.get(reverse("accounts:login")).content.decode()
    assert 'role="search"' not in html and "Log out" not in html
    assert '<label for="id_username"' in html and '<label for="id_password"' in html


# --- Game page ------------------------------------------------------------------------------


def game_url(game):
    return reverse("catalog:game-detail", kwargs={"pk": game.pk, "slug": game.slug})


def test_game_page_sends_anonymous_visitors_to_login(client, make_game):
    response = client.get(game_url(make_game()))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


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


@pytest.mark.parametrize("persona", ["normal_user", "super_user"])
def test_normal_and_super_users_see_download_and_favourite_buttons(
    client, request, make_rom, persona
):
    rom = make_rom()
    client.force_login(request.getfixturevalue(persona))
    html = client.get(game_url(rom.game)).content.decode()
    assert reverse("catalog:rom-download", args=[rom.pk]) in html
    assert 'aria-pressed="false"' in html


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


# --- Favourites -----------------------------------------------------------------------------


def toggle_url(game):
    return reverse("catalog:favorite-toggle", args=[game.pk])


def test_favourite_urls_send_anonymous_visitors_to_login(client, make_game):
    game = make_game()
    for response in (client.get(reverse("catalog:favorites")), client.post(toggle_url(game))):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    assert not Favorite.objects.exists()


def test_demo_users_get_403_on_favourites(client, demo_user, make_game):
    game = make_game()
    client.force_login(demo_user)
    assert client.get(reverse("catalog:favorites")).status_code == 403
    assert client.post(toggle_url(game)).status_code == 403
    assert not Favorite.objects.exists()


def test_favourite_toggle_needs_a_post(client, normal_user, make_game):
    client.force_login(normal_user)
    assert client.get(toggle_url(make_game())).status_code == 405


def test_favourite_toggle_of_an_unknown_game_is_404(client, normal_user):
    client.force_login(normal_user)
    assert client.post("/favorites/999999/").status_code == 404


def test_favourite_toggle_without_javascript_redirects_back(client, normal_user, make_game):
    game = make_game()
    client.force_login(normal_user)
    response = client.post(toggle_url(game), {"next": "/?q=keen&page=2"})
    assert response.status_code == 302 and response["Location"] == "/?q=keen&page=2"
    assert Favorite.objects.filter(user=normal_user, game=game).exists()
    client.post(toggle_url(game), {"next": "/?q=keen"})
    assert not Favorite.objects.filter(user=normal_user, game=game).exists()


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"]
)
def test_favourite_toggle_never_redirects_to_another_site(client, normal_user, make_game, target):
    game = make_game()
    client.force_login(normal_user)
    response = client.post(toggle_url(game), {"next": target})
    assert response["Location"] == game.get_absolute_url()


def test_favourite_toggle_by_htmx_returns_only_the_button(client, normal_user, make_game):
    game = make_game()
    client.force_login(normal_user)
    response = client.post(toggle_url(game), {"next": "/"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and html.strip().startswith("<form")
    assert 'aria-pressed="true"' in html and f'hx-post="{toggle_url(game)}"' in html
    response = client.post(toggle_url(game), {"next": "/"}, HTTP_HX_REQUEST="true")
    assert 'aria-pressed="false"' in response.content.decode()


def test_another_users_favourite_is_neither_shown_nor_changed(
    client, normal_user, make_user, make_game
):
    game = make_game(title="Doom")
    other = make_user("normal")
    Favorite.objects.create(user=other, game=game)
    client.force_login(normal_user)
    assert b'aria-pressed="true"' not in client.get(game_url(game)).content
    assert b"Doom" not in client.get(reverse("catalog:favorites")).content
    client.post(toggle_url(game), HTTP_HX_REQUEST="true")  # adds mine, leaves theirs
    client.post(toggle_url(game), HTTP_HX_REQUEST="true")  # removes mine, leaves theirs
    assert list(Favorite.objects.values_list("user", flat=True)) == [other.pk]


def test_favourites_page_lists_my_favourite_games(client, normal_user, make_game):
    doom, _ = make_game(title="Doom"), make_game(title="Zork")
    Favorite.objects.create(user=normal_user, game=doom)
    client.force_login(normal_user)
    response = client.get(reverse("catalog:favorites"))
    assert response.status_code == 200
    assert b">Doom</span>" in response.content and b"Zork" not in response.content
    assert b"1 game" in response.content


def test_favourites_page_without_favourites_says_how_to_add_them(client, super_user):
    client.force_login(super_user)
    response = client.get(reverse("catalog:favorites"))
    assert b"No favourites yet" in response.content


def test_catalogue_cards_carry_favourite_buttons_by_role(client, demo_user, normal_user, make_game):
    game = make_game()
    Favorite.objects.create(user=normal_user, game=game)
    client.force_login(demo_user)
    assert b"aria-pressed" not in client.get("/").content
    client.force_login(normal_user)
    html = client.get("/").content.decode()
    assert f'action="{toggle_url(game)}"' in html and 'aria-pressed="true"' in html
