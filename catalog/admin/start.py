"""The game admin's "How to start": a super user's overrides, checked against the game's files,
and what romvault runs for each file (catalog/launching.py) with its reason and candidates."""

from django import forms
from django.contrib import admin
from django.db.models import Exists, OuterRef, Prefetch, URLField
from django.template.loader import render_to_string

from catalog import models
from catalog.launching import (
    BOOTABLE,
    IMAGES,
    PROGRAMS,
    conf_errors,
    extension,
    find_member,
    listed_members,
)

OVERRIDES = ["start_path", "start_args", "boot_disk", "dosbox_conf"]
FIELDS = ["how_to_start", *OVERRIDES]
SHOWN_CANDIDATES = 8
NAMED_IN_ERRORS = 12
LABELS = {
    "known": "known",
    "installer": "installer only",
    "unlisted": "not listed",
    "none": "none",
}
# Files that are themselves a program or an image: never listed, their own single member.
BARE_FILE = r"\.(" + "|".join(sorted(ext.lower() for ext in PROGRAMS | IMAGES)) + r")$"
ROM_FIELDS = ["game_id", "path", "size", "members", "file_count", "listing_error"]


def _names(paths: list[str]) -> str:
    shown = ", ".join(paths[:NAMED_IN_ERRORS])
    more = len(paths) - NAMED_IN_ERRORS
    return f"{shown} and {more} more" if more > 0 else shown


def _formfield(db_field, **kwargs):
    # Django 6's default, as GameAdmin.formfield_overrides has it (5.2 warns otherwise).
    if isinstance(db_field, URLField):
        kwargs.setdefault("assume_scheme", "https")
    return db_field.formfield(**kwargs)


class GameForm(forms.ModelForm):
    """The game's form, with its start overrides checked against the members of its files."""

    class Meta:
        model = models.Game
        # Every field, as the admin's own form has: ModelAdmin.get_fields() asks the form.
        fields = "__all__"  # noqa: DJ007
        formfield_callback = _formfield
        widgets = {"dosbox_conf": forms.Textarea(attrs={"rows": 4, "class": "vLargeTextField"})}

    def _members(self) -> list[tuple[str, int]] | None:
        """Every listed member of the game's files, or None when none has been listed."""
        if not hasattr(self, "_listed"):
            listed = None
            if self.instance.pk:
                for rom in self.instance.roms.only(*ROM_FIELDS):
                    found = listed_members(rom.path, rom.size, rom.members, rom.file_count)
                    if found is not None:
                        listed = [*(listed or []), *found]
            self._listed = listed
        return self._listed

    def _member(self, field: str, extensions: set[str], kind: str) -> str:
        wanted = self.cleaned_data.get(field, "").strip()
        if not wanted:
            return ""
        members = self._members()
        if members is None:
            raise forms.ValidationError(
                "None of this game's files has been listed yet: run a scan first."
            )
        fitting = [path for path, _ in members if extension(path) in extensions]
        found = find_member(wanted, [(path, 0) for path in fitting])
        if found is None:
            if not fitting:
                raise forms.ValidationError(f"This game's files hold no {kind}.")
            raise forms.ValidationError(
                f"“{wanted}” is not a {kind} in this game's files. They hold: {_names(fitting)}."
            )
        return found

    def clean_start_path(self):
        return self._member("start_path", PROGRAMS, "program (.EXE, .COM, .BAT)")

    def clean_boot_disk(self):
        kinds = ", ".join(f".{ext}" for ext in sorted(BOOTABLE))
        return self._member("boot_disk", BOOTABLE, f"floppy image ({kinds})")

    def clean_dosbox_conf(self):
        text = self.cleaned_data.get("dosbox_conf", "")
        if errors := conf_errors(text):
            raise forms.ValidationError(errors)
        return "\n".join(line.rstrip() for line in text.strip().splitlines())

    def clean(self):
        data = super().clean()
        if data.get("boot_disk"):
            if data.get("start_path"):
                self.add_error("boot_disk", "Choose a program to run or a disk to boot, not both.")
            if data.get("start_args"):
                self.add_error("start_args", "Arguments go to a program; a booted disk takes none.")
        return data


def fieldsets(fields: list[str]) -> list[tuple]:
    """The game's fields with the start fields in a "How to start" section of their own."""
    rest = [field for field in fields if field not in FIELDS]
    shown = [field for field in FIELDS if field in fields]
    return [(None, {"fields": rest}), ("How to start", {"fields": shown})]


def how_to_start(game, roms=None) -> str:
    """Each file's start, as the change page shows it (autoescaped template)."""
    rows = []
    for rom in game.roms.all() if roms is None else roms:
        rom.game = game
        start = rom.start()
        rows.append(
            {
                "rom": rom,
                "start": start,
                "candidates": start.candidates[:SHOWN_CANDIDATES],
                "more": max(0, len(start.candidates) - SHOWN_CANDIDATES),
            }
        )
    return render_to_string("admin/catalog/game/_start.html", {"rows": rows, "game": game})


def with_start_roms(queryset):
    """The game list's query, with what the Start column needs of each game's files."""
    roms = models.Rom.objects.only(*ROM_FIELDS).order_by("path")
    return queryset.prefetch_related(Prefetch("roms", queryset=roms, to_attr="start_roms"))


def start_label(game) -> str:
    """What romvault knows about starting the game, across its files: the best one counts."""
    states = set()
    by_admin = False
    for rom in getattr(game, "start_roms", ()):
        rom.game = game
        start = rom.start()
        states.add(start.state)
        by_admin = by_admin or start.by_admin
    for state in LABELS:
        if state in states:
            return LABELS[state] + (" (by an admin)" if by_admin and state == "known" else "")
    return "no files"


class StartFilter(admin.SimpleListFilter):
    """What the database can say about starting a game without running the chooser."""

    title = "start"
    parameter_name = "start"

    def lookups(self, request, model_admin):
        return [
            ("admin", "Chosen by an admin"),
            ("unlisted", "Contents not listed yet"),
            ("unreadable", "Archive could not be read"),
        ]

    def queryset(self, request, queryset):
        roms = models.Rom.objects.filter(game=OuterRef("pk"))
        if self.value() == "admin":
            return queryset.exclude(start_path="", boot_disk="", start_args="", dosbox_conf="")
        if self.value() == "unlisted":
            unlisted = roms.filter(file_count__isnull=True, listing_error="").exclude(
                path__iregex=BARE_FILE
            )
            return queryset.filter(Exists(unlisted))
        if self.value() == "unreadable":
            return queryset.filter(Exists(roms.exclude(listing_error="")))
        return queryset
