"""The project's error views. Django's own render templates/400.html, 404.html and 500.html."""

from django.views import defaults


def permission_denied(request, exception):
    """403; for a signed-in user who may not even browse (no role yet), the page that says so
    and whom to ask, rather than "your account may not do that" with nothing else to do."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and not user.has_perm("catalog.view_game"):
        return defaults.permission_denied(request, exception, "accounts/no_role.html")
    return defaults.permission_denied(request, exception)
