"""The metadata phase of `scrape`: the network in one thread, a single writer in this one.

`identify` runs under `anyio.run` in a worker thread and puts each result on a queue; the
calling (main) thread is the only one that touches the database, saving results in batches of
one transaction each. Setting the stop flag (runs.scrape_run does on SIGTERM and Ctrl-C) or a
KeyboardInterrupt stops the sending, and what has arrived is saved.
"""

import queue
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import anyio

from catalog.models import Game, Rom
from scraper import importer
from scraper.identify import Job, Kind, Result, identify
from scraper.igdb import IGDBClient, IGDBError

_DONE = object()
# A matched game is tens of rows (genres, companies, names, images) and bulk_update's CASE grows
# with the batch: at most this many games per transaction keeps each well under a second, so
# the web server's own writes (sessions, favourites) never wait long behind a scrape.
GAMES_PER_TRANSACTION = 25


@dataclass
class MetadataReport:
    total: int = 0
    matched: int = 0
    unmatched: int = 0
    failed: int = 0
    merged: int = 0
    requests: int = 0
    responses_429: int = 0
    retries: int = 0
    elapsed: float = 0.0
    interrupted: bool = False

    @property
    def games_per_second(self) -> float:
        done = self.matched + self.unmatched + self.failed
        return done / self.elapsed if self.elapsed else 0.0

    def summary(self) -> str:
        return (
            f"IGDB finished: {self.matched:,} matched, {self.unmatched:,} unmatched,"
            f" {self.failed:,} failed, {self.merged:,} merged into games already known;"
            f" {self.requests:,} requests sent, {self.responses_429:,} 429s received,"
            f" {self.retries:,} retries, in {self.elapsed:.1f} s"
            f" ({self.games_per_second:.1f} games/s)"
        )


def select_jobs(*, refresh=False, retry=False, limit=None) -> list[Job]:
    """The games to identify: new and failed ones (and those with no confident match when
    retry is set); with refresh, the matched ones, fetched again by id."""
    games = Game.objects.exclude(match_status=Game.MatchStatus.IGNORED).order_by("pk")
    if refresh:
        games = games.filter(match_status=Game.MatchStatus.MATCHED, igdb_id__isnull=False)
    else:
        statuses = [Game.MatchStatus.UNMATCHED, Game.MatchStatus.FAILED]
        if retry:
            statuses.append(Game.MatchStatus.NO_MATCH)
        games = games.filter(match_status__in=statuses, match_locked=False)
    if limit:
        games = games[:limit]
    rows = list(games.values_list("pk", "title", "year", "igdb_id"))
    forced = {}
    if not refresh:
        # An "(igdb-12345)" tag in a filename forces that record.
        for game_id, tags in Rom.objects.filter(
            game_id__in=[pk for pk, *_ in rows], tags__has_key="igdb_id"
        ).values_list("game_id", "tags"):
            forced[game_id] = int(tags["igdb_id"])
    return [
        Job(pk, title, year, igdb_id if refresh else forced.get(pk))
        for pk, title, year, igdb_id in rows
    ]


def retryable():
    """The games with no confident match that `--retry` looks up again."""
    return Game.objects.filter(match_status=Game.MatchStatus.NO_MATCH, match_locked=False)


def save(results: list[Result], report: MetadataReport) -> None:
    """Write one batch: one transaction per kind of result, and per GAMES_PER_TRANSACTION
    matched games."""
    matched = [(r.job.game_id, r.match, r.record) for r in results if r.kind == Kind.MATCHED]
    unmatched = [(r.job.game_id, r.match) for r in results if r.kind == Kind.NO_MATCH]
    failed = [(r.job.game_id, r.error) for r in results if r.kind == Kind.FAILED]
    for start in range(0, len(matched), GAMES_PER_TRANSACTION):
        chunk = matched[start : start + GAMES_PER_TRANSACTION]
        report.merged += len(importer.save_matches(chunk))
    if unmatched:
        importer.save_unmatched(unmatched)
    if failed:
        importer.save_failures(failed)
    report.matched += len(matched)
    report.unmatched += len(unmatched)
    report.failed += len(failed)


