from functools import wraps

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from catalog.models import Game
from catalog.views.browse import revalidated
from catalog.views.filters import CatalogueFilters

SUGGESTIONS = 8
# One letter matches most of a library: nothing worth suggesting, and a query for nothing.
MIN_QUERY = 2
MAX_QUERY = CatalogueFilters.base_fields["q"].max_length


def quiet_when_logged_out(view):
    """A suggestion asked for after the session ended answers 204, which htmx swaps nowhere:
    the search's own request, a moment later, takes the user to the login page and back to
    their search afterwards (HtmxLoginRedirectMiddleware), with the query in its address."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.htmx and not request.user.is_authenticated:
            return HttpResponse(status=204)
        return view(request, *args, **kwargs)

    return wrapper


@require_GET
@revalidated
@quiet_when_logged_out
@login_required
@permission_required("catalog.view_game", raise_exception=True)
def suggest(request):
    """The suggestions under the catalogue's search box: an htmx fragment of at most
    SUGGESTIONS games, in the order the results page lists them for the same search."""
    query = request.GET.get("q", "").strip()
    games = []
    if MIN_QUERY <= len(query) <= MAX_QUERY:
        games = Game.objects.suggestions(query, limit=SUGGESTIONS)
    return render(request, "catalog/_suggestions.html", {"games": games})
