"""The permissions of each role. Views check these permissions, never group names."""

# Browsing: every model a catalogue page shows.
BROWSE = [
    "catalog.view_game",
    "catalog.view_rom",
    "catalog.view_genre",
    "catalog.view_theme",
    "catalog.view_keyword",
    "catalog.view_company",
    "catalog.view_gamemode",
    "catalog.view_playerperspective",
    "catalog.view_franchise",
    "catalog.view_collection",
]
DOWNLOAD_AND_FAVOURITES = [
    "catalog.download_rom",
    "catalog.view_favorite",
    "catalog.add_favorite",
    "catalog.delete_favorite",
]
# Playing in the browser streams the file too, and keeps the player's saves.
PLAY = ["catalog.play_game"]
# Super users get every permission of these apps: the catalogue, users, groups, the scraper.
SUPER_APPS = ["catalog", "accounts", "auth", "scraper"]

ROLE_PERMISSIONS = {
    "demo": BROWSE,
    "normal": BROWSE + DOWNLOAD_AND_FAVOURITES + PLAY,
}


def sync_roles(apps):
    """Create the role groups and give them exactly their permissions (idempotent)."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def perms(codenames):
        wanted = {tuple(name.split(".")) for name in codenames}
        found = [
            p
            for p in Permission.objects.select_related("content_type")
            if (p.content_type.app_label, p.codename) in wanted
        ]
        missing = wanted - {(p.content_type.app_label, p.codename) for p in found}
        if missing:
            raise RuntimeError(f"permissions missing for roles: {sorted(missing)}")
        return found

    for name, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(perms(codenames))
    group, _ = Group.objects.get_or_create(name="super")
    group.permissions.set(Permission.objects.filter(content_type__app_label__in=SUPER_APPS))
