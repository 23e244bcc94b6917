"""The covers and screenshots `scrape` keeps (scraper/images.py), served by the app itself.

Not by a front server: the data folder is private to romvault's user (romvault/datadir.py), so
nginx running as another user cannot read it, and the covers of a private library are shown to
logged-in users only, like the rest of the catalogue. The URL names one IGDB size and one image
id (catalog/urls.py allows nothing else, so no name can reach outside the images folder), and an
image id never changes content: browsers keep each image a year without asking again.
"""

import os
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse, HttpResponseRedirect
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.views.decorators.http import require_safe

KEPT_FOR_GOOD = "private, max-age=31536000, immutable"
# A copy this server lacks may arrive with its next scrape: ask again within the hour.
NOT_KEPT = "private, max-age=3600"


@require_safe
@login_required
@permission_required("catalog.view_game", raise_exception=True)
def image(request, size, image_id):
    path = Path(settings.MEDIA_ROOT, "igdb", f"t_{size}", f"{image_id}.jpg")
    try:
        file = path.open("rb")
    except FileNotFoundError:
        # Kept on another app server, or in a backup restored without media/: IGDB's own copy
        # rather than a broken image, until `scrape` downloads it here.
        response = HttpResponseRedirect(f"{settings.IGDB_IMAGE_URL}/t_{size}/{image_id}.jpg")
        response["Cache-Control"] = NOT_KEPT
        return response
    stat = os.fstat(file.fileno())
    validators = {
        "ETag": f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"',
        "Last-Modified": http_date(stat.st_mtime),
        "Cache-Control": KEPT_FOR_GOOD,
    }
    response = get_conditional_response(
        request, etag=validators["ETag"], last_modified=int(stat.st_mtime)
    )
    with file:
        if response is None:  # else 304 Not Modified
            # Read whole: a few hundred KB at most, and the ASGI server would read a streamed
            # (synchronous) body whole anyway (romvault/streaming.py).
            response = HttpResponse(file.read(), content_type="image/jpeg")
    for header, value in validators.items():
        response[header] = value
    return response
