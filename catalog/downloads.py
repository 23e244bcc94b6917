"""ROM downloads: permission, a file really inside a ROM folder, then a streamed (ranged) body
or a hand-off to nginx / Apache (the DOWNLOAD_ACCEL setting)."""

import logging
import mimetypes
import os
import re
import stat
import time
import unicodedata
import zipfile
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ImproperlyConfigured
from django.core.handlers.asgi import ASGIRequest
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date, parse_http_date_safe
from django.views.decorators.http import require_http_methods

from catalog.models import Game, Rom
from romvault.streaming import in_threads
from romvault.text import strip_invisible

log = logging.getLogger(__name__)

CHUNK_SIZE = 256 * 1024
UNSATISFIABLE = "unsatisfiable"
# One range only: resuming needs no more, and RFC 9110 lets a server ignore any Range header it
# does not want to serve (answering 200 with the whole file), so several ranges get just that.
_RANGE = re.compile(r"bytes=([0-9]*)-([0-9]*)", re.IGNORECASE)
# O_NONBLOCK: opening a FIFO someone left in a ROM folder must not hang the worker. O_NOFOLLOW:
# the path is already resolved, so a symlink swapped in since then is refused, not followed.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)


def _opener(path, flags):
    return os.open(path, _OPEN_FLAGS)


def parse_range(header: str, size: int):
    """(first, last) byte positions, inclusive; None to ignore the header; or UNSATISFIABLE."""
    match = _RANGE.fullmatch(header.strip())
    if not match or match.groups() == ("", ""):
        return None
    first, last = (_position(digits) for digits in match.groups())
    if first is None:  # "bytes=-n": the last n bytes
        if last == 0 or size == 0:
            return UNSATISFIABLE
        return max(size - last, 0), size - 1
    if last is not None and last < first:
        return None  # an invalid range-spec, which RFC 9110 section 14.2 lets us ignore
    if first >= size:
        return UNSATISFIABLE
    return first, size - 1 if last is None else min(last, size - 1)


def _position(digits: str):
    if not digits:
        return None
    # int() refuses strings over 4,300 digits; past 18 the position is beyond any file anyway.
    digits = digits.lstrip("0") or "0"
    return int(digits) if len(digits) <= 18 else 10**18


def content_disposition(filename: str) -> str:
    """attachment with an ASCII fallback for old clients and the exact name (RFC 6266, 5987),
    less the characters that would make it display as another ("RTL U+202E gnp.exe")."""
    filename = strip_invisible(filename)
    decomposed = unicodedata.normalize("NFKD", filename)
    ascii_name = "".join(c for c in decomposed if not unicodedata.combining(c))  # é -> e
    fallback = re.sub(r'[^\x20-\x7e]|["\\]', "_", ascii_name).strip() or "download"
    exact = quote(filename.encode("utf-8", "replace"), safe="")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{exact}"


def _locate(path: str):
    """(index of its ROM folder, the folder's real path, the file's real path), or None."""
    try:
        real = os.path.realpath(path)
        for index, folder in enumerate(settings.ROM_DIRS):
            root = os.path.realpath(folder)
            # commonpath compares whole segments: /roms2/x is not inside /roms.
            if real != root and os.path.commonpath([real, root]) == root:
                return index, root, real
    except ValueError:  # a NUL byte in the stored path
        pass
    return None


def _mark_missing(rom: Rom) -> None:
    # The scanner clears it again when the file comes back; one UPDATE, a no-op if already set.
    Rom.objects.filter(pk=rom.pk, missing_since__isnull=True).update(missing_since=timezone.now())


def _accel_response(mode: str, index: int, root: str, real: str) -> HttpResponse:
    """An empty response telling the web server in front which file to send."""
    response = HttpResponse()
    # Both servers URL-decode the value (mod_xsendfile: XSendFileUnescape, on by default), so
    # "%" and "?" in names stay literal. Raw bytes: a name need not be valid UTF-8.
    if mode == "sendfile":
        response["X-Sendfile"] = quote(os.fsencode(real))
    elif mode.startswith("nginx:/"):
        relative = os.path.relpath(real, root)
        if len(settings.ROM_DIRS) > 1:  # one internal location per folder: <prefix><index>/
            relative = f"{index}/{relative}"
        prefix = mode.removeprefix("nginx:").rstrip("/") + "/"
        response["X-Accel-Redirect"] = prefix + quote(os.fsencode(relative))
    else:
        raise ImproperlyConfigured(f"DOWNLOAD_ACCEL has an unknown value {mode!r}.")
    return response


