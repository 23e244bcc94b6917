"""The admin's "Match manually" end to end: real HTTP to the fake IGDB, the real importer."""

from io import StringIO

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.urls import reverse

from catalog import pagecache
from catalog.models import Favorite, Game
from scraper import importer, pipeline
from scraper.matching import Match

pytestmark = pytest.mark.django_db

DOOM = 673  # the real IGDB record, in the fake's samples
WOLF_DOS, WOLF_PC_2007 = 262516, 306982  # "Wolfenstein 3D": the 1992 DOS game, a 2007 re-release


def match_url(game):
    return reverse("admin:catalog_game_match", args=[game.pk])


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def scrape(*args):
    out, err = StringIO(), StringIO()
    call_command("scrape", *map(str, args), stdout=out, stderr=err)
    return out.getvalue()


@pytest.fixture
def wolf_folder(tmp_path):
    root = tmp_path / "roms"
    root.mkdir()
    (root / "Wolfenstein 3D (1992)(Apogee Software).zip").write_bytes(b"wolf")
    return root


def test_match_page_prefills_the_title_and_year_and_waits_for_a_search(
    admin_client, make_game, fake_igdb
):
    game = make_game(title="Doom", year=1993)
    response = admin_client.get(match_url(game))
    assert response.status_code == 200
    assert response.context["form"]["q"].value() == "Doom"
    assert response.context["form"]["year"].value() == 1993
    assert fake_igdb.stats.requests == 0  # opening the page costs no IGDB request


def test_search_lists_candidates_with_cover_year_and_platforms(admin_client, make_game, fake_igdb):
    game = make_game(title="Wolfenstein 3D", year=1992)
    response = admin_client.get(match_url(game), {"q": "Wolfenstein 3D", "year": 1992})
    assert response.status_code == 200
    rows = response.context["candidates"]
    assert [row["id"] for row in rows[:2]] == [WOLF_DOS, WOLF_PC_2007]  # the 1992 DOS one fits
    assert (rows[0]["year"], rows[0]["platforms"]) == (1992, "DOS")
    assert rows[0]["cover_url"].startswith(fake_igdb.image_url + "/t_cover_small/")
    html = response.content.decode()
    assert f'src="{rows[0]["cover_url"]}"' in html
    assert "Linux, PC, Mac" in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_choosing_a_candidate_imports_it_at_once_and_locks_the_match(
    admin_client, make_rom, make_game, fake_igdb
):
    game = make_game(title="Doom v1.9", year=1993)
    make_rom(game=game, path="/roms/Doom v1.9 (1993).zip")
    before = pagecache.version()
    response = admin_client.post(match_url(game), {"igdb_id": DOOM})
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:catalog_game_change", args=[game.pk])
    assert pagecache.version() > before  # cached catalogue pages are retired
    game.refresh_from_db()
    assert (game.igdb_id, game.title, game.match_status) == (DOOM, "Doom", "matched")
    assert game.match_locked and game.match_score is None
    assert game.cover is not None and game.summary
    assert game.alternative_names.exists() or game.genres.exists()
    assert "now matched to “Doom (1993)” (IGDB 673) and locked" in messages_of(response)[0]
    # The change page and the list say so.
    page = admin_client.get(response["Location"]).content.decode()
    assert "now matched to" in page and "Match manually" in page
    listing = admin_client.get(reverse("admin:catalog_game_changelist")).content.decode()
    assert "by hand" in listing and "(locked)" in listing


def test_a_later_scrape_keeps_the_manual_match(
    admin_client, settings, wolf_folder, fake_igdb, django_assert_max_num_queries
):
    settings.ROM_DIRS = [wolf_folder]
    scrape("--no-metadata")
    game = Game.objects.get()
    # The scrape alone would pick the 1992 DOS record; the person chooses the re-release.
    admin_client.post(match_url(game), {"igdb_id": WOLF_PC_2007})
    for options in ([], ["--retry"], ["--refresh"]):
        (wolf_folder / "Wolfenstein 3D (1992)(Disk 2 of 2).zip").write_bytes(b"more")
        assert "IGDB" in scrape(*options)
    game.refresh_from_db()
    assert (game.igdb_id, game.match_status, game.match_locked) == (WOLF_PC_2007, "matched", True)
    assert Game.objects.count() == 1


