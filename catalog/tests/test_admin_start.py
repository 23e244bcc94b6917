"""The game admin's "How to start": what romvault runs for each file, and a super user's
overrides, checked against the game's files."""

import pytest
from django.urls import reverse

from catalog.models import Game, Rom

pytestmark = pytest.mark.django_db

DOOM = [["DOOM/DOOM.EXE", 709_905], ["DOOM/SETUP.EXE", 60_000], ["DOOM/GO.BAT", 20]]


@pytest.fixture
def doom(make_game, make_rom):
    game = make_game(title="Doom", year=1993)
    make_rom(game=game, path="/roms/Doom (1993).zip", members=DOOM, file_count=42)
    return game


def change_url(game):
    return reverse("admin:catalog_game_change", args=[game.pk])


def form_data(response, **changes):
    """The change form as the browser would post it back, with some fields changed."""
    data = {}
    form = response.context["adminform"].form
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, list | tuple):
            data[name] = [str(v) for v in value]
        elif value is not None and value is not False:
            data[name] = "on" if value is True else str(value)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name in formset.management_form.fields:
            data[f"{formset.prefix}-{name}"] = formset.management_form[name].value()
        for sub in formset.forms:
            for name in sub.fields:
                value = sub[name].value()
                if value is not None and value is not False:
                    data[f"{sub.prefix}-{name}"] = "on" if value is True else str(value)
    data.update(changes)
    return data


def save(client, game, **changes):
    page = client.get(change_url(game))
    return client.post(change_url(game), form_data(page, **changes))


def test_a_super_user_sees_each_files_pick_reason_commands_and_candidates(admin_client, doom):
    html = admin_client.get(change_url(doom)).content.decode()
    assert 'name="title"' in html and 'name="summary"' in html  # the game's own fields stay
    assert "How to start" in html
    assert "Doom (1993).zip" in html and "42 files inside" in html
    assert "starts with DOOM/DOOM.EXE" in html
    assert "DOOM.EXE is named like the game." in html
    assert '<pre class="rv-start-command">cd DOOM\nDOOM.EXE\n</pre>' in html
    assert '<code class="rv-start-pick">DOOM/DOOM.EXE</code>, <code>DOOM/GO.BAT</code>' in html


def test_member_names_are_escaped(admin_client, make_game, make_rom):
    game = make_game(title="Evil")
    make_rom(game=game, members=[["<b>X</b>/<I>.EXE", 10]], file_count=1)
    html = admin_client.get(change_url(game)).content.decode()
    assert "<I>.EXE" not in html and "&lt;I&gt;.EXE" in html


def test_unlisted_and_unreadable_files_say_so(admin_client, make_game, make_rom):
    game = make_game(title="Loom")
    make_rom(game=game, path="/roms/Loom.zip")
    make_rom(game=game, path="/roms/Loom (CD).zip", listing_error="Encrypted archive")
    html = admin_client.get(change_url(game)).content.decode()
    assert "This file&#x27;s contents have not been listed yet: run a scan." in html
    assert "This archive could not be read: Encrypted archive." in html


def test_an_override_saves_and_changes_the_start(admin_client, doom):
    response = save(
        admin_client, doom, start_path="doom\\go.bat", start_args="-fast",
        dosbox_conf="[cpu]\ncycles=max",
    )  # fmt: skip
    assert response.status_code == 302, response.context["adminform"].form.errors
    doom.refresh_from_db()
    assert doom.start_path == "DOOM/GO.BAT"  # as listed in the archive
    rom = Rom.objects.get(game=doom)
    assert rom.start().command == ("cd DOOM", "GO.BAT -fast")
    html = admin_client.get(change_url(doom)).content.decode()
    assert "Chosen by an admin: DOOM/GO.BAT." in html
    assert "cycles=max" in html


def test_a_path_that_is_not_in_the_games_files_is_refused_naming_the_programs(admin_client, doom):
    response = save(admin_client, doom, start_path="DOOM/DOOM2.EXE")
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["start_path"]
    assert errors == [
        "“DOOM/DOOM2.EXE” is not a program (.EXE, .COM, .BAT) in this game's files. "
        "They hold: DOOM/DOOM.EXE, DOOM/SETUP.EXE, DOOM/GO.BAT."
    ]
    assert Game.objects.get(pk=doom.pk).start_path == ""


def test_a_boot_disk_must_be_a_floppy_image_of_the_game(admin_client, doom):
    response = save(admin_client, doom, boot_disk="DOOM/DOOM.EXE")
    assert response.context["adminform"].form.errors["boot_disk"] == [
        "This game's files hold no floppy image (.IMA, .IMG, .VFD)."
    ]


