"""An async client for IGDB: Twitch token, one polite limiter, retries, batching.

Knows HTTP and IGDB, not the database; `client_from_settings` is the one place that reads
Django's settings. Facts it relies on are in `docs/igdb/API_FACTS.md` (cited by section below).
"""

import json
import logging
import os
import random
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import anyio
import httpx
from django.conf import settings

from scraper.matching import PLATFORM_FILTER, SEARCH_FIELDS, search_query

log = logging.getLogger(__name__)

USER_AGENT = "romvault/1.0 (self-hosted DOS game library; +https://github.com/romvault/romvault)"
MAX_LIMIT = 500  # §2: limit is at most 500
MAX_QUERIES = 10  # §3: at most 10 queries in one multiquery
CREDENTIALS_HELP = (
    "IGDB_CLIENT_ID and IGDB_SECRET_KEY are the Client ID and a secret of an application at "
    "https://dev.twitch.tv/console/apps (README, Configuration)."
)

IMPORT_FIELDS = ",".join(
    [
        "name,slug,url,summary,storyline,first_release_date,updated_at",
        "rating,rating_count,aggregated_rating,aggregated_rating_count",
        *(
            f"{ref}.name,{ref}.slug"
            for ref in (
                "genres",
                "themes",
                "keywords",
                "game_modes",
                "player_perspectives",
                "franchises",
                "collections",
            )
        ),
        "involved_companies.company.name,involved_companies.company.slug",
        "involved_companies.developer,involved_companies.publisher",
        "involved_companies.porting,involved_companies.supporting",
        "alternative_names.name,alternative_names.comment",
        *(
            f"{kind}.image_id,{kind}.width,{kind}.height"
            for kind in ("cover", "screenshots", "artworks")
        ),
    ]
)


class Masked(str):
    """A str that never shows its value in a repr: the client secret and the tokens.

    Django's debug 500 page lists each frame's variables by repr (a `headers` dict holding
    "Bearer <token>", a token form holding the secret), and with DEBUG on it masks only
    settings, never local variables. A repr is also what a "%r" in a log line prints.
    """

    def __repr__(self):
        return "'********'"


# A manual search (the admin's "Match manually"): what matching scores, plus what a person
# needs to tell records apart: platform names and the cover.
CANDIDATE_FIELDS = (
    "name,alternative_names.name,first_release_date,platforms.name,platforms.abbreviation,"
    "game_type,version_parent,release_dates.y,release_dates.platform,cover.image_id"
)


class IGDBError(Exception):
    """A failed IGDB call. permanent: retrying will not help (bad credentials, a bad query)."""

    def __init__(self, message: str, *, permanent: bool):
        super().__init__(message)
        self.permanent = permanent


@dataclass
class ClientStats:
    requests: int = 0
    responses_429: int = 0
    retries: int = 0
    tokens_fetched: int = 0


class RateLimiter:
    """At most `rate` request starts in any rolling `period`, and at most `max_open` open.

    One per process: every request of the client goes through it. The window gets a small
    margin so that network jitter cannot make IGDB see five arrivals within its second.
    """

    def __init__(self, rate: int = 4, period: float = 1.0, max_open: int = 4, margin=0.1):
        self.rate, self.period, self.margin = rate, period, margin
        self._open = anyio.Semaphore(max_open)
        self._starts: deque[float] = deque()
        self._lock = anyio.Lock()

    async def __aenter__(self):
        await self._open.acquire()
        try:
            async with self._lock:
                while len(self._starts) >= self.rate:
                    wait = self._starts[0] + self.period + self.margin - time.monotonic()
                    if wait > 0:
                        await anyio.sleep(wait)
                    self._starts.popleft()
                self._starts.append(time.monotonic())
        except BaseException:
            self._open.release()
            raise
        return self

    async def __aexit__(self, *exc):
        self._open.release()


class TokenCache:
    """The app access token, kept in a private file so every run reuses it until it expires:
    Twitch allows an app only 25 live tokens (§1) and silently kills older ones."""

    def __init__(self, path: Path | None):
        self.path = path

    def load(self, client_id: str) -> str | None:
        if not self.path:
            return None
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return None
        if data.get("client_id") == client_id and data.get("expires_at", 0) > time.time() + 60:
            return data.get("access_token")
        return None

    def save(self, client_id: str, token: str, expires_in: int) -> None:
        if not self.path:
            return
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(
                {
                    "client_id": client_id,
                    "access_token": token,
                    "expires_at": time.time() + expires_in,
                },
                fh,
            )


