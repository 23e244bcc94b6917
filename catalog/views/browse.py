from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from django_htmx.http import push_url

from catalog import search
from catalog.models import Game
from catalog.pagecache import cached_page, version_for
from catalog.views.filters import (
    MATCH_CHOICES,
    YEAR_MAX,
    YEAR_MIN,
    CatalogueFilters,
    active_filters,
    default_sort,
    filter_games,
    filter_options,
    query_string,
    sort_options,
)
from romvault import config

PAGE_SIZE = 48
# Pages that show the user's own state (favourites): no shared cache keeps them, and the
# browser asks again before reusing one (Back then shows a favourite as it is now).
revalidated = cache_control(private=True, no_cache=True)


def wants_fragment(request):
    # A history restore after a cache miss needs the whole page, as a first visit does.
    return bool(request.htmx) and not request.htmx.history_restore_request


def render_cards(request, page_template, context):
    """The whole page, or for htmx only the results fragment that the page includes."""
    template = "catalog/_results.html" if wants_fragment(request) else page_template
    page = context["page"]
    context["page_range"] = page.paginator.get_elided_page_range(page.number, on_ends=1)
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def empty_library(request) -> dict:
    """What the catalogue says when it has no game at all. Whoever may scan learns where the
    settings live and how a scan is doing; the rest are told whom to ask."""
    if not request.user.has_perm("scraper.start_scrape"):
        return {}
    from scraper.models import ScrapeLock  # only here: the catalogue's pages never need it
    from scraper.runs import latest

    lock, run = ScrapeLock.current(), latest()
    return {
        "can_scan": True,
        "config_file": config.config_file(),
        "rom_dirs": settings.ROM_DIRS,
        "scrape_running": lock is not None,
        # Its record, once the process has written one; before that it is starting.
        "scrape_run": run if lock is None or (run and run.holder == lock.holder) else None,
    }


def continue_playing(request, values, page):
    """The games with the user's saves, above the first page of the whole catalogue."""
    user = request.user
    if page.number != 1 or set(values) - {"sort", "dir"} or not user.has_perm("catalog.play_game"):
        return []
    return list(Game.objects.continue_playing(user))


def results_page(user, values, number):
    """The catalogue's page `number` of cards for these filters."""
    if not values.get("q"):
        games = filter_games(Game.objects.for_cards(user), values, user)
        return Paginator(games, PAGE_SIZE).get_page(number)
    # A search ranks every game it matches. The page's ids first, by rank alone, then their
    # cards: the card's columns (cover, favourite, files) for each of thousands of matches
    # cost more than the ranking itself (bench/search.py).
    ids = filter_games(Game.objects.all(), values, user, typos=False)
    paginator = Paginator(ids.values_list("pk", flat=True), PAGE_SIZE)
    if not paginator.count and search.may_be_typos(values["q"]):  # nothing as typed: corrected
        ids = filter_games(Game.objects.all(), values, user, typos=True)
        paginator = Paginator(ids.values_list("pk", flat=True), PAGE_SIZE)
    page = paginator.get_page(number)
    wanted = list(page.object_list)
    cards = {card["pk"]: card for card in Game.objects.for_cards(user).filter(pk__in=wanted)}
    page.object_list = [cards[pk] for pk in wanted if pk in cards]
    return page


@require_GET
@revalidated
@login_required
@permission_required("catalog.view_game", raise_exception=True)
@cached_page
def index(request):
    options = filter_options(request.GET, version_for(request))
    user = request.user
    can_see_matching = user.has_perm("catalog.change_game")  # super users, who run the scraper
    form = CatalogueFilters(
        request.GET,
        options=options,
        can_favorite=user.has_perm("catalog.view_favorite"),
        can_see_matching=can_see_matching,
    )
    values = form.values()
    page = results_page(user, values, request.GET.get("page"))
    canonical = query_string(values, page=page.number)
    base = query_string(values)
    is_filtered = bool(set(values) - {"sort", "dir"})
    # No game at all, rather than none matching: the count is known already, and only an
    # empty filtered page costs a query to tell the two apart.
    library_empty = not page.paginator.count and (not is_filtered or not Game.objects.exists())
    response = render_cards(
        request,
        "catalog/index.html",
        {
            "page": page,
            "values": values,
            "options": options,
            "active_filters": active_filters(values, options),
            "sorts": [
                option for option in sort_options() if option[0] != "relevance" or values.get("q")
            ],
            "default_sort": default_sort(values),
            "match_choices": MATCH_CHOICES if can_see_matching else [],
            "year_min": YEAR_MIN,
            "year_max": YEAR_MAX,
            "page_base": f"?{base}&" if base else "?",
            "is_filtered": is_filtered,
            "continue_playing": continue_playing(request, values, page),
            "library_empty": library_empty,
            **(empty_library(request) if library_empty else {}),
        },
    )
    if library_empty:
        # It shows how a scan is doing, which changes no catalogue version: never reused.
        response.page_cache = False
    if wants_fragment(request):
        # The address bar shows the canonical link, not the form's empty parameters.
        response = push_url(
            response, reverse("catalog:index") + ("?" + canonical if canonical else "")
        )
    return response


@require_GET
@revalidated
@login_required
@permission_required("catalog.view_favorite", raise_exception=True)
@cached_page
def favorites(request):
    games = Game.objects.for_cards(request.user).favorites_of(request.user)
    page = Paginator(games.order_by("sort_title", "year"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render_cards(request, "catalog/favorites.html", {"page": page, "page_base": "?"})
