"""Content Security Policy on every HTML page (Django 5.2 has none built in); and htmx requests
that meet the login page (HtmxLoginRedirectMiddleware, below).

The pages keep to it: scripts and styles come only from our static files (no inline <script>,
no on...= attributes, no style= attributes), Alpine.js is its CSP build (no eval), and htmx is
told through <meta name="htmx-config"> not to inject its indicator <style> nor to eval. Images
may also come from IGDB's image host (IGDB_IMAGE_URL; covers and screenshots are linked there
unless `scrape --images` keeps local copies, which are served by us) and from data: URLs.
The admin keeps to the same policy: romvault's admin styles are a static file
(static/css/admin.css) and its htmx page carries the same config meta.
"""

from functools import lru_cache
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.handlers.asgi import ASGIRequest
from django.db import close_old_connections
from django.shortcuts import resolve_url
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

IGDB_IMAGES = "https://images.igdb.com"


@lru_cache(maxsize=8)
def policy(image_url: str) -> str:
    parts = urlsplit(image_url)
    image_hosts = dict.fromkeys([IGDB_IMAGES, f"{parts.scheme}://{parts.netloc}"])
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data: " + " ".join(image_hosts),
            "object-src 'none'",
            "base-uri 'self'",
            "frame-ancestors 'none'",
            "form-action 'self'",
        ]
    )


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response and response.get(
            "Content-Type", ""
        ).startswith("text/html"):
            response["Content-Security-Policy"] = policy(settings.IGDB_IMAGE_URL)
        return response


class ReleaseDatabaseMiddleware:
    """Under the ASGI server, gives the request's database connection back as soon as the
    response is made, before it is sent.

    Django closes it on request_finished, after the last byte: a client that reads a page or a
    download slowly, or never, would hold a connection all that time, and 100 such clients use
    up PostgreSQL's default max_connections. First in MIDDLEWARE, so it runs after every other
    middleware's response work. Not for WSGI requests: the test client's run inside a test's
    transaction, which closing would break (and a WSGI worker thread is held anyway)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if isinstance(request, ASGIRequest):
            close_old_connections()
        return response


class HtmxLoginRedirectMiddleware:
    """An htmx request whose session has ended goes to the login page as a whole page.

    Left alone, the request would follow the redirect and htmx would swap the login form into
    the results (or a favourite button, or the admin's scrape panel). After logging in, a
    request for the page it came from comes back to its own URL (the live search: "/?q=doom"
    from "/"); any other (a favourite's toggle, which answers POST only; the scrape panel's
    status fragment) to the page it came from. Goes after HtmxMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.htmx and response.status_code == 302 and self._to_login(response["Location"]):
            here = request.htmx.current_url_abs_path or resolve_url(settings.LOGIN_REDIRECT_URL)
            if request.method == "GET" and request.path == urlsplit(here).path:
                here = request.get_full_path()
            return HttpResponseClientRedirect(redirect_to_login(here)["Location"])
        return response

    @staticmethod
    def _to_login(location):
        return urlsplit(location).path in (resolve_url(settings.LOGIN_URL), reverse("admin:login"))
