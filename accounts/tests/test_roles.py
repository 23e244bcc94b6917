import pytest
from django.contrib.auth.models import Group, Permission

from accounts.models import Role
from accounts.roles import BROWSE, DOWNLOAD_AND_FAVOURITES, PLAY, SUPER_APPS

pytestmark = pytest.mark.django_db


def codenames(group_name):
    group = Group.objects.get(name=group_name)
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in group.permissions.select_related("content_type")
    }


def test_migrations_create_the_three_role_groups():
    assert set(Group.objects.values_list("name", flat=True)) >= {"demo", "normal", "super"}


def test_demo_role_may_only_browse():
    assert codenames("demo") == set(BROWSE)


def test_normal_role_may_browse_download_play_and_keep_favourites():
    assert codenames("normal") == set(BROWSE + DOWNLOAD_AND_FAVOURITES + PLAY)
    assert "catalog.change_game" not in codenames("normal")


def test_super_role_holds_every_catalog_user_and_group_permission():
    every = Permission.objects.filter(content_type__app_label__in=SUPER_APPS).count()
    assert len(codenames("super")) == every
    assert {"catalog.download_rom", "accounts.add_user", "auth.change_group"} <= codenames("super")


def test_download_permission_exists_on_rom():
    assert Permission.objects.filter(
        codename="download_rom", content_type__app_label="catalog"
    ).exists()


def test_users_get_permissions_through_their_role(demo_user, normal_user, super_user):
    assert demo_user.has_perm("catalog.view_game")
    assert not demo_user.has_perm("catalog.download_rom")
    assert normal_user.has_perm("catalog.download_rom")
    assert normal_user.has_perm("catalog.add_favorite")
    assert not normal_user.has_perm("catalog.change_game")
    assert super_user.has_perm("catalog.change_game")
    assert super_user.has_perm("accounts.change_user")


def test_only_super_role_reaches_the_admin(demo_user, normal_user, super_user):
    assert (demo_user.is_staff, normal_user.is_staff, super_user.is_staff) == (False, False, True)


def test_changing_role_replaces_the_previous_one(make_user):
    user = make_user(Role.SUPER)
    user.set_role(Role.DEMO)
    user.refresh_from_db()
    assert user.role == "demo"
    assert list(user.groups.values_list("name", flat=True)) == ["demo"]
    assert not user.is_staff


def test_user_without_a_role_group_has_no_role(make_user):
    assert make_user().role == ""
