from django.contrib import admin
from django.db import models as db_models
from django.db.models import Count

from catalog import models


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
class LookupAdmin(admin.ModelAdmin):
    list_display = ["name", "igdb_id", "slug"]
    search_fields = ["name", "slug"]
    ordering = ["name"]


class RomInline(admin.TabularInline):
    model = models.Rom
    fields = ["path", "size", "parsed_title", "parsed_year", "missing_since"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True


class AlternativeNameInline(admin.TabularInline):
    model = models.AlternativeName
    extra = 0


class InvolvementInline(admin.TabularInline):
    model = models.Involvement
    autocomplete_fields = ["company"]
    extra = 0


class ImageInline(admin.TabularInline):
    model = models.Image
    fields = ["kind", "image_id", "position", "width", "height", "file"]
    extra = 0


class MissingFilesFilter(admin.SimpleListFilter):
    title = "files"
    parameter_name = "files"

    def lookups(self, request, model_admin):
        return [("missing", "Some files missing"), ("present", "All files present")]

    def queryset(self, request, queryset):
        if self.value() == "missing":
            return queryset.filter(roms__missing_since__isnull=False).distinct()
        if self.value() == "present":
            return queryset.exclude(roms__missing_since__isnull=False)
        return queryset


@admin.register(models.Game)
class GameAdmin(admin.ModelAdmin):
    list_display = ["title", "year", "match_status", "match_score", "igdb_id", "file_count"]
    list_filter = ["match_status", MissingFilesFilter, "genres", "year"]
    search_fields = ["title", "alternative_names__name", "roms__path", "=igdb_id"]
    readonly_fields = ["sort_title", "match_key", "created_at", "updated_at", "scraped_at"]
    raw_id_fields = ["cover"]
    autocomplete_fields = [
        "genres",
        "themes",
        "keywords",
        "game_modes",
        "player_perspectives",
        "franchises",
        "collections",
    ]
    inlines = [RomInline, AlternativeNameInline, InvolvementInline, ImageInline]
    list_per_page = 50
    show_full_result_count = False
    # Django 6's default, chosen now (5.2 warns that http:// is assumed).
    formfield_overrides = {db_models.URLField: {"assume_scheme": "https"}}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(file_count=Count("roms"))

    @admin.display(ordering="file_count", description="files")
    def file_count(self, obj):
        return obj.file_count

    def save_model(self, request, obj, form, change):
        obj.set_title(obj.title)
        super().save_model(request, obj, form, change)


@admin.register(models.Rom)
class RomAdmin(admin.ModelAdmin):
    list_display = ["filename", "game", "size", "parsed_year", "missing_since"]
    list_filter = [("missing_since", admin.EmptyFieldListFilter)]
    search_fields = ["path", "parsed_title", "sha1", "md5", "crc32"]
    raw_id_fields = ["game"]
    readonly_fields = ["created_at", "updated_at"]
    show_full_result_count = False


@admin.register(models.Favorite)
class FavoriteAdmin(admin.ModelAdmin):
    list_display = ["user", "game", "created_at"]
    list_filter = ["user"]
    search_fields = ["user__username", "game__title"]
    raw_id_fields = ["game"]
    autocomplete_fields = ["user"]


@admin.register(models.AlternativeName)
class AlternativeNameAdmin(admin.ModelAdmin):
    list_display = ["name", "game", "comment"]
    search_fields = ["name", "game__title"]
    raw_id_fields = ["game"]


@admin.register(models.Involvement)
class InvolvementAdmin(admin.ModelAdmin):
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