def test_a_refresh_that_no_longer_finds_a_locked_record_keeps_the_match(
    admin_client, make_game, fake_igdb
):
    game = make_game(title="Doom", year=1993)
    admin_client.post(match_url(game), {"igdb_id": DOOM})
    assert [job.igdb_id for job in pipeline.select_jobs(refresh=True)] == [DOOM]
    importer.save_unmatched([(game.pk, None)])  # what a refresh stores when IGDB lost the id
    game.refresh_from_db()
    assert (game.igdb_id, game.match_status) == (DOOM, "matched")


def test_typing_an_unknown_igdb_id_says_so_and_changes_nothing(admin_client, make_game, fake_igdb):
    game = make_game(title="Doom", year=1993)
    search = match_url(game) + "?q=Doom&year=1993"
    response = admin_client.post(search, {"igdb_id": 999_999_999})
    assert response.status_code == 302 and response["Location"] == search  # back to the list
    assert messages_of(response) == [
        "IGDB has no game with id 999999999. The game was not changed."
    ]
    game.refresh_from_db()
    assert (game.igdb_id, game.match_status, game.match_locked) == (None, "unmatched", False)


def test_an_id_that_is_not_a_number_is_refused_without_asking_igdb(
    admin_client, make_game, fake_igdb
):
    game = make_game(title="Doom", year=1993)
    response = admin_client.post(match_url(game), {"igdb_id": "doom"})
    assert response.status_code == 302
    assert "Enter an IGDB id" in messages_of(response)[0]
    assert fake_igdb.stats.requests == 0


def test_choosing_a_record_another_game_holds_moves_the_files_there(
    admin_client, super_user, make_game, make_rom, fake_igdb
):
    doom = make_game(title="Doom", year=1993, igdb_id=DOOM, match_status="matched")
    copy = make_game(title="Doom Shareware", year=1993)
    rom = make_rom(game=copy, path="/roms/DOOMS.ZIP")
    Favorite.objects.create(user=super_user, game=copy)
    response = admin_client.post(match_url(copy), {"igdb_id": DOOM, "merge_into": doom.pk})
    assert response["Location"] == reverse("admin:catalog_game_change", args=[doom.pk])
    assert not Game.objects.filter(pk=copy.pk).exists()
    rom.refresh_from_db()
    doom.refresh_from_db()
    assert rom.game_id == doom.pk and doom.match_locked
    assert Favorite.objects.get().game_id == doom.pk
    assert "files and favourites moved to that game" in messages_of(response)[0]


def test_choosing_a_record_another_game_holds_asks_first_and_changes_nothing(
    admin_client, super_user, make_game, make_rom, fake_igdb
):
    doom = make_game(title="Doom", year=1993, igdb_id=DOOM, match_status="matched")
    make_rom(game=doom, path="/roms/DOOM.ZIP")
    copy = make_game(title="Doom Shareware", year=1993)
    make_rom(game=copy, path="/roms/DOOMS.ZIP")
    make_rom(game=copy, path="/roms/DOOMS2.ZIP")
    Favorite.objects.create(user=super_user, game=copy)
    url = match_url(copy) + "?q=Doom"
    response = admin_client.post(url, {"igdb_id": DOOM})
    assert response.status_code == 200
    html = response.content.decode()
    assert f"Merge “{copy}” into “{doom}”?" in html
    assert f"IGDB game {DOOM} is already" in html and f"(game {doom.pk}, 1 file)" in html
    assert "its 2 files and 1 favourite move to “Doom (1993)”" in html
    assert f'<input type="hidden" name="merge_into" value="{doom.pk}">' in html
    assert f'href="{url}"' in html  # "No, go back" to the same search
    assert fake_igdb.stats.requests == 0 and Game.objects.filter(pk=copy.pk).exists()
    # Confirmed for another game than the one now holding the record: asked again.
    response = admin_client.post(url, {"igdb_id": DOOM, "merge_into": copy.pk})
    assert response.status_code == 200 and Game.objects.filter(pk=copy.pk).exists()
    # Confirmed: merged.
    response = admin_client.post(url, {"igdb_id": DOOM, "merge_into": doom.pk})
    assert response["Location"] == reverse("admin:catalog_game_change", args=[doom.pk])
    assert not Game.objects.filter(pk=copy.pk).exists()
    assert doom.roms.count() == 3


