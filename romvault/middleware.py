"""Content Security Policy on every HTML page (Django 5.2 has none built in).

The pages keep to it: scripts and styles come only from our static files (no inline <script>,
no on...= attributes, no style= attributes), Alpine.js is its CSP build (no eval), and htmx is
told through <meta name="htmx-config"> not to inject its indicator <style> nor to eval. Images
may also come from IGDB's image host (IGDB_IMAGE_URL: covers and screenshots `scrape` kept no
copy of, or that this app server lacks; the kept copies are ours, catalog/views/images.py) and
from data: URLs.
The admin keeps to the same policy: romvault's admin styles are a static file
(static/css/admin.css) and its htmx page carries the same config meta.
"""

from functools import lru_cache
from urllib.parse import urlsplit

from django.conf import settings

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
