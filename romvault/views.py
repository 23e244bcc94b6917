from django.shortcuts import redirect
from django.templatetags.static import static
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe


@require_safe
@cache_control(public=True, max_age=24 * 60 * 60)
def favicon(request):
    """Browsers, feed readers and bookmarks ask for /favicon.ico whatever a page links: send them
    to the static file (content-hashed once collected, so cached for a year from there)."""
    return redirect(static("favicon.ico"))
