"""Identify games on IGDB: search in batches, pick with `matching`, fetch the winners by id.

Network only: results go to `emit`, a thread-safe callable; the `scrape` command's single writer
stores them. Nothing here touches the database.
"""

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass

import anyio

from scraper.igdb import MAX_LIMIT, MAX_QUERIES, IGDBClient, IGDBError
from scraper.matching import Match, pick

MATCHED, NO_MATCH, FAILED = "matched", "no_match", "failed"


@dataclass(frozen=True, slots=True)
class Job:
    game_id: int
    title: str
    year: int | None
    igdb_id: int | None = None  # forced by the filename, or the current match on --refresh


@dataclass(frozen=True, slots=True)
class Result:
    job: Job
    kind: str
    match: Match | None = None
    record: dict | None = None
    error: str = ""


async def identify(
    client: IGDBClient,
    jobs: list[Job],
    emit: Callable[[Result], None],
    *,
    stop: threading.Event,
    fetch_batch: int = 200,
    max_wait: float = 3.0,
) -> None:
    """Emit one Result per job. A permanent IGDB error (bad credentials) stops everything and
    is raised; other failures are emitted per job and retried on the next run."""
    searches = [job for job in jobs if job.igdb_id is None]
    direct = [job for job in jobs if job.igdb_id is not None]
    to_fetch_send, to_fetch_recv = anyio.create_memory_object_stream[tuple[Job, Match]](math.inf)
    chunks = iter([searches[i : i + MAX_QUERIES] for i in range(0, len(searches), MAX_QUERIES)])

    async def search_worker():
        for chunk in chunks:
            if stop.is_set():
                return
            try:
                results = await client.search_games([job.title for job in chunk])
            except IGDBError as exc:
                if exc.permanent:
                    raise
                for job in chunk:
                    emit(Result(job, FAILED, error=str(exc)))
                continue
            for job, candidates in zip(chunk, results, strict=True):
                match = pick(job.title, job.year, candidates)
                if match.igdb_id is None:
                    emit(Result(job, NO_MATCH, match=match))
                else:
                    await to_fetch_send.send((job, match))

    async def fetch(batch: list[tuple[Job, Match]]):
        ids = sorted({match.igdb_id for _, match in batch})
        try:
            records = []
            for start in range(0, len(ids), MAX_LIMIT):
                records += await client.games_by_id(ids[start : start + MAX_LIMIT])
        except IGDBError as exc:
            if exc.permanent:
                raise
            for job, _ in batch:
                emit(Result(job, FAILED, error=str(exc)))
            return
        by_id = {record.get("id"): record for record in records if isinstance(record, dict)}
        for job, match in batch:
            record = by_id.get(match.igdb_id)
            if record is None:
                emit(Result(job, NO_MATCH, match=match, error=f"IGDB has no game {match.igdb_id}"))
            else:
                emit(Result(job, MATCHED, match=match, record=record))

    async def fetcher(tg):
        """Collect matched ids and fetch them in bulk: when a batch is full, when its oldest
        match has waited `max_wait` seconds (an interrupted run then loses little), or when
        no new match arrived for a second (the end of the run)."""
        batch, oldest = [], 0.0
        async with to_fetch_recv:
            while True:
                item = None
                idle = (
                    1.0
                    if not batch
                    else max(0.0, min(1.0, oldest + max_wait - anyio.current_time()))
                )
                with anyio.move_on_after(idle):
                    try:
                        item = await to_fetch_recv.receive()
                    except anyio.EndOfStream:
                        break
                if item is not None:
                    if not batch:
                        oldest = anyio.current_time()
                    batch.append(item)
                due = len(batch) >= fetch_batch or item is None
                if batch and due and not stop.is_set():
                    tg.start_soon(fetch, batch)
                    batch = []
        if batch and not stop.is_set():
            tg.start_soon(fetch, batch)

    async def watch_stop(scope: anyio.CancelScope):
        while not stop.is_set():
            await anyio.sleep(0.1)
        scope.cancel()

    async with anyio.create_task_group() as outer:
        outer.start_soon(watch_stop, outer.cancel_scope)
        async with anyio.create_task_group() as tg:
            tg.start_soon(fetcher, tg)
            for job in direct:
                await to_fetch_send.send((job, Match(job.igdb_id, 1.0, ())))
            async with anyio.create_task_group() as searchers:
                for _ in range(client.concurrency):
                    searchers.start_soon(search_worker)
            to_fetch_send.close()
        outer.cancel_scope.cancel()
