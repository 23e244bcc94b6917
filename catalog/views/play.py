"""Playing a game in the browser: the player page, the game file it runs, and the player's saves.

js-dos (static/vendor/js-dos, GPL-2.0) runs DOSBox compiled to WebAssembly in the page. The page
hands it the file (a versioned URL: js-dos keeps a URL's bytes in the browser's cache), the
dosbox.conf romvault wrote for it (catalog/launching.py), and the user's save, a zip of the files
the game changed, laid over the game's files last.
"""

import io
import re
import zipfile

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalog.downloads import open_rom, serve_rom, version_of
from catalog.launching import cannot_play, extension, player_conf, start_file
from catalog.models import Game, Played, Rom, Save

PLAY = "catalog.play_game"
DOS_NAME = re.compile(r"[A-Z0-9_~!#$%&'()@^{}-]{1,8}(\.[A-Z0-9_~!#$%&'()@^{}-]{1,3})?")
# What js-dos needs beyond the site's policy (romvault/middleware.py): its emulator is compiled
# to WebAssembly and started by eval, its workers come from blob: URLs, it draws on canvases
# it reads back as blob:/data: images.
PLAYER_POLICY = "; ".join(
    [
        "default-src 'self'",
        # emulators.js evals wdosbox.js; the sound's AudioWorklet comes from a blob: URL.
        "script-src 'self' 'unsafe-eval' blob:",
        "worker-src 'self' blob:",
        # js-dos.css masks its spinner and icons with data: SVGs.
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)


class Player:
    """How one file plays: the name it has on drive C:, the start, the dosbox.conf."""

    def __init__(self, rom: Rom):
        game = rom.game
        ext = extension(rom.filename)
        self.archive = ext == "ZIP"
        # A bare program or image goes onto C: alone; DOS needs an 8.3 name for it.
        upper = rom.filename.upper()
        self.name = rom.filename if self.archive or DOS_NAME.fullmatch(upper) else f"GAME.{ext}"
        self.start = start_file(
            game.title,
            rom.path if self.archive else self.name,
            rom.size,
            rom.members,
            rom.file_count,
            rom.listing_error,
            start_path=game.start_path,
            start_args=game.start_args,
            boot_disk=game.boot_disk,
            dosbox_conf=game.dosbox_conf,
        )
        self.problem = cannot_play(rom.filename, self.start)
        self.disks = sum(line.startswith("imgmount ") for line in self.start.command)

    @property
    def conf(self) -> str:
        return player_conf(self.start)


def _present(pk):
    return get_object_or_404(Rom.objects.select_related("game"), pk=pk, missing_since__isnull=True)


@require_GET
@login_required
@permission_required(PLAY, raise_exception=True)
def play_game(request, pk):
    """The Play button of a card: the game's first file that plays, else its page says why."""
    game = get_object_or_404(Game, pk=pk)
    roms = game.roms.filter(missing_since__isnull=True).order_by("path")
    for rom in roms:
        if not Player(rom).problem:
            return redirect("catalog:play", rom.pk)
    messages.error(request, f"{game.title} cannot be played in the browser: see its files below.")
    return redirect(game.get_absolute_url())


@require_GET
@login_required
@permission_required(PLAY, raise_exception=True)
def play(request, pk):
    rom = _present(pk)
    game = rom.game
    player = Player(rom)
    if player.problem:
        messages.error(request, f"{rom.filename} cannot be played: {player.problem}")
        return redirect(game.get_absolute_url())
    file, st, *_ = open_rom(rom)
    file.close()
    Played.objects.update_or_create(user=request.user, game=game, defaults={"at": timezone.now()})
    save = Save.objects.filter(user=request.user, rom=rom).only("saved_at", "size").first()
    config = {
        "fileUrl": reverse("catalog:play-file", args=[rom.pk, version_of(st), player.name]),
        "fileName": player.name,
        "archive": player.archive,
        "conf": player.conf,
        "disks": player.disks,
        # The folder of the (hashed, once collected) emulator files: js-dos loads the plain
        # names beside them, which collectstatic keeps.
        "pathPrefix": static("vendor/js-dos/emulators/emulators.js").rsplit("/", 1)[0] + "/",
        "saveUrl": reverse("catalog:save", args=[rom.pk]),
        "saveUploadUrl": reverse("catalog:save", args=[rom.pk]),
        "csrfToken": get_token(request),
        "exitUrl": game.get_absolute_url(),
    }
    response = render(
        request,
        "catalog/player.html",
        {"game": game, "rom": rom, "player": player, "config": config, "save": save},
    )
    response["Content-Security-Policy"] = PLAYER_POLICY
    return response


@require_http_methods(["GET", "HEAD"])
@login_required
@permission_required(PLAY, raise_exception=True)
def play_file(request, pk, version, name):
    """The file for the player. The URL names one version of it, so browsers may keep it."""
    response = serve_rom(request, _present(pk), "inline", version)
    patch_cache_control(response, private=True, max_age=365 * 24 * 3600, immutable=True)
    return response


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@require_http_methods(["GET", "POST"])
@login_required
@permission_required(PLAY, raise_exception=True)
def save(request, pk):
    """GET: the user's save of this file (204 without one). POST: a new save, the raw zip."""
    rom = _present(pk)
    if request.method == "GET":
        row = Save.objects.filter(user=request.user, rom=rom).first()
        response = HttpResponse(bytes(row.data), "application/zip") if row else None
        response = response or HttpResponse(status=204)
        patch_cache_control(response, private=True, no_store=True)
        return response
    limit = settings.SAVE_MAX_BYTES
    try:
        length = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        length = 0
    data = request.read(limit + 1) if 0 < length <= limit else b""
    if length > limit or len(data) > limit:
        return _error(
            f"This save is {length // 1024:,} KB; saves are limited to {limit // 1024:,} KB "
            "(SAVE_MAX_BYTES). Your previous save is kept.",
            413,
        )
    if not _is_zip(data):
        return _error("The save was not a zip file; your previous save is kept.", 400)
    now = timezone.now()
    with transaction.atomic():
        previous = Save.objects.select_for_update().filter(user=request.user, rom=rom).first()
        if previous:
            # js-dos tells changed files by their times: a saved file it unpacked in the same
            # millisecond as the game could be left out of the new zip, so the old one stays under.
            data = merged(bytes(previous.data), data)
            if len(data) > limit:
                return _error(f"Saves are limited to {limit // 1024:,} KB.", 413)
        Save.objects.update_or_create(
            user=request.user, rom=rom, defaults={"data": data, "size": len(data), "saved_at": now}
        )
    return JsonResponse({"saved": now.isoformat(), "size": len(data)})


def merged(old: bytes, new: bytes) -> bytes:
    """The files of both zips, the new one's where both have a file."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(old)) as before,
        zipfile.ZipFile(io.BytesIO(new)) as after,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out,
    ):
        names = set(after.namelist())
        for source in (before, after):
            for info in source.infolist():
                if source is after or info.filename not in names:
                    out.writestr(info, source.read(info))
    return buffer.getvalue()


def _is_zip(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return archive.testzip() is None
    except (zipfile.BadZipFile, ValueError, EOFError):
        return False


@require_POST
@login_required
@permission_required(PLAY, raise_exception=True)
def delete_save(request, pk):
    rom = get_object_or_404(Rom.objects.select_related("game"), pk=pk)
    deleted, _ = Save.objects.filter(user=request.user, rom=rom).delete()
    if deleted:
        messages.success(request, f"Your save of {rom.filename} is deleted.")
    return redirect(rom.game.get_absolute_url())
