"""`scrape --images`: keep local copies of covers and screenshots, so pages never wait on IGDB's
image CDN. Each image is downloaded once; the files live under MEDIA_ROOT/igdb/."""

import threading
from dataclasses import dataclass

import anyio
import httpx
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction

from catalog.models import Image, is_image_id
from catalog.pagecache import bump as bump_catalogue_version
from scraper.igdb import USER_AGENT
from scraper.pipeline import consume

# IGDB image sizes (API_FACTS §8): what the pages show.
SIZES = {Image.Kind.COVER: "cover_big", Image.Kind.SCREENSHOT: "screenshot_big"}


@dataclass
class ImageReport:
    downloaded: int = 0
    failed: int = 0
    interrupted: bool = False

    def summary(self) -> str:
        return f"Images: {self.downloaded:,} downloaded, {self.failed:,} failed"


def image_url(image: Image) -> str:
    return f"{settings.IGDB_IMAGE_URL}/t_{SIZES[image.kind]}/{image.image_id}.jpg"


async def _download(todo, emit, stop: threading.Event, concurrency: int) -> None:
    limit = anyio.Semaphore(concurrency)
    async with httpx.AsyncClient(headers={"User-Agent": USER_AGENT}, timeout=30) as http:

        async def one(pk, url):
            async with limit:
                if stop.is_set():
                    return
                try:
                    response = await http.get(url)
                    response.raise_for_status()
                    emit((pk, response.content, ""))
                except httpx.HTTPError as exc:
                    emit((pk, b"", f"{url}: {exc}"))

        async with anyio.create_task_group() as tg:
            for pk, url in todo:
                tg.start_soon(one, pk, url)


def _failed(report: ImageReport, on_error, message: str) -> None:
    report.failed += 1
    if on_error:
        on_error(message)


def download_images(*, concurrency=4, on_error=None, on_progress=None, stop=None) -> ImageReport:
    """Download every cover and screenshot that has no local copy yet."""
    images = list(
        Image.objects.filter(file="", kind__in=list(SIZES)).only("pk", "kind", "image_id")
    )
    report = ImageReport()
    # Rows stored before the importer checked ids: each one a failure, never a request.
    for image in images:
        if not is_image_id(image.image_id):
            _failed(report, on_error, f"{image.image_id!r} is not an IGDB image id")
    images = [image for image in images if is_image_id(image.image_id)]
    todo = [(image.pk, image_url(image)) for image in images]
    names = {image.pk: f"{image.image_id}.jpg" for image in images}
    done = 0

    async def produce(emit, stop):
        await _download(todo, emit, stop, concurrency)

    def handle(batch):
        saved = []
        for pk, content, error in batch:
            if error:
                _failed(report, on_error, error)
                continue
            image = Image(pk=pk)
            # The file is written before the row points at it: a crash leaves an orphan file,
            # never a row pointing at nothing.
            image.file.save(names[pk], ContentFile(content), save=False)
            saved.append(image)
        with transaction.atomic():
            Image.objects.bulk_update(saved, ["file"])
            bump_catalogue_version()  # covers now come from the local copies
        report.downloaded += len(saved)

    def on_item(item):
        nonlocal done
        done += item is not None
        if on_progress:
            on_progress("images", done, len(todo))

    if todo:
        report.interrupted = consume(produce, handle, batch_size=50, on_item=on_item, stop=stop)
    return report