class _FileSlice:
    """Iterates length bytes of an open file from start, CHUNK_SIZE at a time; close() closes."""

    def __init__(self, file, start: int, length: int):
        self.file, self.start, self.length = file, start, length

    def __iter__(self):
        self.file.seek(self.start)
        remaining = self.length
        while remaining > 0:
            chunk = self.file.read(min(CHUNK_SIZE, remaining))
            if not chunk:  # the file shrank while being sent: the client sees a short body
                log.warning("%s ended %d bytes early", self.file.name, remaining)
                return
            remaining -= len(chunk)
            yield chunk

    def close(self):
        self.file.close()


class _AsyncFileSlice(_FileSlice):
    """The same for the ASGI server (romvault/streaming.py): each chunk is read in a worker
    thread, and while a slow client lets the send wait, no thread waits with it (a stalled
    download costs a socket and an open file, not a thread that could serve pages)."""

    __iter__ = None  # Django iterates synchronously whenever it can, and then reads it all

    def __aiter__(self):
        return in_threads(_FileSlice.__iter__(self))


@require_http_methods(["GET", "HEAD"])
@login_required
@permission_required("catalog.download_rom", raise_exception=True)
def download(request, pk):
    rom = get_object_or_404(Rom, pk=pk, missing_since__isnull=True)
    return serve_rom(request, rom, content_disposition(rom.download_name))


def version_of(st: os.stat_result) -> str:
    """Changes whenever the file's content is replaced: its ETag, and the player's URL."""
    # No st_dev: it differs between hosts mounting the same share, and a resumed download may
    # reach another web host. Size, mtime and inode change whenever the content is replaced.
    return f"{st.st_size:x}-{st.st_mtime_ns:x}-{st.st_ino:x}"


def open_rom(rom: Rom):
    """(open file, its stat, ROM folder index, folder's real path, file's real path) of a file
    really inside a ROM folder; Http404 otherwise, marking a vanished file missing."""
    located = _locate(rom.path)
    if located is None:
        log.warning("refused Rom %s: %s resolves outside every ROM_DIRS folder", rom.pk, rom.path)
        raise Http404
    index, root, real = located
    try:
        file = open(real, "rb", buffering=0, opener=_opener)  # noqa: SIM115 - see _FileSlice
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        _mark_missing(rom)
        raise Http404 from None
    except OSError as exc:
        log.warning("cannot open Rom %s (%s): %s", rom.pk, real, exc)
        raise Http404 from None
    st = os.fstat(file.fileno())
    if not stat.S_ISREG(st.st_mode):  # a FIFO or device now stands where the file was
        file.close()
        _mark_missing(rom)
        raise Http404
    return file, st, index, root, real


def serve_rom(request, rom: Rom, disposition: str, version: str | None = None):
    """The file's bytes (ranged, conditional) or a hand-off to the front server. With a
    version, only that version of the file is served (404 once it changed)."""
    file, st, index, root, real = open_rom(rom)
    etag_value = version_of(st)
    if version is not None and version != etag_value:
        file.close()
        raise Http404
    content_type = mimetypes.guess_type(rom.filename)[0] or "application/octet-stream"
    headers = {"Content-Type": content_type, "Content-Disposition": disposition}
    if settings.DOWNLOAD_ACCEL:
        file.close()
        response = _accel_response(settings.DOWNLOAD_ACCEL, index, root, real)
        return _finish(response, headers)

    size, mtime = st.st_size, int(st.st_mtime)
    etag = f'"{etag_value}"'
    validators = {"ETag": etag, "Last-Modified": http_date(mtime), "Accept-Ranges": "bytes"}
    response = get_conditional_response(request, etag=etag, last_modified=mtime)
    status, first, last = 200, 0, size - 1
    header = request.headers.get("Range")
    if response is None and header and _if_range_matches(request, etag, mtime):
        wanted = parse_range(header, size)
        if wanted == UNSATISFIABLE:
            response = HttpResponse(status=416, headers={"Content-Range": f"bytes */{size}"})
        elif wanted:
            status, (first, last) = 206, wanted
            headers["Content-Range"] = f"bytes {first}-{last}/{size}"
    if response is not None:  # 304, 412 or 416: no body
        file.close()
        return _finish(response, validators)

    length = last - first + 1
    if request.method == "HEAD":
        file.close()
        body = ()
    else:
        # Under ASGI, a synchronous body would be read whole into memory before the first byte.
        slice_class = _AsyncFileSlice if isinstance(request, ASGIRequest) else _FileSlice
        body = slice_class(file, first, length)
    response = StreamingHttpResponse(body, status=status)
    return _finish(response, headers | validators | {"Content-Length": str(length)})


