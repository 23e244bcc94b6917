import re

import pytest
from django.urls import reverse

from accounts.models import User
from catalog.models import Favorite

pytestmark = pytest.mark.django_db


def test_super_user_creates_a_user_with_a_role_in_one_form(admin_client):
    response = admin_client.get(reverse("admin:accounts_user_add"))
    assert 'name="role"' in response.content.decode()
    assert not response.context["inline_admin_formsets"]  # no favourites yet: no inline
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "alice",
            "role": "normal",
            "password1": "a-long-enough-pass-9",
            "password2": "a-long-enough-pass-9",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    alice = User.objects.get(username="alice")
    assert alice.role == "normal" and not alice.is_staff
    assert alice.has_perm("catalog.download_rom")


def test_the_add_user_form_requires_a_role_and_starts_at_normal(admin_client):
    html = admin_client.get(reverse("admin:accounts_user_add")).content.decode()
    role = re.search(r'<select name="role"[^>]*>(.*?)</select>', html, re.S)
    assert 'class="required" for="id_role"' in html
    assert re.findall(r'<option value="([^"]*)"', role.group(1)) == ["demo", "normal", "super"]
    assert '<option value="normal" selected>' in role.group(1)

    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {"username": "carol", "role": "", "password1": "a-long-enough-pass-9",
         "password2": "a-long-enough-pass-9", "usable_password": "true"},
    )  # fmt: skip
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["role"] == ["This field is required."]
    assert not User.objects.filter(username="carol").exists()


def test_an_existing_user_can_still_be_left_without_a_role(admin_client, normal_user):
    url = reverse("admin:accounts_user_change", args=[normal_user.pk])
    html = admin_client.get(url).content.decode()
    assert '<option value="">No role: can log in, sees nothing</option>' in html
    response = admin_client.post(url, change_form(normal_user, role=""))
    assert response.status_code == 302, response.content.decode()[:2000]
    normal_user.refresh_from_db()
    assert normal_user.role == ""


def test_a_user_made_super_in_the_admin_can_use_the_admin(admin_client):
    admin_client.post(
        reverse("admin:accounts_user_add"),
        {"username": "bob", "role": "super", "password1": "a-long-enough-pass-9",
         "password2": "a-long-enough-pass-9", "usable_password": "true"},
    )  # fmt: skip
    bob = User.objects.get(username="bob")
    assert bob.role == "super" and bob.is_staff
    assert bob.has_perm("catalog.change_game")


def test_user_list_shows_and_filters_by_role(admin_client, demo_user, normal_user):
    response = admin_client.get(reverse("admin:accounts_user_changelist"))
    assert b">demo<" in response.content and b">normal<" in response.content
    response = admin_client.get(reverse("admin:accounts_user_changelist"), {"role": "demo"})
    assert response.status_code == 200
    assert b">demo<" in response.content
    assert b">normal<" not in response.content


def test_user_page_lists_their_favourites_with_links_to_the_games(
    admin_client, normal_user, demo_user, make_game
):
    keen, doom = make_game("Commander Keen", 1990), make_game("Doom", 1993)
    Favorite.objects.create(user=normal_user, game=keen)
    Favorite.objects.create(user=demo_user, game=doom)
    response = admin_client.get(reverse("admin:accounts_user_change", args=[normal_user.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert reverse("admin:catalog_game_change", args=[keen.pk]) in html
    assert keen.get_absolute_url() in html
    assert reverse("admin:catalog_game_change", args=[doom.pk]) not in html  # someone else's


def test_favourites_on_the_user_page_are_read_only(admin_client, normal_user, make_game):
    Favorite.objects.create(user=normal_user, game=make_game())
    response = admin_client.get(reverse("admin:accounts_user_change", args=[normal_user.pk]))
    html = response.content.decode()
    assert 'id="favorites-heading"' in html and "Favourites" in html
    assert 'name="favorites-0-DELETE"' not in html  # no removing
    assert "favorites-__prefix__" not in html  # no adding
    assert 'name="favorites-0-game"' not in html  # no changing


def change_form(user, **changes):
    """The user's change form as the admin would post it back."""
    data = {
        "username": user.username, "role": user.role, "first_name": "", "last_name": "",
        "email": "", "is_active": "on", "is_staff": "on" if user.is_staff else "",
        "date_joined_0": "2024-01-01", "date_joined_1": "00:00:00",
        "favorites-TOTAL_FORMS": "0", "favorites-INITIAL_FORMS": "0",
    }  # fmt: skip
    return {key: value for key, value in (data | changes).items() if value != ""}


def test_a_super_user_cannot_make_themselves_superuser(admin_client, super_user):
    url = reverse("admin:accounts_user_change", args=[super_user.pk])
    assert 'name="is_superuser"' not in admin_client.get(url).content.decode()
    response = admin_client.post(url, change_form(super_user, is_superuser="on"))
    assert response.status_code == 302, response.content.decode()[:3000]
    super_user.refresh_from_db()
    assert not super_user.is_superuser


def test_a_super_user_cannot_change_a_superusers_password_or_record(admin_client, make_user):
    root = make_user(username="root", is_superuser=True, is_staff=True)
    password = reverse("admin:auth_user_password_change", args=[root.pk])
    assert admin_client.get(password).status_code == 403
    new = {"password1": "taken-over-pass-9", "password2": "taken-over-pass-9"}
    assert admin_client.post(password, new | {"usable_password": "true"}).status_code == 403
    change = reverse("admin:accounts_user_change", args=[root.pk])
    admin_client.post(change, change_form(root, username="mine", is_superuser="on"))
    delete = reverse("admin:accounts_user_delete", args=[root.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    bulk = {"action": "delete_selected", "_selected_action": [root.pk], "post": "yes"}
    admin_client.post(reverse("admin:accounts_user_changelist"), bulk)
    root.refresh_from_db()
    assert root.check_password("correct horse battery") and root.username == "root"


def test_a_superuser_may_change_another_superusers_password(client, make_user):
    me = make_user(username="me", is_superuser=True, is_staff=True)
    root = make_user(username="root", is_superuser=True, is_staff=True)
    client.force_login(me)
    password = reverse("admin:auth_user_password_change", args=[root.pk])
    response = client.post(
        password,
        {"password1": "changed-by-me-9", "password2": "changed-by-me-9", "usable_password": "true"},
    )
    assert response.status_code == 302
    root.refresh_from_db()
    assert root.check_password("changed-by-me-9")
