import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from catalog import pagecache
from catalog.models import AlternativeName, Game, Genre, Image
from scraper import importer, pipeline

pytestmark = pytest.mark.django_db

MODELS = sorted((model._meta.app_label, model._meta.model_name) for model in admin.site._registry)


def test_every_catalog_and_account_model_is_in_the_admin():
    from django.apps import apps

    registered = set(MODELS)
    for app in ("catalog", "accounts", "scraper"):
        for model in apps.get_app_config(app).get_models():
            through = model._meta.auto_created
            internal = not model._meta.default_permissions  # e.g. the page cache's counter
            if not through and not internal:
                assert (app, model._meta.model_name) in registered


@pytest.mark.parametrize(("app", "model"), MODELS)
def test_admin_list_and_add_pages_load_for_a_super_user(client, super_user, app, model):
    client.force_login(super_user)
    assert client.get(reverse(f"admin:{app}_{model}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:{app}_{model}_changelist"), {"q": "keen"}).status_code == 200
    # The scrape lock, saves and play times are written by the program only.
    can_add = app != "scraper" and model not in ("save", "played")
    assert client.get(reverse(f"admin:{app}_{model}_add")).status_code == (200 if can_add else 403)


def test_game_change_page_shows_its_files_and_names(client, super_user, make_rom):
    rom = make_rom(path="/roms/Commander Keen 4 (1991).zip")
    rom.game.alternative_names.create(name="Keen 4")
    client.force_login(super_user)
    response = client.get(reverse("admin:catalog_game_change", args=[rom.game.pk]))
    assert response.status_code == 200
    assert b"/roms/Commander Keen 4 (1991).zip" in response.content
    assert b"Keen 4" in response.content


