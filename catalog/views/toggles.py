from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from catalog.cards import favorite_button
from catalog.models import Favorite, Game


def safe_next(request, fallback):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@require_POST
@login_required
@permission_required("catalog.add_favorite", raise_exception=True)
def favorite_toggle(request, pk):
    """Add the game to the user's favourites, or take it out. Only ever the user's own rows."""
    game = get_object_or_404(Game, pk=pk)
    removed, _ = Favorite.objects.filter(user=request.user, game=game).delete()
    if not removed:
        Favorite.objects.get_or_create(user=request.user, game=game)
    next_url = safe_next(request, game.get_absolute_url())
    if request.htmx:
        return HttpResponse(favorite_button(request, game, not removed, next_url))
    return redirect(next_url)
