from collections import defaultdict

from django.contrib.auth.decorators import login_required, permission_required
from django.db.models import CharField, F, Value
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from catalog.models import AlternativeName, Game, Image, Involvement, Save
from catalog.views.browse import revalidated
from catalog.views.play import Player

TEXT = CharField()


def _rows(queryset, kind, ident, name, extra=None, order=None):
    # Every part of the UNION annotates the same five columns in the same order.
    return (
        queryset.order_by()
        .annotate(
            row_kind=Value(kind, output_field=TEXT),
            row_id=F(ident),
            row_name=F(name),
            row_extra=extra or Value("", output_field=TEXT),
            row_order=order or Value(0),
        )
        .values_list("row_kind", "row_id", "row_name", "row_extra", "row_order")
    )


def game_labels(game):
    """The game's genres, themes, companies, alternative names and screenshots.

    One UNION query instead of six, so the page stays within its query budget.
    Returns {"genre": [(id, name)], ..., "alternative_name": [(name, comment)],
    "screenshot": [Image]}.
    """
    involvements = Involvement.objects.filter(game=game)
    parts = [
        _rows(game.genres.all(), "genre", "pk", "name"),
        _rows(game.themes.all(), "theme", "pk", "name"),
        _rows(involvements.filter(developer=True), "developer", "company_id", "company__name"),
        _rows(involvements.filter(publisher=True), "publisher", "company_id", "company__name"),
        _rows(
            AlternativeName.objects.filter(game=game),
            "alternative_name",
            "pk",
            "name",
            extra=F("comment"),
        ),
        _rows(
            Image.objects.filter(game=game, kind=Image.Kind.SCREENSHOT),
            "screenshot",
            "pk",
            "image_id",
            extra=F("file"),
            order=F("position"),
        ),
    ]
    rows = sorted(
        parts[0].union(*parts[1:], all=True),
        key=lambda row: (row[4], row[2].casefold(), row[1]),
    )
    labels = defaultdict(list)
    for kind, pk, name, extra, _ in rows:
        if kind == "screenshot":
            labels[kind].append(Image(pk=pk, game=game, kind=kind, image_id=name, file=extra))
        elif kind == "alternative_name":
            labels[kind].append((name, extra))
        else:
            labels[kind].append((pk, name))
    return labels


@require_GET
@revalidated
@login_required
@permission_required("catalog.view_game", raise_exception=True)
def game_detail(request, pk, slug):
    games = Game.objects.select_related("cover").with_favorite_flag(request.user)
    game = get_object_or_404(games, pk=pk)
    if slug != (game.slug or "-"):
        return redirect(game.get_absolute_url(), permanent=True)
    # Present files first, then by name: the ones a user can download lead the table.
    roms = list(game.roms.order_by(F("missing_since").asc(nulls_first=True), "path"))
    present = [rom for rom in roms if not rom.is_missing]
    context = {"game": game, "roms": roms, "labels": game_labels(game), "present": present}
    context["present_size"] = sum(rom.size for rom in present)
    if request.user.has_perm("catalog.play_game"):
        context.update(play_context(request.user, game, roms))
    return render(request, "catalog/game_detail.html", context)


def play_context(user, game, roms):
    """What the game page says about playing: per file, whether it plays or why not; the
    user's saves of its files; the first file that plays, for the big Play button."""
    for rom in roms:
        rom.game = game
        rom.play_problem = "" if rom.is_missing else Player(rom).problem
    saves = Save.objects.filter(user=user, rom__in=roms).select_related("rom").defer("data")
    playable = [rom for rom in roms if not rom.is_missing and not rom.play_problem]
    # Each reason once: the disks of a set often share one ("not listed yet: run a scan").
    problems = list(dict.fromkeys(rom.play_problem for rom in roms if rom.play_problem))
    if not playable and not problems:
        problems = ["its files are missing from the ROM folders."]
    return {
        "can_play": True,
        "first_playable": playable[0] if playable else None,
        "play_problems": problems,
        "saves": list(saves),
    }
