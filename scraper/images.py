"""`scrape` keeps local copies of covers and screenshots (unless `--no-images`), so pages never
wait on IGDB's image CDN and the library still shows them when IGDB is down.

Each image is kept at the sizes the pages show (catalog.models.KEPT_SIZES) as
MEDIA_ROOT/igdb/t_<size>/<image_id>.jpg, downloaded once: what a run finds on disk it does not
ask for again. `Image.file` names the first size once every size of the image is on disk; the
app serves them (catalog/views/images.py). Each app server has its own copies: a scrape run on
a host downloads what that host lacks, even for rows another host's scrape marked kept.
"""

import os
import threading
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import anyio
import httpx
from django.conf import settings
from django.db import transaction

from catalog.models import KEPT_SIZES, Image, is_image_id, kept_name
from catalog.pagecache import bump as bump_catalogue_version
from romvault.datadir import FOLDER_MODE, private_opener
from scraper.igdb import USER_AGENT
from scraper.pipeline import consume

# This many requests in a row that reach no server (no DNS, no route, refused: an offline host)
# and the run stops asking: the rest are left for the next scrape rather than each waiting out
# its own failure.
UNREACHABLE_IN_A_ROW = 8
_NOT_TRIED = "not tried"


@dataclass
class ImageReport:
    downloaded: int = 0
    failed: int = 0
    not_tried: int = 0
    interrupted: bool = False

    def summary(self) -> str:
        text = f"Images: {self.downloaded:,} downloaded, {self.failed:,} failed"
        if self.not_tried:
            text += (
                f", {self.not_tried:,} not tried: IGDB's image host could not be reached"
                f" ({settings.IGDB_IMAGE_URL}); pages show IGDB's own copies meanwhile, and the"
                " next scrape tries again"
            )
        return text


def image_url(size: str, image_id: str) -> str:
    return f"{settings.IGDB_IMAGE_URL}/t_{size}/{image_id}.jpg"


def _path(name: str) -> Path:
    return Path(settings.MEDIA_ROOT, name)


def _on_disk(size: str) -> set[str]:
    """The file names kept at one size: one listing rather than a stat per image."""
    try:
        return set(os.listdir(_path(f"igdb/t_{size}")))
    except FileNotFoundError:
        return set()


def _write(name: str, content: bytes) -> None:
    """Owner-only, like everything in the data folder (romvault/datadir.py), and whole: written
    beside and renamed, so a crash never leaves half a JPEG that a rerun would take as kept."""
    path = _path(name)
    folder = Path(settings.MEDIA_ROOT)
    for part in ("", "igdb", path.parent.name):  # mkdir(parents=True) ignores the mode
        folder = folder / part
        folder.mkdir(mode=FOLDER_MODE, exist_ok=True)
    partial = path.with_name(f".{path.name}.part")
    with open(partial, "wb", opener=private_opener) as out:
        out.write(content)
    os.replace(partial, path)


async def _download(todo, emit, stop: threading.Event, concurrency: int) -> None:
    limit = anyio.Semaphore(concurrency)
    unreachable = 0  # requests in a row that reached no server
    async with httpx.AsyncClient(headers={"User-Agent": USER_AGENT}, timeout=30) as http:

        async def one(size, image_id):
            nonlocal unreachable
            async with limit:
                if stop.is_set():
                    return
                if unreachable >= UNREACHABLE_IN_A_ROW:
                    emit((size, image_id, b"", _NOT_TRIED))
                    return
                url = image_url(size, image_id)
                try:
                    response = await http.get(url)
                    unreachable = 0
                    response.raise_for_status()
                    emit((size, image_id, response.content, ""))
                except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                    unreachable += 1
                    emit((size, image_id, b"", f"{url}: {exc}"))
                except httpx.HTTPError as exc:
                    emit((size, image_id, b"", f"{url}: {exc}"))

        async with anyio.create_task_group() as tg:
            for size, image_id in todo:
                tg.start_soon(one, size, image_id)


def _failed(report: ImageReport, on_error, message: str) -> None:
    report.failed += 1
    if on_error:
        on_error(message)


def _mark_kept(pks_by_name: dict[str, list[int]]) -> None:
    kept = [Image(pk=pk, file=name) for name, pks in pks_by_name.items() for pk in pks]
    with transaction.atomic():
        Image.objects.bulk_update(kept, ["file"], batch_size=500)
        bump_catalogue_version()  # pages now point at the kept copies


def download_images(*, concurrency=4, on_error=None, on_progress=None, stop=None) -> ImageReport:
    """Download every size of every cover and screenshot this host has no copy of yet."""
    report = ImageReport()
    on_disk = {size: _on_disk(size) for sizes in KEPT_SIZES.values() for size in sizes}
    # (kind, image_id) -> the rows showing that image and the sizes still to come.
    rows, missing, done_rows = defaultdict(list), {}, defaultdict(list)
    images = Image.objects.filter(kind__in=list(KEPT_SIZES)).values_list(
        "pk", "kind", "image_id", "file"
    )
    for pk, kind, image_id, file in images.iterator(chunk_size=2000):
        if not is_image_id(image_id):
            # A row stored before the importer checked ids: a failure, never a request.
            _failed(report, on_error, f"{image_id!r} is not an IGDB image id")
            continue
        lacking = {s for s in KEPT_SIZES[kind] if f"{image_id}.jpg" not in on_disk[s]}
        if lacking:
            rows[kind, image_id].append(pk)
            missing[kind, image_id] = lacking
        elif file != kept_name(kind, image_id):  # on disk already (a rerun, another row)
            done_rows[kept_name(kind, image_id)].append(pk)
    if done_rows:
        _mark_kept(done_rows)
    # A cover and a screenshot never share a size, so (size, image_id) is one download.
    todo = sorted({(size, image_id) for (_, image_id), sizes in missing.items() for size in sizes})
    kinds = {size: kind for kind, sizes in KEPT_SIZES.items() for size in sizes}
    done = 0

    async def produce(emit, stop):
        await _download(todo, emit, stop, concurrency)

    def handle(batch):
        complete = defaultdict(list)
        for size, image_id, content, error in batch:
            if error == _NOT_TRIED:
                report.not_tried += 1
                continue
            if error:
                _failed(report, on_error, error)
                continue
            _write(kept_name(kinds[size], image_id, size), content)
            report.downloaded += 1
            key = (kinds[size], image_id)
            missing[key].discard(size)
            if not missing[key]:  # every size on disk: pages may point at the copies
                complete[kept_name(*key)] = rows[key]
        if complete:
            _mark_kept(complete)

    def on_item(item):
        nonlocal done
        done += item is not None
        if on_progress:
            on_progress("images", done, len(todo))

    if todo:
        report.interrupted = consume(produce, handle, batch_size=50, on_item=on_item, stop=stop)
    return report