def consume(
    produce: Callable[[Callable[[object], None], threading.Event], Awaitable[None]],
    handle: Callable[[list], None],
    *,
    batch_size: int = 500,
    on_item: Callable[[object], None] | None = None,
    stop: threading.Event | None = None,
) -> bool:
    """Run `produce(emit, stop)` under anyio.run in a worker thread, and pass what it emits to
    `handle` in batches, here in the calling thread (the one that may use the ORM).

    Returns True when it was stopped (`stop` set, or KeyboardInterrupt here): the producer stops
    sending and whatever had arrived is still handled. An error in the producer is raised here.
    """
    stop = stop or threading.Event()
    items: queue.Queue = queue.Queue()
    failure: list[BaseException] = []

    def worker():
        try:
            anyio.run(produce, items.put, stop)
        except BaseException as exc:  # raised below, in the calling thread
            failure.append(exc)
        finally:
            items.put(_DONE)

    thread = threading.Thread(target=worker, name="network", daemon=True)
    thread.start()
    pending: list = []
    last_flush = time.monotonic()

    def flush():
        nonlocal pending, last_flush
        if pending:
            handle(pending)
        pending, last_flush = [], time.monotonic()

    try:
        while (item := _next(items)) is not _DONE:
            if item is not None:
                pending.append(item)
            if on_item:
                on_item(item)
            # Small batches while results trickle in, so that little is ever in flight.
            if len(pending) >= batch_size or (pending and time.monotonic() - last_flush > 2):
                flush()
        flush()
    except KeyboardInterrupt:
        stop.set()
        thread.join(timeout=30)
        while (item := _next(items, wait=False)) not in (_DONE, None):
            pending.append(item)
        flush()
    thread.join(timeout=30)
    if failure and not stop.is_set():
        raise _igdb_error(failure[0])
    return stop.is_set()


def _next(items: queue.Queue, wait=True):
    try:
        return items.get(timeout=0.5) if wait else items.get_nowait()
    except queue.Empty:
        return None


def run(
    jobs: list[Job],
    client: IGDBClient,
    *,
    batch_size: int = 500,
    dry_run: bool = False,
    on_result: Callable[[Result], None] | None = None,
    on_progress: Callable[[str, int, int | None], None] | None = None,
    stop: threading.Event | None = None,
    fetch_wait: float = 6.0,
) -> MetadataReport:
    """Identify the jobs' games on IGDB and store the outcome (nothing is stored on dry_run).

    fetch_wait: how long a match may wait for others to be fetched with it (see identify)."""
    report = MetadataReport(total=len(jobs))
    started = time.perf_counter()
    done = 0

    async def produce(emit, stop):
        async with client:
            await identify(client, jobs, emit, stop=stop, max_wait=fetch_wait)

    def handle(results):
        if dry_run:
            report.matched += sum(r.kind == Kind.MATCHED for r in results)
            report.unmatched += sum(r.kind == Kind.NO_MATCH for r in results)
            report.failed += sum(r.kind == Kind.FAILED for r in results)
        else:
            save(results, report)

    def on_item(item):
        nonlocal done
        if item is not None:
            done += 1
            if on_result:
                on_result(item)
        if on_progress:
            on_progress("identify", done, len(jobs))

    report.interrupted = consume(produce, handle, batch_size=batch_size, on_item=on_item, stop=stop)
    report.requests = client.stats.requests
    report.responses_429 = client.stats.responses_429
    report.retries = client.stats.retries
    report.elapsed = time.perf_counter() - started
    return report


def _igdb_error(exc: BaseException) -> BaseException:
    """The IGDBError inside an exception group from the task group, if there is one."""
    if isinstance(exc, IGDBError):
        return exc
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            found = _igdb_error(inner)
            if isinstance(found, IGDBError):
                return found
    return exc