def test_admin_refuses_demo_and_normal_users(client, demo_user, normal_user):
    for user in (demo_user, normal_user):
        client.force_login(user)
        response = client.get(reverse("admin:catalog_game_changelist"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_admin_sends_anonymous_visitors_to_its_login(client):
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302


# --- The game list ----------------------------------------------------------------------------


def changelist(client, **params):
    response = client.get(reverse("admin:catalog_game_changelist"), params)
    assert response.status_code == 200
    return response


def listed(response):
    return sorted(game.title for game in response.context["cl"].result_list)


def shelf(make_game, make_rom, n, start=0):
    """n games with a genre, two files each (one missing), every third with a cover."""
    genre, _ = Genre.objects.get_or_create(igdb_id=1, defaults={"name": "Shooter"})
    for i in range(start, start + n):
        game = make_game(title=f"Game {i:03}", year=1990 + i % 10)
        game.genres.add(genre)
        make_rom(game=game, path=f"/roms/game{i}-1.zip")
        make_rom(game=game, path=f"/roms/game{i}-2.zip", missing_since=timezone.now())
        if i % 3 == 0:
            game.cover = Image.objects.create(game=game, kind="cover", image_id=f"co{i}")
            game.save(update_fields=["cover"])


def test_game_list_queries_do_not_grow_with_the_page(
    admin_client, make_game, make_rom, django_assert_max_num_queries
):
    shelf(make_game, make_rom, 5)
    with CaptureQueriesContext(connection) as five:
        changelist(admin_client)
    shelf(make_game, make_rom, 25, start=5)
    with django_assert_max_num_queries(len(five)):
        response = changelist(admin_client)
    assert len(response.context["cl"].result_list) == 30
    assert len(five) <= 12


def test_game_list_shows_covers_status_score_year_and_file_counts(
    admin_client, make_game, make_rom, settings
):
    settings.IGDB_IMAGE_URL = "https://images.example/igdb"
    igdb = make_game(title="Doom", year=1993, match_status="matched", match_score=0.97)
    igdb.cover = Image.objects.create(game=igdb, kind="cover", image_id="co1abc")
    igdb.save(update_fields=["cover"])
    local = make_game(title="Quake", year=1996)
    local.cover = Image.objects.create(game=local, kind="cover", image_id="x", file="igdb/q.jpg")
    local.save(update_fields=["cover"])
    bare = make_game(title="Loom", year=1990)
    make_rom(game=bare, path="/roms/loom1.zip")
    make_rom(game=bare, path="/roms/loom2.zip", missing_since=timezone.now())
    html = changelist(admin_client).content.decode()
    assert 'src="https://images.example/igdb/t_cover_small/co1abc.jpg" alt="Cover of Doom"' in html
    assert f'src="{settings.MEDIA_URL}igdb/q.jpg" alt="Cover of Quake"' in html
    assert 'title="No cover">no cover</span>' in html
    assert "0.97" in html and "Not matched yet" in html and "1993" in html
    assert '2 <span class="rv-missing">(1 missing)</span>' in html
    assert reverse("admin:catalog_game_match", args=[bare.pk]) in html


def test_game_list_filters_by_status_genre_decade_and_missing_files(
    admin_client, make_game, make_rom
):
    adventure = Genre.objects.create(igdb_id=2, name="Adventure")
    loom = make_game(title="Loom", year=1990, match_status="matched")
    loom.genres.add(adventure)
    make_rom(game=loom, missing_since=timezone.now())
    make_rom(game=loom)
    prince = make_game(title="Prince of Persia", year=1989, match_status="no_match")
    make_rom(game=prince)
    make_game(title="Unknown", year=None, match_status="ignored")
    assert listed(changelist(admin_client, match_status__exact="no_match")) == ["Prince of Persia"]
    assert listed(changelist(admin_client, genres__id__exact=adventure.pk)) == ["Loom"]
    assert listed(changelist(admin_client, decade="1980")) == ["Prince of Persia"]
    assert listed(changelist(admin_client, decade="1990")) == ["Loom"]
    assert listed(changelist(admin_client, decade="unknown")) == ["Unknown"]
    assert listed(changelist(admin_client, files="missing")) == ["Loom"]
    assert listed(changelist(admin_client, files="present")) == ["Prince of Persia", "Unknown"]
    decades = changelist(admin_client).content.decode()
    assert "1980s" in decades and "1990s" in decades and "Year unknown" in decades


def test_game_list_searches_titles_alternative_names_and_file_paths_and_counts_right(
    admin_client, make_game, make_rom
):
    keen = make_game(title="Commander Keen", year=1990)
    AlternativeName.objects.create(game=keen, name="Invasion of the Vorticons")
    for disk in (1, 2, 3):
        make_rom(game=keen, path=f"/roms/keen/KEEN1-DISK{disk}.ZIP")
    make_game(title="Doom", year=1993)
    for query in ("commander", "vorticons", "keen1-disk"):
        response = changelist(admin_client, q=query)
        assert listed(response) == ["Commander Keen"], query
        assert response.context["cl"].result_list[0].file_count == 3  # not 3 x 3


def test_game_list_finds_a_game_by_its_igdb_id_written_with_an_equals_sign(
    admin_client, make_game, make_rom
):
    doom = make_game(title="Doom", year=1993)
    make_rom(game=doom, path="/roms/DOOM.ZIP")
    make_rom(game=doom, path="/roms/DOOM2.ZIP")
    Game.objects.filter(pk=doom.pk).update(igdb_id=100101)
    make_game(title="Game 100101", year=1990, igdb_id=5)
    for query in ("=100101", " = 100101 "):
        response = changelist(admin_client, q=query)
        assert listed(response) == ["Doom"], query
        assert response.context["cl"].result_list[0].file_count == 2
    assert listed(changelist(admin_client, q="=100102")) == []
    assert listed(changelist(admin_client, q="=99999999999999999999")) == []
    # Without "=", a number is searched in titles too.
    assert listed(changelist(admin_client, q="100101")) == ["Doom", "Game 100101"]
    assert "=100101 finds IGDB id 100101" in changelist(admin_client).content.decode()


# --- Actions ----------------------------------------------------------------------------------


def act(client, action, games):
    return client.post(
        reverse("admin:catalog_game_changelist"),
        {"action": action, "_selected_action": [game.pk for game in games]},
        follow=True,
    )


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def imported(game_id, igdb_id):
    importer.save_matches([(game_id, None, {"id": igdb_id, "name": "Doom", "summary": "Old."})])


def test_refetch_action_reimports_matched_games_and_skips_the_others(
    admin_client, make_game, fake_igdb
):
    doom, loom = make_game(title="Doom", year=1993), make_game(title="Loom", year=1990)
    imported(doom.pk, 673)
    Game.objects.filter(pk=doom.pk).update(match_locked=True, match_score=0.9)
    response = act(admin_client, "refetch_metadata", [doom, loom])
    assert messages_of(response) == [
        "1 selected game(s) have no IGDB match to re-fetch; skipped.",
        "Re-fetched the metadata of 1 game(s).",
    ]
    doom.refresh_from_db()
    assert doom.summary != "Old." and doom.cover is not None and doom.genres.exists()
    assert (doom.match_locked, doom.match_score) == (True, 0.9)  # kept
    assert fake_igdb.stats.by_endpoint.get("games") == 1


def test_refetch_action_reports_ids_igdb_no_longer_has(admin_client, make_game, fake_igdb):
    game = make_game(title="Lost", year=1990)
    imported(game.pk, 999_999_999)
    response = act(admin_client, "refetch_metadata", [game])
    assert messages_of(response) == ["IGDB has no game with id 999999999; left as they were."]
    assert Game.objects.get().summary == "Old."


def test_refetch_action_without_igdb_credentials_is_an_error_message(
    admin_client, make_game, settings
):
    settings.IGDB_CLIENT_ID = ""
    game = make_game()
    imported(game.pk, 673)
    response = act(admin_client, "refetch_metadata", [game])
    assert response.status_code == 200
    (message,) = messages_of(response)
    assert "IGDB credentials are not set" in message and "Nothing was changed" in message


def test_clear_match_drops_the_igdb_data_and_unlocks(admin_client, make_game, make_rom):
    game = make_game(title="Doom v1.9", year=1993)
    make_rom(game=game, path="/roms/Doom v1.9 (1993).zip")
    importer.save_matches(
        [(game.pk, None, {"id": 673, "name": "Doom", "genres": [{"id": 5, "name": "Shooter"}],
                          "alternative_names": [{"id": 1, "name": "DOOM"}],
                          "cover": {"id": 1, "image_id": "co1"}})]
    )  # fmt: skip
    Game.objects.filter(pk=game.pk).update(match_locked=True)
    before = pagecache.version()
    response = act(admin_client, "clear_match", [game])
    assert pagecache.version() > before  # cached catalogue pages are retired
    assert messages_of(response) == [
        "Cleared the match of 1 game(s): the next scrape looks them up again."
    ]
    game.refresh_from_db()
    assert (game.match_status, game.igdb_id, game.match_locked) == ("unmatched", None, False)
    assert game.title == "Doom v1.9"  # back to the files' title
    assert not game.genres.exists() and not game.alternative_names.exists()
    assert game.cover is None and not game.images.exists()
    assert game.roms.count() == 1  # the files stay
    assert [job.game_id for job in pipeline.select_jobs()] == [game.pk]


def test_mark_as_do_not_match_locks_the_game_out_of_every_scrape(admin_client, make_game):
    matched, unmatched = make_game(title="Doom"), make_game(title="Demo Disk")
    imported(matched.pk, 673)
    response = act(admin_client, "mark_do_not_match", [matched, unmatched])
    assert messages_of(response) == ["Marked 2 game(s) as do not match: scrapes will skip them."]
    assert set(Game.objects.values_list("match_status", "match_locked", "igdb_id")) == {
        ("ignored", True, None)
    }
    for options in ({}, {"retry": True}, {"refresh": True}):
        assert pipeline.select_jobs(**options) == []


def test_actions_need_the_change_permission(client, make_user, make_game):
    viewer = make_user(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_game"))
    client.force_login(viewer)
    game = make_game()
    response = act(client, "mark_do_not_match", [game])
    assert Game.objects.get().match_status == "unmatched"
    assert "mark_do_not_match" not in response.content.decode()