def _finish(response, headers: dict):
    for name, value in headers.items():
        response[name] = value
    patch_cache_control(response, private=True)  # behind a login: no shared cache may keep it
    return response


def _if_range_matches(request, etag: str, mtime: int) -> bool:
    """True when the Range applies: no If-Range, or one naming this very version of the file."""
    value = request.headers.get("If-Range", "").strip()
    if not value:
        return True
    if value.startswith('"'):
        return value == etag  # strong comparison: a weak W/"..." tag never matches
    return parse_http_date_safe(value) == mtime


@require_http_methods(["GET", "HEAD"])
@login_required
@permission_required("catalog.download_rom", raise_exception=True)
def download_all(request, pk):
    """Every present file of a game in one zip, made while it is sent: no temporary file, no
    wait before the first byte. Stored, not compressed (the files are archives already).

    Not resumable: the zip's bytes are only known as they are made, so Range is not offered
    (Accept-Ranges: none) and there is no Content-Length; each file on its own resumes."""
    game = get_object_or_404(Game, pk=pk)
    roms = list(game.roms.filter(missing_since__isnull=True).order_by("path"))
    members = []
    for rom in roms:
        try:
            file = open_rom(rom)[0]
        except Http404:
            continue  # outside the ROM folders, or gone since the scan
        members.append((file, rom.filename))
    if not members:
        raise Http404
    headers = {
        "Content-Type": "application/zip",
        "Content-Disposition": content_disposition(f"{game.title}.zip"),
        "Accept-Ranges": "none",
    }
    if request.method == "HEAD":
        for file, _ in members:
            file.close()
        return _finish(HttpResponse(headers=headers), {})
    body = _zip_stream(members)
    if isinstance(request, ASGIRequest):
        body = in_threads(body)
    return _finish(StreamingHttpResponse(body, headers=headers), {})


class _Pipe:
    """What zipfile writes, kept until the generator hands it on. No tell() or seek(): zipfile
    then counts the offsets itself and puts each file's sizes after its data."""

    def __init__(self):
        self.parts = []

    def write(self, data):
        self.parts.append(bytes(data))
        return len(data)

    def flush(self):
        pass

    def take(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data


def _zip_stream(members):
    """The zip of [(open file, name in the zip)], a chunk at a time; every file is closed."""
    pipe, seen = _Pipe(), set()
    try:
        with zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_STORED) as archive:
            for file, name in members:
                info = zipfile.ZipInfo(_unique(strip_invisible(name), seen))
                st = os.fstat(file.fileno())
                info.date_time = time.localtime(max(st.st_mtime, 315532800))[:6]  # zip: >= 1980
                info.file_size = st.st_size  # zip64 headers when a file is over 2 GB
                with archive.open(info, "w") as out:
                    while chunk := file.read(CHUNK_SIZE):
                        out.write(chunk)
                        yield pipe.take()
                file.close()
        yield pipe.take()  # the central directory
    finally:
        for file, _ in members:
            file.close()


def _unique(name: str, seen: set) -> str:
    """`name`, or `name (2).ext` and on when another member took it (case-insensitively, as
    DOS and Windows see names)."""
    stem, dot, ext = name.rpartition(".") if "." in name else (name, "", "")
    candidate, n = name, 1
    while candidate.casefold() in seen:
        n += 1
        candidate = f"{stem} ({n}){dot}{ext}"
    seen.add(candidate.casefold())
    return candidate
