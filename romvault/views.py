"""The project's own views: the error views (Django's own render templates/400.html, 404.html
and 500.html) and /favicon.ico."""

from django.shortcuts import redirect
from django.templatetags.static import static
from django.views import defaults
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe


def permission_denied(request, exception):
    """403; for a signed-in user who may not even browse (no role yet), the page that says so
    and whom to ask, rather than "your account may not do that" with nothing else to do."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and not user.has_perm("catalog.view_game"):
        return defaults.permission_denied(request, exception, "accounts/no_role.html")
    return defaults.permission_denied(request, exception)


@require_safe
@cache_control(public=True, max_age=24 * 60 * 60)
def favicon(request):
    """Browsers, feed readers and bookmarks ask for /favicon.ico whatever a page links: send them
    to the static file (content-hashed once collected, so cached for a year from there)."""
    return redirect(static("favicon.ico"))
