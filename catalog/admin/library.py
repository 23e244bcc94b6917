"""The other catalog models: IGDB lookups, files, favourites, names, companies, images."""

from django.contrib import admin
from django.db.models import Q

from catalog import models, search
from catalog.admin import start


class SearchRefreshMixin:
    """Edits here change what search matches: refresh the games they touch (search.refresh)."""

    def games_of(self, objects) -> set[int]:
        return {obj.game_id for obj in objects}

    def save_model(self, request, obj, form, change):
        before = self.games_of(type(obj).objects.filter(pk=obj.pk)) if change else set()
        super().save_model(request, obj, form, change)
        search.refresh(before | self.games_of([obj]))

    def delete_model(self, request, obj):
        games = self.games_of([obj])
        super().delete_model(request, obj)
        search.refresh(games)

    def delete_queryset(self, request, queryset):
        games = self.games_of(queryset)
        super().delete_queryset(request, queryset)
        search.refresh(games)


@admin.register(
    models.Genre,
    models.Theme,
    models.Keyword,
    models.GameMode,
    models.PlayerPerspective,
    models.Franchise,
    models.Collection,
    models.Company,
)
class LookupAdmin(SearchRefreshMixin, admin.ModelAdmin):
    list_display = ["name", "igdb_id", "slug"]
    search_fields = ["name", "slug"]
    ordering = ["name"]

    def games_of(self, objects) -> set[int]:
        # A company, series or franchise renamed: the games search finds by it.
        kinds = (models.Company, models.Collection, models.Franchise)
        objects = [obj for obj in objects if isinstance(obj, kinds)]
        return (
            set(
                models.Game.objects.filter(
                    Q(companies__in=[o for o in objects if isinstance(o, models.Company)])
                    | Q(collections__in=[o for o in objects if isinstance(o, models.Collection)])
                    | Q(franchises__in=[o for o in objects if isinstance(o, models.Franchise)])
                ).values_list("pk", flat=True)
            )
            if objects
            else set()
        )


@admin.register(models.Rom)
class RomAdmin(admin.ModelAdmin):
    list_display = ["filename", "game", "size", "parsed_year", "missing_since"]
    list_filter = [("missing_since", admin.EmptyFieldListFilter)]
    search_fields = ["path", "parsed_title", "sha1", "md5", "crc32"]
    raw_id_fields = ["game"]
    # What the scan lists inside the archive: the scan's to write, not a person's.
    readonly_fields = [
        *("members", "file_count", "listing_error", "how_to_start"),
        *("created_at", "updated_at"),
    ]
    show_full_result_count = False

    @admin.display(description="How to start")
    def how_to_start(self, obj):
        return start.how_to_start(obj.game, roms=[obj]) if obj and obj.pk else "-"


@admin.register(models.Favorite)
class FavoriteAdmin(admin.ModelAdmin):
    list_display = ["user", "game", "created_at"]
    list_filter = ["user"]
    search_fields = ["user__username", "game__title"]
    raw_id_fields = ["game"]
    autocomplete_fields = ["user"]


@admin.register(models.AlternativeName)
class AlternativeNameAdmin(SearchRefreshMixin, admin.ModelAdmin):
    list_display = ["name", "game", "comment"]
    search_fields = ["name", "game__title"]
    raw_id_fields = ["game"]


@admin.register(models.Involvement)
class InvolvementAdmin(SearchRefreshMixin, admin.ModelAdmin):
    list_display = ["game", "company", "developer", "publisher", "porting", "supporting"]
    list_filter = ["developer", "publisher", "porting"]
    search_fields = ["game__title", "company__name"]
    raw_id_fields = ["game"]
    autocomplete_fields = ["company"]


@admin.register(models.Image)
class ImageAdmin(admin.ModelAdmin):
    list_display = ["image_id", "kind", "game", "position"]
    list_filter = ["kind"]
    search_fields = ["image_id", "game__title"]
    raw_id_fields = ["game"]


class PlayerRecordAdmin(admin.ModelAdmin):
    """Saves and play times are written by the player only: super users read and delete them
    (a save that breaks a game), never add or edit one."""

    list_filter = ["user"]
    search_fields = ["user__username"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(models.Save)
class SaveAdmin(PlayerRecordAdmin):
    list_display = ["user", "rom", "size", "saved_at"]
    search_fields = ["user__username", "rom__path"]
    exclude = ["data"]


@admin.register(models.Played)
class PlayedAdmin(PlayerRecordAdmin):
    list_display = ["user", "game", "at"]
    search_fields = ["user__username", "game__title"]
