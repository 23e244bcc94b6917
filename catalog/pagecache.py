"""A cache of rendered catalogue pages, per user, retired whenever the catalogue changes.

Rendering a catalogue page (48 cards, the filter form, the header) costs several times what
Django spends finding the user and checking a permission; a page seen again (back, reload, the
landing page, htmx history) is served from the cache at about the cost of that check.

The key holds everything the page depends on: the catalogue's version (a counter row bumped by
every write that changes what a page shows: model signals for the admin and the site, explicit
`bump()` calls in the scraper's bulk writers), the user and their permissions, the htmx headers
and the full path. CSRF tokens are never shared: they are cut out of their own places (form
fields, hx-headers) before storing and a fresh one goes in on every hit. Pages with a message to
show are not cached, nor a response whose view set `response.page_cache = False`. The cache is
each worker's own memory (Django's default local-memory cache): nothing to install, and the
version row, in the database, keeps all workers in step, on one host or several
(romvault/tests/test_two_servers.py). The filter options' cache (catalog/views/filters.py) is
keyed on the same version.
"""

import hashlib
import re
from functools import wraps

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse
from django.middleware.csrf import get_token

# Where the token stands in the stored copy. Escaped text never holds "<", so no title, cover id
# or search can produce the marker and have a viewer's token put in its place.
PLACEHOLDER = "<csrf-token>"
# The token's own places: form fields ({% csrf_token %} and the cards') and base.html's
# hx-headers. Both start with a quote that escaped text cannot hold either.
TOKEN_PLACES = re.compile(
    r"""(name="csrfmiddlewaretoken" value="|hx-headers='\{"X-CSRFToken": ")[A-Za-z0-9]+(?=")"""
)
REPLAYED_HEADERS = ("Content-Type", "Vary", "HX-Push-Url")
# Writes to these do not change a catalogue page (files are listed on game pages only, the
# last time a user played on no catalogue page). Saves do: "Continue playing" lists them.
UNSEEN = {"Rom", "CatalogueVersion", "Played"}
# Deletions that retire pages by signal. Listening to a model's deletions costs Django its fast
# path (it must load every row to send the signal), so not for the metadata the importer
# replaces in bulk: those deletions come with a save of their game, or with an explicit bump().
DELETIONS_SEEN = {"Game", "Favorite"}


def version() -> int:
    with connection.cursor() as cursor:  # raw SQL: this runs on every catalogue request
        cursor.execute("SELECT value FROM catalog_catalogueversion WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else 0


def version_for(request) -> int:
    """The catalogue's version as this request first read it: the page cache's key and the
    filter options' cache key (catalog/views/filters.py) agree, for one query."""
    if not hasattr(request, "_catalogue_version"):
        request._catalogue_version = version()
    return request._catalogue_version


def bump() -> None:
    """The catalogue changed: call inside the transaction that changed it."""
    from catalog.models import CatalogueVersion

    if not CatalogueVersion.objects.filter(pk=1).update(value=F("value") + 1):
        CatalogueVersion.objects.get_or_create(pk=1)


def _changed(sender, **kwargs):
    bump()


def connect_signals() -> None:
    for model in apps.get_app_config("catalog").get_models():
        if model.__name__ in UNSEEN:
            continue
        post_save.connect(_changed, sender=model, dispatch_uid=f"pagecache-save-{model}")
        if model.__name__ in DELETIONS_SEEN:
            post_delete.connect(_changed, sender=model, dispatch_uid=f"pagecache-delete-{model}")
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            m2m_changed.connect(_changed, sender=through, dispatch_uid=f"pagecache-m2m-{through}")


def _key(request) -> str:
    user = request.user
    parts = (
        version_for(request),
        user.pk,
        user.get_username(),
        user.is_staff,
        sorted(user.get_all_permissions()),  # loaded already by the permission check
        request.headers.get("HX-Request"),
        request.headers.get("HX-History-Restore-Request"),
        request.get_full_path(),
    )
    return "catalogue-page:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def cached_page(view):
    """Serve a GET view's 200 responses from the cache. Goes inside the permission checks."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        seconds = settings.CATALOGUE_CACHE_SECONDS
        if not seconds or "messages" in request.COOKIES or "_messages" in request.session:
            return view(request, *args, **kwargs)
        key = _key(request)
        if (hit := cache.get(key)) is not None:
            content, headers = hit
            response = HttpResponse(content.replace(PLACEHOLDER, get_token(request)))
            for name, value in headers.items():
                response[name] = value
            return response
        response = view(request, *args, **kwargs)
        cacheable = getattr(response, "page_cache", True)  # a view may say no
        if response.status_code == 200 and not response.streaming and cacheable:
            content = response.content.decode(response.charset)
            content = TOKEN_PLACES.sub(rf"\g<1>{PLACEHOLDER}", content)
            headers = {name: response[name] for name in REPLAYED_HEADERS if name in response}
            cache.set(key, (content, headers), seconds)
        return response

    return wrapper
