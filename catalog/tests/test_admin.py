import pytest
from django.contrib import admin
from django.urls import reverse

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
    can_add = app != "scraper"  # the scrape lock is read-only
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


def test_super_user_creates_a_user_with_a_role_in_one_form(client, super_user):
    client.force_login(super_user)
    response = client.post(
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
    from accounts.models import User

    alice = User.objects.get(username="alice")
    assert alice.role == "normal"
    assert alice.has_perm("catalog.download_rom")


def test_user_list_shows_and_filters_by_role(client, super_user, demo_user, normal_user):
    client.force_login(super_user)
    response = client.get(reverse("admin:accounts_user_changelist"), {"role": "demo"})
    assert response.status_code == 200
    assert b">demo<" in response.content
    assert b">normal<" not in response.content
