"""The library's games in the admin: the list with covers and match state, and its actions."""

import re
from functools import partial

from django.contrib import admin, messages
from django.db import models as db_models
from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from catalog import models, search
from catalog.admin import igdb_calls, match, start
from scraper import importer
from scraper.igdb import MAX_LIMIT, IGDBError

LOCKED_HELP = "Chosen by hand: scrapes keep this match"
FORGET_EDITS = "Let IGDB overwrite hand edits"
IGDB_ID_SEARCH = re.compile(r"=\s*(\d{1,20})")
PLACEHOLDER = mark_safe('<span class="rv-cover rv-cover-none" title="No cover">no cover</span>')


def cover_thumbnail(url: str, title: str):
    if not url:
        return PLACEHOLDER
    return format_html(
        '<img class="rv-cover" src="{}" alt="Cover of {}" loading="lazy">', url, title
    )


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
    # `file` is written by scrape alone (scraper/images.py) and served through a view, not
    # MEDIA_URL: the inline shows the image instead of an upload widget linking nowhere.
    fields = ["preview", "kind", "image_id", "position", "width", "height"]
    readonly_fields = ["preview"]
    extra = 0

    @admin.display(description="image")
    def preview(self, obj):
        if not obj.pk or not obj.image_id:
            return ""
        if obj.kind not in models.KEPT_SIZES:  # artworks: no page shows them, scrape keeps none
            return format_html('<a href="{}">on IGDB</a>', obj.url("screenshot_med"))
        size = "cover_small" if obj.kind == models.Image.Kind.COVER else "screenshot_med"
        return format_html(
            '<img class="rv-cover" src="{}" alt="{} {}" loading="lazy">',
            obj.url(size),
            obj.get_kind_display(),
            obj.image_id,
        )


class MissingFilesFilter(admin.SimpleListFilter):
    title = "files"
    parameter_name = "files"

    def lookups(self, request, model_admin):
        return [("missing", "Some files missing"), ("present", "All files present")]

    def queryset(self, request, queryset):
        # EXISTS, not a join: a join would multiply the rows the file count is taken over.
        missing = Exists(
            models.Rom.objects.filter(game=OuterRef("pk"), missing_since__isnull=False)
        )
        if self.value() == "missing":
            return queryset.filter(missing)
        if self.value() == "present":
            return queryset.filter(~missing)
        return queryset


