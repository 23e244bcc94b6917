"""The admin's calls to IGDB: the one web path that waits on the network (DESIGN, Boundaries).

The client is async; an admin view is a plain sync view, so each call runs its own event loop.
"""

from collections.abc import Awaitable, Callable

import anyio
from django.conf import settings

from scraper.igdb import IGDBClient, TokenCache

# A person is waiting: fewer and shorter tries than a scrape makes, so that an outage turns
# into an error message within seconds instead of a hanging page.
ATTEMPTS = 2
TIMEOUT = 8.0


def client() -> IGDBClient:
    """A client from the settings; raises IGDBError (permanent) without credentials."""
    return IGDBClient(
        settings.IGDB_CLIENT_ID,
        settings.IGDB_SECRET_KEY,
        api_url=settings.IGDB_API_URL,
        token_url=settings.TWITCH_TOKEN_URL,
        # The same token file as `scrape`: Twitch allows an application few live tokens.
        token_cache=TokenCache(settings.DATA_DIR / "igdb-token.json"),
        concurrency=1,
        timeout=TIMEOUT,
        attempts=ATTEMPTS,
    )


def call(request: Callable[[IGDBClient], Awaitable]):
    """Run `request(client)` to completion; IGDB failures are raised as IGDBError."""

    async def run():
        async with client() as igdb:
            return await request(igdb)

    return anyio.run(run)