def test_choosing_the_games_own_record_again_needs_no_confirmation(
    admin_client, make_game, fake_igdb
):
    doom = make_game(title="Doom", year=1993, igdb_id=DOOM, match_status="matched")
    response = admin_client.post(match_url(doom), {"igdb_id": DOOM})
    assert response["Location"] == reverse("admin:catalog_game_change", args=[doom.pk])


def test_candidates_a_scrape_keeps_show_their_covers(admin_client, fake_igdb, dataset, tmp_path):
    dataset.write_library(tmp_path / "library")
    scrape(tmp_path / "library")
    games = Game.objects.filter(match_status="no_match").exclude(match_candidates=[])
    game, cover = next(
        (game, c["cover"]) for game in games for c in game.match_candidates if c.get("cover")
    )
    html = admin_client.get(match_url(game)).content.decode()
    assert f'src="{fake_igdb.image_url}/t_cover_small/{cover}.jpg"' in html


# --- IGDB failures are admin messages, never a 500 ------------------------------------------


def test_search_without_igdb_credentials_explains_what_to_set(admin_client, make_game, settings):
    settings.IGDB_CLIENT_ID = settings.IGDB_SECRET_KEY = ""
    game = make_game(title="Doom", year=1993)
    response = admin_client.get(match_url(game), {"q": "Doom"})
    assert response.status_code == 200
    (message,) = messages_of(response)
    assert "IGDB credentials are not set" in message and "IGDB_CLIENT_ID" in message
    assert response.context["candidates"] == []


def test_wrong_igdb_secret_is_named_in_the_message(admin_client, make_game, fake_igdb, settings):
    settings.IGDB_SECRET_KEY = "not-the-secret"
    game = make_game(title="Doom", year=1993)
    response = admin_client.get(match_url(game), {"q": "Doom"})
    assert response.status_code == 200
    assert "refused IGDB_SECRET_KEY" in messages_of(response)[0]
    response = admin_client.post(match_url(game), {"igdb_id": DOOM})
    assert "refused IGDB_SECRET_KEY" in messages_of(response)[0]
    assert Game.objects.get().igdb_id is None


def test_an_igdb_outage_is_a_message_and_the_game_is_left_alone(admin_client, make_game, fake_igdb):
    fake_igdb.error_500_rate = 1.0
    game = make_game(title="Doom", year=1993)
    response = admin_client.get(match_url(game), {"q": "Doom"})
    assert response.status_code == 200
    assert "IGDB search failed: IGDB answered 500" in messages_of(response)[0]
    response = admin_client.post(match_url(game), {"igdb_id": DOOM})
    assert response["Location"] == match_url(game)
    assert "The game was not changed" in messages_of(response)[0]
    assert Game.objects.get().match_status == "unmatched"


def test_an_unreachable_igdb_is_a_message(admin_client, make_game, settings, tmp_path):
    settings.IGDB_CLIENT_ID, settings.IGDB_SECRET_KEY = "id", "secret"
    settings.TWITCH_TOKEN_URL = "http://127.0.0.1:9/oauth2/token"  # the discard port: refused
    settings.DATA_DIR = tmp_path
    game = make_game(title="Doom", year=1993)
    response = admin_client.get(match_url(game), {"q": "Doom"})
    assert response.status_code == 200
    assert "cannot reach Twitch" in messages_of(response)[0]


