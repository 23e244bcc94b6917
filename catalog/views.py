from django.contrib.auth.decorators import login_required, permission_required
from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from catalog.models import Game


@require_GET
@never_cache
def healthz(request):
    """200 when the database answers, 503 when it does not: for Docker and load balancers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return HttpResponse("database unreachable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


@require_GET
@login_required
@permission_required("catalog.view_game", raise_exception=True)
def index(request):
    games = Game.objects.select_related("cover")[:60]
    return render(
        request, "catalog/index.html", {"games": games, "game_count": Game.objects.count()}
    )


@require_GET
@login_required
@permission_required("catalog.view_game", raise_exception=True)
def game_detail(request, pk, slug):
    game = get_object_or_404(Game.objects.select_related("cover"), pk=pk)
    return render(request, "catalog/game_detail.html", {"game": game, "roms": game.roms.all()})
