"""The admin's calls to IGDB: the one web path that waits on the network (DESIGN, Boundaries).

The client is async; an admin view is a plain sync view, so each call runs its own event loop.
"""

from collections.abc import Awaitable, Callable

import anyio

from scraper.igdb import IGDBClient, client_from_settings

# A person is waiting: fewer and shorter tries than a scrape makes, so that an outage turns
# into an error message within seconds instead of a hanging page.
ATTEMPTS = 2
TIMEOUT = 8.0


def client() -> IGDBClient:
    """A client from the settings; raises IGDBError (permanent) without credentials."""
    return client_from_settings(concurrency=1, timeout=TIMEOUT, attempts=ATTEMPTS)


def call(request: Callable[[IGDBClient], Awaitable]):
    """Run `request(client)` to completion; IGDB failures are raised as IGDBError."""

    async def run():
        async with client() as igdb:
            return await request(igdb)

    return anyio.run(run)