# --- Who may match ----------------------------------------------------------------------------


def test_anonymous_and_non_staff_users_are_sent_to_the_admin_login(
    client, normal_user, make_game, fake_igdb
):
    game = make_game()
    for user in (None, normal_user):
        if user:
            client.force_login(user)
        for response in (client.get(match_url(game)), client.post(match_url(game), {"igdb_id": 1})):
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("admin:login"))
    assert fake_igdb.stats.requests == 0


def test_staff_without_the_change_permission_get_403(client, make_user, make_game, fake_igdb):
    viewer = make_user(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_game"))
    client.force_login(viewer)
    game = make_game()
    assert client.get(match_url(game), {"q": "Doom"}).status_code == 403
    assert client.post(match_url(game), {"igdb_id": DOOM}).status_code == 403
    assert fake_igdb.stats.requests == 0 and Game.objects.get().igdb_id is None
    # Nor do they see the link.
    page = client.get(reverse("admin:catalog_game_change", args=[game.pk])).content.decode()
    assert "Match manually" not in page


def test_an_unknown_game_is_404(admin_client):
    assert admin_client.get(reverse("admin:catalog_game_match", args=[12345])).status_code == 404


def test_match_page_first_shows_the_candidates_the_last_scrape_kept(
    admin_client, make_game, fake_igdb
):
    game = make_game(
        title="Wolfenstein 3D",
        year=None,
        match_status="no_match",
        match_candidates=[
            {"id": WOLF_DOS, "name": "Wolfenstein 3D", "year": 1992, "platforms": [13],
             "score": 0.74, "cover": "co1wlf"},
            {"id": WOLF_PC_2007, "name": "Wolfenstein 3D", "year": 2007, "platforms": [6, 3],
             "score": 0.7},
        ],
    )  # fmt: skip
    response = admin_client.get(match_url(game))
    html = response.content.decode()
    assert "Candidates the last scrape found" in html
    assert [(r["id"], r["platforms"]) for r in response.context["candidates"]] == [
        (WOLF_DOS, "DOS"),
        (WOLF_PC_2007, "PC, 3"),
    ]
    assert f'aria-label="Choose Wolfenstein 3D (1992), IGDB {WOLF_DOS}"' in html
    # The kept cover shows; the candidate stored without one says so.
    assert f'src="{fake_igdb.image_url}/t_cover_small/co1wlf.jpg"' in html
    assert html.count(">no cover</span>") == 1
    assert fake_igdb.stats.requests == 0
    # Choosing one of them works like choosing a search result.
    admin_client.post(match_url(game), {"igdb_id": WOLF_DOS})
    game.refresh_from_db()
    assert (game.igdb_id, game.match_locked) == (WOLF_DOS, True)


def test_a_scrape_already_running_does_not_overwrite_a_match_chosen_meanwhile(
    admin_client, make_game, fake_igdb, dataset
):
    game = make_game(title="Wolfenstein 3D", year=1992)
    (job,) = pipeline.select_jobs()  # the scrape has taken the game...
    admin_client.post(match_url(game), {"igdb_id": WOLF_PC_2007})  # ...when a person chooses
    scraped = dataset.games[WOLF_DOS]
    pipeline.save([pipeline.Result(job, "matched", Match(WOLF_DOS, 1.0, ()), scraped)],
                  pipeline.MetadataReport())  # fmt: skip
    game.refresh_from_db()
    assert (game.igdb_id, game.match_locked) == (WOLF_PC_2007, True)
    # A refresh of the same record still goes through.
    importer.save_matches([(game.pk, None, {"id": WOLF_PC_2007, "name": "Wolfenstein 3D (2007)"})])
    game.refresh_from_db()
    assert game.title == "Wolfenstein 3D (2007)"
