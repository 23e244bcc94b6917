"""Fields a super user corrects in the game's form are kept by "Re-fetch metadata" and scrapes,
until the action "Let IGDB overwrite hand edits" lets IGDB's values back."""

import pytest
from django.urls import reverse

from catalog.models import Game, Genre
from catalog.tests.test_admin_start import change_url, save
from scraper import importer

pytestmark = pytest.mark.django_db

DOOM = 673  # the real IGDB record, in the fake's samples


@pytest.fixture
def doom(make_game, make_rom, fake_igdb):
    game = make_game(title="Doom", year=1993)
    make_rom(game=game, path="/roms/DOOM.ZIP")
    importer.save_matches([(game.pk, None, {"id": DOOM, "name": "Doom", "summary": "Old."})])
    return Game.objects.get(pk=game.pk)


def act(client, action, games):
    return client.post(
        reverse("admin:catalog_game_changelist"),
        {"action": action, "_selected_action": [game.pk for game in games]},
        follow=True,
    )


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def test_the_form_records_which_igdb_fields_were_edited(admin_client, doom):
    save(admin_client, doom)  # saved unchanged: nothing edited
    doom.refresh_from_db()
    assert doom.edited_fields == []
    response = save(admin_client, doom, title="Doom (registered)", summary="Mine.", year="1994")
    assert response.status_code == 302
    doom.refresh_from_db()
    # The year is the files' own, never IGDB's: not listed.
    assert doom.edited_fields == ["summary", "title"]
    assert (doom.title, doom.slug) == ("Doom (registered)", "doom-registered")
    shooter = Genre.objects.create(igdb_id=5, name="Shooter")
    save(admin_client, doom, storyline="Hell.", genres=[str(shooter.pk)])
    doom.refresh_from_db()
    assert doom.edited_fields == ["genres", "storyline", "summary", "title"]
    html = admin_client.get(change_url(doom)).content.decode()
    assert "genres, storyline, summary, title. Re-fetches and scrapes keep these" in html


def test_refetch_keeps_fields_edited_by_hand_and_says_which(admin_client, doom, fake_igdb):
    save(admin_client, doom, title="Doom (registered)")
    response = act(admin_client, "refetch_metadata", [doom])
    assert messages_of(response)[-2:] == [
        "Re-fetched the metadata of 1 game(s).",
        "Kept what was edited by hand: “Doom (registered) (1993)”: title. “Let IGDB overwrite "
        "hand edits” lets IGDB's values back on the next re-fetch.",
    ]
    doom.refresh_from_db()
    assert doom.title == "Doom (registered)"
    assert doom.summary not in ("Old.", "") and doom.genres.exists()  # the rest is IGDB's


def test_the_forget_action_lets_igdb_overwrite_them_again(admin_client, doom, fake_igdb):
    save(admin_client, doom, title="Doom (registered)")
    response = act(admin_client, "forget_hand_edits", [doom])
    assert "1 game(s) no longer keep fields edited by hand" in messages_of(response)[-1]
    act(admin_client, "refetch_metadata", [doom])
    doom.refresh_from_db()
    assert (doom.title, doom.edited_fields) == ("Doom", [])