class IGDBClient:
    ATTEMPTS = 6  # tries per request before the game is recorded as failed
    BACKOFF = 0.5  # seconds; doubled on each retry, with full jitter

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        api_url: str,
        token_url: str,
        token_cache: TokenCache | None = None,
        concurrency: int = 4,
        rate: int = 4,
        timeout: float = 10.0,
        attempts: int | None = None,
        backoff: float | None = None,
    ):
        if not client_id or not client_secret:
            raise IGDBError(f"IGDB credentials are not set. {CREDENTIALS_HELP}", permanent=True)
        self.client_id, self._secret = client_id, Masked(client_secret)
        self.api_url, self.token_url = api_url.rstrip("/"), token_url
        self.token_cache = token_cache or TokenCache(None)
        self.concurrency = concurrency
        self.limiter = RateLimiter(rate=rate, max_open=concurrency)
        self.timeout = httpx.Timeout(timeout, connect=min(timeout, 5.0))
        self.attempts = attempts or self.ATTEMPTS
        self.backoff = self.BACKOFF if backoff is None else backoff
        self.stats = ClientStats()
        self._token: str | None = None
        self._proven: set[str] = set()  # tokens IGDB has accepted at least once
        self._token_lock = anyio.Lock()
        self._http: httpx.AsyncClient | None = None
        self._random = random.Random()

    async def __aenter__(self):
        self._http = httpx.AsyncClient(
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            timeout=self.timeout,
            limits=httpx.Limits(max_connections=16, max_keepalive_connections=8),
        )
        return self

    async def __aexit__(self, *exc):
        await self._http.aclose()

    # Token ------------------------------------------------------------------------------------

    async def token(self, stale: str | None = None) -> str:
        """The current token; a new one only when there is none or `stale` was refused."""
        async with self._token_lock:
            if self._token is None and stale is None:
                cached = self.token_cache.load(self.client_id)
                self._token = Masked(cached) if cached else None
            if self._token is None or self._token == stale:
                self._token = Masked(await self._fetch_token())
            return self._token

    async def check_credentials(self) -> None:
        """Ask Twitch for a new token even when one is cached, which proves nothing about a new
        secret. Raises IGDBError, permanent when Twitch refuses the id or the secret. The token
        is kept and cached, so the next scrape needs none of the few Twitch allows (§1)."""
        async with self._token_lock:
            self._token = Masked(await self._fetch_token())

    async def _fetch_token(self) -> str:
        # Form body, not query string: the secret stays out of URLs and logs (§1).
        form = {
            "client_id": self.client_id,
            "client_secret": self._secret,
            "grant_type": "client_credentials",
        }
        for attempt in range(1, self.attempts + 1):
            try:
                response = await self._http.post(self.token_url, data=form)
            except httpx.HTTPError as exc:
                reason = f"cannot reach Twitch at {self.token_url} ({type(exc).__name__})"
            else:
                if response.status_code == 200:
                    data = _json(response)
                    if isinstance(data, dict) and data.get("access_token"):
                        self.stats.tokens_fetched += 1
                        self.token_cache.save(
                            self.client_id, data["access_token"], int(data.get("expires_in", 0))
                        )
                        return data["access_token"]
                    reason = "Twitch sent an unreadable token response"
                elif response.status_code == 400:
                    raise IGDBError(
                        f"Twitch does not know this IGDB_CLIENT_ID. {CREDENTIALS_HELP}",
                        permanent=True,
                    )
                elif response.status_code in (401, 403):
                    raise IGDBError(
                        "Twitch refused IGDB_SECRET_KEY for this IGDB_CLIENT_ID. "
                        + CREDENTIALS_HELP,
                        permanent=True,
                    )
                else:
                    reason = f"Twitch answered {response.status_code}"
            if attempt < self.attempts:
                await self._sleep_before_retry(attempt)
        raise IGDBError(f"could not get an IGDB token: {reason}", permanent=False)

    # Requests ---------------------------------------------------------------------------------

    async def post(self, endpoint: str, body: str):
        """POST an Apicalypse body; the parsed JSON, after retries where retrying can help."""
        url = f"{self.api_url}/{endpoint}"
        refreshed_for = None
        fresh_refused = 0  # tokens this request had minted that IGDB refused before any use
        reason = ""
        for attempt in range(1, self.attempts + 1):
            token = await self.token()
            headers = {"Client-ID": self.client_id, "Authorization": Masked(f"Bearer {token}")}
            try:
                async with self.limiter:
                    self.stats.requests += 1
                    response = await self._http.post(url, content=body.encode(), headers=headers)
            except httpx.TimeoutException:
                reason = "IGDB did not answer in time"
            except httpx.HTTPError as exc:
                reason = f"cannot reach IGDB ({type(exc).__name__})"
            else:
                status = response.status_code
                if status not in (401, 429):  # got past IGDB's authentication
                    self._proven.add(token)
                if status == 200:
                    try:
                        return response.json()
                    except ValueError:
                        reason = "IGDB sent a response that is not valid JSON"
                elif status == 401:
                    # A token that worked before has expired (or hit the cap): replace it again.
                    # A fresh one refused before any request got through with it usually means
                    # wrong credentials; twice in a row, so that a fresh token used up by the
                    # other open requests (whose answers were timeouts or 429s) is not taken
                    # for that.
                    if refreshed_for == token and token not in self._proven:
                        fresh_refused += 1
                    if fresh_refused >= 2:
                        raise IGDBError(
                            "IGDB refused a freshly issued token: IGDB_CLIENT_ID and "
                            "IGDB_SECRET_KEY may belong to different applications. "
                            + CREDENTIALS_HELP,
                            permanent=True,
                        )
                    # Tokens can die early (§1: the 25-token cap): mint a new one once.
                    refreshed_for = await self.token(stale=token)
                    continue
                elif status == 429:
                    self.stats.responses_429 += 1
                    reason = "IGDB said too many requests (429)"
                elif status >= 500:
                    reason = f"IGDB answered {status}"
                else:
                    # 400 is a bug in our query; 403 and 413 will not change on a retry.
                    raise IGDBError(f"IGDB refused {endpoint}: {_cause(response)}", permanent=True)
            if attempt < self.attempts:
                self.stats.retries += 1
                await self._sleep_before_retry(attempt)
        raise IGDBError(f"{reason}; gave up after {self.attempts} tries", permanent=False)

    async def _sleep_before_retry(self, attempt: int) -> None:
        # Exponential backoff with full jitter.
        await anyio.sleep(self._random.uniform(0, self.backoff * 2 ** (attempt - 1)))

    async def multiquery(self, blocks: list[tuple[str, str]]) -> list:
        """[(endpoint, body)] (at most 10) -> the result list of each block, in order."""
        text = "".join(
            f'query {endpoint} "{i}" {{ {body} }};\n' for i, (endpoint, body) in enumerate(blocks)
        )
        answer = await self.post("multiquery", text)
        by_name = {item.get("name"): item for item in answer if isinstance(item, dict)}
        try:
            return [by_name[str(i)].get("result", []) for i in range(len(blocks))]
        except KeyError as exc:
            raise IGDBError(
                f"IGDB's multiquery answer lacks block {exc}", permanent=False
            ) from None

    async def search_games(self, titles: list[str]) -> list[list[dict]]:
        """One search per title, up to 10 in one request; candidates on DOS or PC."""
        if len(titles) > MAX_QUERIES:
            raise ValueError(f"at most {MAX_QUERIES} titles per call")
        blocks = [
            (
                "games",
                f'fields {SEARCH_FIELDS}; search "{search_query(title)}"; '
                f"{PLATFORM_FILTER}; limit 10;",
            )
            for title in titles
        ]
        return await self.multiquery(blocks)

    async def search_candidates(self, title: str, limit: int = 20) -> list[dict]:
        """One search for a person choosing by hand: DOS and PC records with platform names and
        covers (CANDIDATE_FIELDS)."""
        return await self.post(
            "games",
            f'fields {CANDIDATE_FIELDS}; search "{search_query(title)}"; '
            f"{PLATFORM_FILTER}; limit {int(limit)};",
        )

    async def games_by_id(self, ids: list[int], fields: str = IMPORT_FIELDS) -> list[dict]:
        """Full records for up to 500 ids in one request."""
        if not ids:
            return []
        if len(ids) > MAX_LIMIT:
            raise ValueError(f"at most {MAX_LIMIT} ids per call")
        id_list = ",".join(str(int(i)) for i in ids)
        return await self.post(
            "games", f"fields {fields}; where id = ({id_list}); limit {MAX_LIMIT};"
        )


