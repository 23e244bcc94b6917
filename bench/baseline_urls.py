"""romvault's URLs plus one trivial view, for bench/web.py's throughput comparison.

`/bench/trivial` does nothing but what every page of the site must do first: find the user from
the session cookie and check the permission to browse. Its throughput is what a page of the site
could reach if rendering it cost nothing.
"""

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.urls import path
from django.views.decorators.http import require_GET

from romvault.urls import urlpatterns as romvault_urlpatterns


@require_GET
@login_required
@permission_required("catalog.view_game", raise_exception=True)
def trivial(request):
    return HttpResponse("ok\n", content_type="text/plain")


urlpatterns = [path("bench/trivial", trivial), *romvault_urlpatterns]
