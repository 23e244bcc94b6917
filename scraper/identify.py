"""Identify games on IGDB: search in batches, pick with `matching`, fetch the winners by id.

Network only: results go to `emit`, a thread-safe callable; the `scrape` command's single writer
stores them. Nothing here touches the database.
"""

import enum
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass

import anyio

from scraper.igdb import MAX_LIMIT, MAX_QUERIES, IGDBClient, IGDBError
from scraper.matching import Match, alternate_query, pick


class Kind(enum.StrEnum):
    """What a lookup found; the values are Game.MatchStatus's (no Django here)."""

    MATCHED = "matched"
    NO_MATCH = "no_match"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Job:
    game_id: int
    title: str
    year: int | None
    igdb_id: int | None = None  # forced by the filename, or the current match on --refresh


@dataclass(frozen=True, slots=True)
class Result:
    job: Job
    kind: Kind
    match: Match | None = None
    record: dict | None = None
    error: str = ""

    def describe(self) -> str:
        """One line for people: what was found for the game, and how sure the match is."""
        job = self.job
        name = f"{job.title} ({job.year})" if job.year else job.title
        if self.kind == Kind.MATCHED:
            line = f'{name} -> IGDB {self.record["id"]} "{self.record.get("name", "")}"'
            if self.match and self.match.score < 1:
                line += f" (score {self.match.score:.2f})"
            return line
        if self.kind == Kind.NO_MATCH:
            best = self.match.candidates[:1] if self.match else ()
            if not best:
                return f"{name} -> no confident match"
            return (
                f"{name} -> no confident match"
                f' (best: {best[0]["id"]} "{best[0]["name"]}", score {best[0]["score"]:.2f})'
            )
        return f"{name} -> failed: {self.error}"


async def identify(
    client: IGDBClient,
    jobs: list[Job],
    emit: Callable[[Result], None],
    *,
    stop: threading.Event,
    fetch_batch: int = 300,
    max_wait: float = 6.0,
) -> None:
    """Emit one Result per job. A permanent IGDB error (bad credentials) stops everything and
    is raised; other failures are emitted per job and retried on the next run."""
    searches = [job for job in jobs if job.igdb_id is None]
    direct = [job for job in jobs if job.igdb_id is not None]
    to_fetch_send, to_fetch_recv = anyio.create_memory_object_stream[tuple[Job, Match]](math.inf)
    chunks = iter([searches[i : i + MAX_QUERIES] for i in range(0, len(searches), MAX_QUERIES)])

    # Jobs the first search found nothing for, whose sequel number can be written the other
    # way ("Dragon 2" / "Dragon II"): searched again, ten at a time, once the rest is done.
    second: list[tuple[Job, Match]] = []

    async def search_worker():
        while not stop.is_set():
            if len(second) >= MAX_QUERIES or (chunk := next(chunks, None)) is None:
                if not second:
                    return
                taken, second[:] = second[:MAX_QUERIES], second[MAX_QUERIES:]
                await search([job for job, _ in taken], again=True, first=dict(taken))
            else:
                await search(chunk, again=False)

    async def search(chunk: list[Job], *, again: bool, first: dict | None = None):
        queries = [alternate_query(job.title) if again else job.title for job in chunk]
        try:
            results = await client.search_games(queries)
        except IGDBError as exc:
            if exc.permanent:
                raise
            for job in chunk:
                emit(Result(job, Kind.FAILED, error=str(exc)))
            return
        for job, candidates in zip(chunk, results, strict=True):
            match = pick(job.title, job.year, candidates)
            if match.igdb_id is not None:
                await to_fetch_send.send((job, match))
            elif not again and alternate_query(job.title):
                second.append((job, match))
            else:
                if again and first[job].score > match.score:
                    match = first[job]
                emit(Result(job, Kind.NO_MATCH, match=match))

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
                emit(Result(job, Kind.FAILED, error=str(exc)))
            return
        by_id = {record.get("id"): record for record in records if isinstance(record, dict)}
        for job, match in batch:
            record = by_id.get(match.igdb_id)
            if record is None:
                emit(
                    Result(
                        job, Kind.NO_MATCH, match=match, error=f"IGDB has no game {match.igdb_id}"
                    )
                )
            else:
                emit(Result(job, Kind.MATCHED, match=match, record=record))

    async def fetcher(tg):
        """Collect matched ids and fetch them in bulk: when a batch is full, or when its oldest
        match has waited `max_wait` seconds (so an interrupted run loses little). The rest is
        fetched when the searches are over and the stream closes."""
        batch, deadline = [], math.inf
        async with to_fetch_recv:
            while True:
                item = None
                with anyio.move_on_after(max(0.0, deadline - anyio.current_time())):
                    try:
                        item = await to_fetch_recv.receive()
                    except anyio.EndOfStream:
                        break
                if item is not None:
                    if not batch:
                        deadline = anyio.current_time() + max_wait
                    batch.append(item)
                if batch and (len(batch) >= fetch_batch or item is None) and not stop.is_set():
                    tg.start_soon(fetch, batch)
                    batch, deadline = [], math.inf
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