def client_from_settings(*, credentials: tuple[str, str] | None = None, **options) -> IGDBClient:
    """The client for this site: Django's IGDB settings and the token file in DATA_DIR.

    `credentials` (client id, secret) replaces the configured ones (`setup` checks the ones
    being entered); `options` go to IGDBClient. Raises IGDBError (permanent) when there are none.
    """
    client_id, secret = credentials or (settings.IGDB_CLIENT_ID, settings.IGDB_SECRET_KEY)
    return IGDBClient(
        client_id,
        secret,
        api_url=settings.IGDB_API_URL,
        token_url=settings.TWITCH_TOKEN_URL,
        # One file for `scrape`, the admin and `setup`: Twitch allows an application few live
        # tokens and silently kills the oldest (§1).
        token_cache=TokenCache(settings.DATA_DIR / "igdb-token.json"),
        **options,
    )


def _json(response: httpx.Response):
    try:
        return response.json()
    except ValueError:
        return None


def _cause(response: httpx.Response) -> str:
    """IGDB's own words: Apicalypse errors are [{title, status, cause}] (§5)."""
    data = _json(response)
    if isinstance(data, list) and data and isinstance(data[0], dict):
        parts = [data[0].get("title"), data[0].get("cause"), data[0].get("details")]
        return f"{response.status_code} " + " - ".join(str(p) for p in parts if p)
    if isinstance(data, dict) and data.get("message"):
        return f"{response.status_code} {data['message']}"
    return f"{response.status_code} {response.text[:200]}"
