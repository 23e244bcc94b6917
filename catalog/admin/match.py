"""The admin's "Match manually": search IGDB for a game, pick a record or type its id, import it.

The chosen match is locked, so later scrapes keep it (scraper/pipeline.py select_jobs skips
locked games; a refresh fetches the same id again).
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from catalog.admin import igdb_calls
from catalog.models import Game, is_image_id
from scraper import importer
from scraper.igdb import IGDBError
from scraper.matching import Candidate, Platform, score

PLATFORMS = {platform: platform.name for platform in Platform}  # the only two a scrape searches


class SearchForm(forms.Form):
    q = forms.CharField(label="Title", max_length=255)
    year = forms.IntegerField(
        label="Year", required=False, min_value=1950, max_value=2100,
        help_text="Ranks the candidates; IGDB's search itself ignores it.",
    )  # fmt: skip


class ChooseForm(forms.Form):
    igdb_id = forms.IntegerField(label="IGDB id", min_value=1, max_value=2**31 - 1)
    # Sent by the confirmation page: the game the person agreed to merge into.
    merge_into = forms.IntegerField(required=False, widget=forms.HiddenInput)


def candidates(records: list[dict], title: str, year: int | None) -> list[dict]:
    """What the page lists for each search result, best fit first."""
    rows = []
    for record in records:
        if not isinstance(record, dict):
            continue
        candidate = Candidate.from_igdb(record)
        if candidate.id <= 0 or not candidate.name:
            continue
        platforms = [
            p.get("abbreviation") or p.get("name") or str(p.get("id"))
            for p in record.get("platforms") or ()
            if isinstance(p, dict)
        ]
        rows.append(
            {
                "id": candidate.id,
                "name": candidate.name,
                "year": candidate.dos_year or candidate.year,
                "platforms": ", ".join(platforms),
                "score": score(title, year, candidate),
                "cover_url": cover_url(candidate.cover),
            }
        )
    rows.sort(key=lambda row: -row["score"])
    return with_holders(rows)


def stored_candidates(game: Game) -> list[dict]:
    """The best records the last scrape found (matching.Match.candidates), shown before any
    search: reviewing a "no confident match" often needs no new request."""
    rows = [
        {
            "id": c["id"],
            "name": c.get("name", ""),
            "year": c.get("year"),
            "platforms": ", ".join(PLATFORMS.get(p, str(p)) for p in c.get("platforms") or ()),
            "score": c.get("score", 0.0),
            "cover_url": cover_url(c.get("cover")),
        }
        for c in game.match_candidates or ()
        if isinstance(c, dict) and isinstance(c.get("id"), int)
    ]
    return with_holders(rows)


def cover_url(image_id) -> str:
    """A candidate's cover (IGDB's 90x128 cover_small), or "" for none. Candidates are records
    not in the library, so their covers are never cached here: always IGDB's."""
    if not is_image_id(image_id):
        return ""
    return f"{settings.IGDB_IMAGE_URL}/t_cover_small/{image_id}.jpg"


def with_holders(rows: list[dict]) -> list[dict]:
    # Picking a record another game holds merges this game's files into that game: say so.
    holders = dict(
        Game.objects.filter(igdb_id__in=[row["id"] for row in rows]).values_list("igdb_id", "pk")
    )
    for row in rows:
        row["holder"] = holders.get(row["id"])
    return rows


@require_http_methods(["GET", "POST"])
def match_game(request, object_id, *, model_admin):
    game = model_admin.get_object(request, object_id)
    if game is None:
        raise Http404("No such game.")
    if not model_admin.has_change_permission(request, game):
        raise PermissionDenied
    if request.method == "POST":
        return choose(request, game, model_admin)

    form = SearchForm(request.GET or None, initial={"q": game.title, "year": game.year})
    rows, searched = [], False
    if form.is_bound and form.is_valid():
        title, year = form.cleaned_data["q"], form.cleaned_data["year"]
        try:
            records = igdb_calls.call(lambda client: client.search_candidates(title))
        except IGDBError as exc:
            messages.error(request, f"IGDB search failed: {exc}")
        else:
            rows, searched = candidates(records, title, year), True
    else:
        rows = stored_candidates(game)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"Match “{game}” manually",
        "subtitle": None,
        "opts": model_admin.opts,
        "original": game,
        "form": form,
        "choose_form": ChooseForm(),
        "candidates": rows,
        "searched": searched,
        "has_view_permission": model_admin.has_view_permission(request, game),
    }
    return TemplateResponse(request, "admin/catalog/game/match.html", context)


def confirm_merge(request, game: Game, holder: Game, igdb_id: int, back: str, model_admin):
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"Merge “{game}” into “{holder}”?",
        "subtitle": None,
        "opts": model_admin.opts,
        "original": game,
        "holder": holder,
        "igdb_id": igdb_id,
        "files": game.roms.count(),
        "favorites": game.favorites.count(),
        "holder_files": holder.roms.count(),
        "back": back,
        "has_view_permission": model_admin.has_view_permission(request, game),
    }
    return TemplateResponse(request, "admin/catalog/game/confirm_merge.html", context)


def choose(request, game: Game, model_admin):
    # Back to the same search (the choose forms post to the page's own address), if any.
    back = request.get_full_path()
    form = ChooseForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Enter an IGDB id: a whole number, as in igdb.com's game pages.")
        return redirect(back)
    igdb_id = form.cleaned_data["igdb_id"]
    holder = Game.objects.filter(igdb_id=igdb_id).exclude(pk=game.pk).first()
    # Merging deletes this game: only once the person has seen which game takes its files
    # (and that very game: another may hold the record by now).
    if holder is not None and form.cleaned_data["merge_into"] != holder.pk:
        return confirm_merge(request, game, holder, igdb_id, back, model_admin)
    try:
        records = igdb_calls.call(lambda client: client.games_by_id([igdb_id]))
    except IGDBError as exc:
        messages.error(request, f"IGDB: {exc} The game was not changed.")
        return redirect(back)
    record = next((r for r in records if isinstance(r, dict) and r.get("id") == igdb_id), None)
    if record is None:
        messages.error(request, f"IGDB has no game with id {igdb_id}. The game was not changed.")
        return redirect(back)

    old = str(game)
    keeper_pk = importer.save_manual_match(game.pk, record)
    keeper = Game.objects.get(pk=keeper_pk)
    note = f"Matched by hand to IGDB {igdb_id} ({record.get('name', '?')})"
    model_admin.log_change(request, keeper, note)
    if keeper_pk != game.pk:
        messages.success(
            request,
            f"“{old}” is IGDB game {igdb_id}, which “{keeper}” already was: its files and "
            "favourites moved to that game, and the match is locked.",
        )
    else:
        messages.success(
            request,
            f"“{old}” is now matched to “{keeper}” (IGDB {igdb_id}) and locked: later scrapes "
            "keep this match.",
        )
    return redirect(reverse("admin:catalog_game_change", args=[keeper_pk]))