class DecadeFilter(admin.SimpleListFilter):
    title = "decade"
    parameter_name = "decade"

    def lookups(self, request, model_admin):
        years = models.Game.objects.exclude(year=None).values_list("year", flat=True).distinct()
        decades = sorted({year // 10 * 10 for year in years})
        return [*((str(d), f"{d}s") for d in decades), ("unknown", "Year unknown")]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "unknown":
            return queryset.filter(year=None)
        if value and value.isdigit():
            return queryset.filter(year__gte=int(value), year__lt=int(value) + 10)
        return queryset


def _files(missing: bool):
    roms = models.Rom.objects.filter(game=OuterRef("pk"))
    if missing:
        roms = roms.filter(missing_since__isnull=False)
    count = roms.order_by().values("game").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(count, output_field=IntegerField()), 0)


@admin.register(models.Game)
class GameAdmin(admin.ModelAdmin):
    list_display = [
        "cover_thumb",
        "title",
        "year",
        "status",
        "score",
        "igdb_id",
        "file_count",
        "start_state",
        "match_link",
    ]
    list_display_links = ["cover_thumb", "title"]
    list_filter = [
        *("match_status", "match_locked", MissingFilesFilter, DecadeFilter, "genres"),
        start.StartFilter,
    ]
    list_select_related = ["cover"]
    search_fields = ["title", "alternative_names__name", "roms__path", "=igdb_id"]
    search_help_text = "Title, alternative name or file path; =100101 finds IGDB id 100101."
    readonly_fields = [
        *("sort_title", "match_key", "created_at", "updated_at", "scraped_at"),
        *("edited_by_hand", "how_to_start"),
    ]
    form = start.GameForm
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
    actions = ["refetch_metadata", "clear_match", "mark_do_not_match", "forget_hand_edits"]
    list_per_page = 50
    show_full_result_count = False
    # Django 6's default, chosen now (5.2 warns that http:// is assumed).
    formfield_overrides = {db_models.URLField: {"assume_scheme": "https"}}

    def get_urls(self):
        view = self.admin_site.admin_view(partial(match.match_game, model_admin=self))
        return [
            path("<path:object_id>/match/", view, name="catalog_game_match"),
            *super().get_urls(),
        ]

    def get_fieldsets(self, request, obj=None):
        return start.fieldsets(self.get_fields(request, obj))

    def get_list_display(self, request):
        if self.has_change_permission(request):
            return self.list_display
        return [name for name in self.list_display if name != "match_link"]

    def get_queryset(self, request):
        # Subqueries rather than Count("roms"): the search over file paths joins the files too.
        games = (
            super()
            .get_queryset(request)
            .annotate(file_count=_files(missing=False), missing_count=_files(missing=True))
        )
        return start.with_start_roms(games)

    def get_search_results(self, request, queryset, search_term):
        # "=100101": the game holding that IGDB record (the README's search syntax). Django's own
        # "=igdb_id" search field would compare the whole term, "=" included, and find nothing.
        if igdb_id := IGDB_ID_SEARCH.fullmatch(search_term.strip()):
            return queryset.filter(igdb_id=min(int(igdb_id[1]), 2**31)), False  # no overflow
        found, duplicates = super().get_search_results(request, queryset, search_term)
        if duplicates:
            # A pk subquery instead of DISTINCT over every column, the long texts included.
            found = queryset.filter(pk__in=found.values("pk"))
        return found, False

    @admin.display(description="cover")
    def cover_thumb(self, obj):
        return cover_thumbnail(obj.cover.url("cover_small") if obj.cover else "", obj.title)

    @admin.display(ordering="match_status", description="match")
    def status(self, obj):
        label = obj.get_match_status_display()
        if obj.match_locked:
            return format_html(
                '{} <span class="rv-locked" title="{}">(locked)</span>', label, LOCKED_HELP
            )
        return label

    @admin.display(ordering="match_score", description="score")
    def score(self, obj):
        if obj.match_score is not None:
            return f"{obj.match_score:.2f}"
        return "by hand" if obj.match_locked and obj.igdb_id else "—"

    @admin.display(ordering="file_count", description="files")
    def file_count(self, obj):
        if obj.missing_count:
            return format_html('{} <span class="rv-missing">({} missing)</span>', obj.file_count,
                               obj.missing_count)  # fmt: skip
        return obj.file_count

    @admin.display(description="start")
    def start_state(self, obj):
        return start.start_label(obj)

    @admin.display(description="How to start each file")
    def how_to_start(self, obj):
        return start.how_to_start(obj) if obj and obj.pk else "Shown once the game is saved."

    @admin.display(description="")
    def match_link(self, obj):
        url = reverse("admin:catalog_game_match", args=[obj.pk])
        return format_html('<a href="{}">Match manually</a>', url)

    @admin.display(description="Edited by hand")
    def edited_by_hand(self, obj):
        if not obj or not obj.edited_fields:
            return "Nothing: re-fetches and scrapes write every IGDB field."
        return format_html(
            "{}. Re-fetches and scrapes keep these; the game list's action “{}” lets IGDB's "
            "values back.",
            ", ".join(obj.edited_fields),
            FORGET_EDITS,
        )

    def save_model(self, request, obj, form, change):
        obj.set_title(obj.title)
        if change:
            # Remember what a person corrected, so that no import overwrites it.
            edited = set(form.changed_data) & importer.HAND_EDITABLE
            obj.edited_fields = sorted({*obj.edited_fields, *edited})
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        # After the inlines: alternative names and companies are what search matches too.
        super().save_related(request, form, formsets, change)
        search.refresh([form.instance.pk])

    # Actions ----------------------------------------------------------------------------------

    @admin.action(description="Re-fetch metadata from IGDB", permissions=["change"])
    def refetch_metadata(self, request, queryset):
        games = dict(queryset.filter(igdb_id__isnull=False).values_list("igdb_id", "pk"))
        skipped = queryset.count() - len(games)
        if skipped:
            self.message_user(
                request,
                f"{skipped} selected game(s) have no IGDB match to re-fetch; skipped.",
                messages.WARNING,
            )
        if not games:
            return
        ids = sorted(games)
        try:
            records = []
            for start in range(0, len(ids), MAX_LIMIT):
                chunk = ids[start : start + MAX_LIMIT]
                records += igdb_calls.call(lambda client, c=chunk: client.games_by_id(c))
        except IGDBError as exc:
            self.message_user(request, f"IGDB: {exc} Nothing was changed.", messages.ERROR)
            return
        found = {r["id"]: r for r in records if isinstance(r, dict) and r.get("id") in games}
        if found:
            importer.save_matches([(games[i], None, record) for i, record in found.items()])
            self.message_user(
                request, f"Re-fetched the metadata of {len(found)} game(s).", messages.SUCCESS
            )
            self.warn_of_kept_edits(request, [games[i] for i in found])
        if lost := sorted(set(games) - set(found)):
            self.message_user(
                request,
                "IGDB has no game with id " + ", ".join(map(str, lost)) + "; left as they were.",
                messages.ERROR,
            )

    def warn_of_kept_edits(self, request, pks):
        edited = models.Game.objects.filter(pk__in=pks).exclude(edited_fields=[])
        if lines := [f"“{game}”: {', '.join(game.edited_fields)}" for game in edited]:
            self.message_user(
                request,
                "Kept what was edited by hand: " + "; ".join(lines) + f". “{FORGET_EDITS}” "
                "lets IGDB's values back on the next re-fetch.",
                messages.WARNING,
            )

    @admin.action(description=FORGET_EDITS, permissions=["change"])
    def forget_hand_edits(self, request, queryset):
        count = queryset.exclude(edited_fields=[]).update(edited_fields=[])
        self.message_user(
            request,
            f"{count} game(s) no longer keep fields edited by hand: the next re-fetch or "
            "scrape --refresh writes IGDB's values.",
            messages.SUCCESS,
        )

    @admin.action(description="Clear match", permissions=["change"])
    def clear_match(self, request, queryset):
        count = importer.clear_matches(list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            f"Cleared the match of {count} game(s): the next scrape looks them up again.",
            messages.SUCCESS,
        )

    @admin.action(description="Mark as do not match", permissions=["change"])
    def mark_do_not_match(self, request, queryset):
        count = importer.clear_matches(list(queryset.values_list("pk", flat=True)), ignore=True)
        self.message_user(
            request,
            f"Marked {count} game(s) as do not match: scrapes will skip them.",
            messages.SUCCESS,
        )