def test_a_game_whose_files_are_not_listed_cannot_take_a_program(admin_client, make_rom):
    game = make_rom(path="/roms/Keen.zip").game
    response = save(admin_client, game, start_path="KEEN.EXE")
    assert response.context["adminform"].form.errors["start_path"] == [
        "None of this game's files has been listed yet: run a scan first."
    ]


def test_a_boot_disk_saves_and_boots(admin_client, make_game, make_rom):
    game = make_game(title="Booter")
    disks = [["DISK1.IMG", 368_640], ["DISK2.IMG", 368_640]]
    rom = make_rom(game=game, members=disks, file_count=2)
    assert save(admin_client, game, boot_disk="disk2.img").status_code == 302
    assert Rom.objects.get(pk=rom.pk).start().command == (
        "imgmount a DISK2.IMG -t floppy",
        "boot -l a",
    )


def test_a_program_and_a_boot_disk_together_are_refused(admin_client, make_game, make_rom):
    game = make_game(title="Both")
    make_rom(game=game, members=[["GAME.EXE", 9000], ["DISK1.IMG", 368_640]], file_count=2)
    response = save(admin_client, game, start_path="GAME.EXE", boot_disk="DISK1.IMG")
    assert response.context["adminform"].form.errors["boot_disk"] == [
        "Choose a program to run or a disk to boot, not both."
    ]


@pytest.mark.parametrize(
    ("conf", "error"),
    [
        ("cycles=max", "Line 1: “cycles=max” comes before any [section] (e.g. [cpu])."),
        ("[cpu]\ncycles max", "Line 2: “cycles max” is not a [section], a key=value setting or a "
         "# comment."),
    ],
)  # fmt: skip
def test_bad_dosbox_conf_lines_are_refused_with_their_line(admin_client, doom, conf, error):
    response = save(admin_client, doom, dosbox_conf=conf)
    assert response.context["adminform"].form.errors["dosbox_conf"] == [error]
    assert Game.objects.get(pk=doom.pk).dosbox_conf == ""


def test_demo_and_normal_users_cannot_see_or_change_the_start(client, demo_user, normal_user, doom):
    for user in (demo_user, normal_user):
        client.force_login(user)
        assert client.get(change_url(doom)).status_code == 302
        response = client.post(change_url(doom), {"start_path": "DOOM/GO.BAT"})
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    assert Game.objects.get(pk=doom.pk).start_path == ""


def test_the_game_list_says_whether_romvault_knows_how_to_start_each_game(
    admin_client, make_game, make_rom, doom, django_assert_max_num_queries
):
    make_rom(game=make_game(title="Installer"), members=[["INSTALL.EXE", 9]], file_count=5)
    make_rom(game=make_game(title="Data"), members=[], file_count=5)
    make_rom(game=make_game(title="Unlisted"))
    chosen = make_game(title="Chosen", start_path="GO.BAT")
    make_rom(game=chosen, members=[["GO.BAT", 9], ["CHOSEN.EXE", 9000]], file_count=2)
    with django_assert_max_num_queries(10):  # 5 games: a query per row would pass it
        response = admin_client.get(reverse("admin:catalog_game_changelist"))
    labels = {game.title: game for game in response.context["cl"].result_list}
    admin = response.context["cl"].model_admin
    assert {title: admin.start_state(game) for title, game in labels.items()} == {
        "Doom": "known",
        "Installer": "installer only",
        "Data": "none",
        "Unlisted": "not listed",
        "Chosen": "known (by an admin)",
    }


def test_the_game_list_filters_by_what_the_database_knows_of_the_start(
    admin_client, make_game, make_rom, doom
):
    make_rom(game=make_game(title="Unlisted"))
    make_rom(game=make_game(title="Bare"), path="/roms/Bare/DISK1.IMG")
    make_rom(game=make_game(title="Broken"), listing_error="Bad CRC")
    make_game(title="Chosen", start_args="-fast")

    def listed(value):
        response = admin_client.get(reverse("admin:catalog_game_changelist"), {"start": value})
        return sorted(game.title for game in response.context["cl"].result_list)

    assert listed("admin") == ["Chosen"]
    assert listed("unlisted") == ["Unlisted"]
    assert listed("unreadable") == ["Broken"]


def test_a_files_admin_page_shows_its_start_and_keeps_the_listing_read_only(admin_client, doom):
    rom = Rom.objects.get(game=doom)
    response = admin_client.get(reverse("admin:catalog_rom_change", args=[rom.pk]))
    html = response.content.decode()
    assert "DOOM.EXE is named like the game." in html
    assert "members" not in response.context["adminform"].form.fields
