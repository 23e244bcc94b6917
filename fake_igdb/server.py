"""`FakeIGDB`: a real HTTP server on 127.0.0.1 that behaves like IGDB v4 + Twitch OAuth.

It serves the token endpoint (API_FACTS §1), the Apicalypse endpoints and /multiquery
(§2, §3), images (§8), enforces the documented limits — 4 requests per rolling second and
8 open requests (§4) — and can inject the faults a polite client must survive (§5, §10).
Every answer carries the body IGDB sends for that case.
"""

from __future__ import annotations

import contextlib
import json
import random
import re
import secrets
import socket
import sys
import threading
import time
import zlib
from collections import deque
from dataclasses import dataclass, field
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from .apicalypse import ApiError, parse_multiquery, parse_query
from .dataset import Dataset, build_dataset
from .engine import Engine
from .schema import SCHEMA

# API_FACTS §1 "What IGDB returns for an expired or invalid token" (the illarionov fixture).
AUTH_FAILURE = {
    "message": "Authorization Failure. Have you tried:",
    "Tip 1": "Ensure you are sending Authorization and Client-ID as headers.",
    "Tip 2": "Ensure Authorization value starts with 'Bearer ', including the space",
    "Tip 3": "Ensure Authorization value ends with the App Access Token you generated, "
    "NOT your Client Secret.",
    "Docs": "https://api-docs.igdb.com/#authentication",
    "Discord": "https://discord.gg/FrvfwQg",
}
TOO_MANY = {"message": "Too Many Requests"}  # API_FACTS §4: an object, no Retry-After
MAX_BODY = 32 * 1024  # API_FACTS §4 payload cap
TOO_LARGE = {
    "title": "Request Too Large", "status": 413,
    "cause": "Your request body exceeds the maximum allowed size of 32KB.",
    "details": "Please reduce your request size or contact support via Discord "
    "(https://discord.gg/igdb).",
}  # fmt: skip
# IGDB's image sizes and their pixels (API_FACTS §8): the fake's images have them, so pages lay
# out as they would with IGDB's.
IMAGE_SIZES = {
    "cover_small": (90, 128), "screenshot_med": (569, 320), "cover_big": (264, 374),
    "logo_med": (284, 160), "screenshot_big": (889, 500), "screenshot_huge": (1280, 720),
    "thumb": (90, 90), "micro": (35, 35), "720p": (1280, 720), "1080p": (1920, 1080),
}  # fmt: skip
_IMAGE_PATH = re.compile(r"^/igdb/image/upload/t_([a-z0-9_]+)/([A-Za-z0-9]+)\.jpg$")


@lru_cache(maxsize=64)
def grey_jpeg(width: int = 8, height: int = 8, level: int = 128) -> bytes:
    """A valid baseline JPEG of one grey `level` (0-255, any decoder opens it): every 8x8 block
    holds only its DC term, with quantisation 1 so that a pixel is 128 + DC / 8. The first block
    codes DC (its difference from 0), every other block a difference of 0 and end-of-block."""
    seg = lambda marker, payload: bytes([0xFF, marker]) + (len(payload) + 2).to_bytes(2) + payload  # noqa: E731
    dc = (min(max(level, 0), 255) - 128) * 8
    category = abs(dc).bit_length()
    magnitude = dc if dc >= 0 else dc + (1 << category) - 1  # negatives: ones' complement
    # DC codes: "0" difference category 0, "10" the first block's category. AC: "0" EOB.
    dc_table = bytes([1, 1] + [0] * 14) + bytes([0, category]) if category else one_code()
    first = ("10" + format(magnitude, f"0{category}b") if category else "0") + "0"
    blocks = ((width + 7) // 8) * ((height + 7) // 8)
    bits = first + "00" * (blocks - 1)
    bits += "1" * (-len(bits) % 8)  # padded with ones
    data = int(bits, 2).to_bytes(len(bits) // 8).replace(b"\xff", b"\xff\x00")
    size = height.to_bytes(2) + width.to_bytes(2)
    return b"".join((
        b"\xff\xd8",
        seg(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"),
        seg(0xDB, b"\x00" + b"\x01" * 64),
        seg(0xC0, b"\x08" + size + b"\x01\x01\x11\x00"),
        seg(0xC4, b"\x00" + dc_table), seg(0xC4, b"\x10" + one_code()),
        seg(0xDA, b"\x01\x01\x00\x00\x3f\x00"),
        data,
        b"\xff\xd9",
    ))  # fmt: skip


def one_code() -> bytes:
    return bytes([1] + [0] * 15) + b"\x00"  # a Huffman table with one 1-bit code, for symbol 0


def image_jpeg(size: str, image_id: str) -> bytes:
    """The fake's image: IGDB's pixels for the size, a grey of its own for each image id."""
    width, height = IMAGE_SIZES[size.removesuffix("_2x")]
    scale = 2 if size.endswith("_2x") else 1
    return grey_jpeg(width * scale, height * scale, 40 + zlib.crc32(image_id.encode()) % 180)


@dataclass
class Stats:
    requests: int = 0
    token_requests: int = 0
    tokens_issued: int = 0
    rate_limited: int = 0
    injected_429: int = 0
    injected_500: int = 0
    hung: int = 0
    broken_json: int = 0
    unauthorized: int = 0
    max_in_one_second: int = 0
    max_open: int = 0
    images: dict[str, int] = field(default_factory=dict)  # image GETs answered, by size
    by_endpoint: dict[str, int] = field(default_factory=dict)
    log: list[tuple[float, float, str, int]] = field(default_factory=list)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # stop() must not wait for idle keep-alive connections
    request_queue_size = 128  # dozens of concurrent connects must not overflow the backlog

    def handle_error(self, request, client_address):
        # A client that gave up (timeout on a hanging request) resets the socket: not an error.
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeIGDB/1.0"
    fake: FakeIGDB

    def setup(self):
        super().setup()
        self.fake._connections.add(self.connection)

    def finish(self):
        self.fake._connections.discard(self.connection)
        super().finish()

    def log_message(self, *args):  # quiet: tests and the benchmark read `stats` instead
        pass

    def send(self, status: int, body, content_type="application/json; charset=utf-8", headers=()):
        if status == 0:  # a hanging request released by stop(): no answer at all
            self.close_connection = True
            return
        if isinstance(body, bytes):
            data = body
        elif isinstance(body, str):
            data, content_type = body.encode(), "text/plain; charset=utf-8"
        else:
            data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for key, value in headers:
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        if length > 4 * MAX_BODY:  # too big to bother reading: answer and hang up
            self.close_connection = True
            return b"\x00" * (MAX_BODY + 1)
        return self.rfile.read(length) if length else b""

    def do_POST(self):
        path = urlsplit(self.path).path
        if path == "/oauth2/token":
            self.fake._token(self)
        elif path.startswith("/v4/"):
            self.fake._api(self, path[4:].strip("/"))
        else:
            self.read_body()
            self.send(404, f"Endpoint POST {path} not found")

    def do_GET(self):
        m = _IMAGE_PATH.match(urlsplit(self.path).path)
        size = m and m.group(1)
        if m and size.removesuffix("_2x") in IMAGE_SIZES and m.group(2) in self.fake.images:
            with self.fake._lock:
                self.fake.stats.images[size] = self.fake.stats.images.get(size, 0) + 1
            self.send(200, image_jpeg(size, m.group(2)), "image/jpeg")
        else:
            self.send(404, f"Endpoint GET {urlsplit(self.path).path} not found")


class FakeIGDB:
    """See README.md beside this package; the public attributes are the fault switches."""

    def __init__(
        self, dataset: Dataset | None = None, *, rate_limit=4, max_open=8, latency=0.15,
        client_id="fake-client-id",
        client_secret="fake-client-secret",  # noqa: S107 - the fake's public test credential
        token_ttl=5_587_808, seed=0,
    ):  # fmt: skip
        self.dataset = dataset if dataset is not None else build_dataset(n_games=200)
        self.engine = Engine(self.dataset.tables)
        self.images = self.dataset.image_ids()
        self.rate_limit, self.max_open, self.latency = rate_limit, max_open, latency
        self.client_id, self.client_secret, self.token_ttl = client_id, client_secret, token_ttl
        self.error_500_rate = 0.0
        self.extra_429_rate = 0.0
        self.hang_rate = 0.0
        self.hang_seconds = 30.0
        self.broken_json_rate = 0.0
        self.token_expires_after: int | None = None
        self.multiquery_counts_as = 1  # API_FACTS §3: accounting unverified; set 10 to be strict
        self.retry_after: int | None = None  # API_FACTS §4: IGDB sends none; a switch for tests
        self.stats = Stats()
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._window: deque[float] = deque()  # arrival times the limiter sees
        self._stats_window: deque[float] = deque()  # the same, since reset_stats()
        self._open = 0
        self._tokens: dict[str, int] = {}  # token -> API requests made with it
        self._stopping = threading.Event()
        self._connections: set = set()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.base_url = self.api_url = self.token_url = self.image_url = ""

    # --- lifecycle --------------------------------------------------------------------------

    def start(self, port: int = 0) -> FakeIGDB:
        """Serve on 127.0.0.1:`port` (0: a free one) in a background thread."""
        self._stopping.clear()
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = _Server(("127.0.0.1", port), handler)
        port = self._server.server_address[1]
        self.base_url = f"http://127.0.0.1:{port}"
        self.api_url = self.base_url + "/v4"
        self.token_url = self.base_url + "/oauth2/token"
        self.image_url = self.base_url + "/igdb/image/upload"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes hanging and sleeping requests
        if self._server is None:
            return
        self._server.shutdown()
        for conn in list(self._connections):
            with contextlib.suppress(OSError):  # already closed by the client
                conn.shutdown(socket.SHUT_RDWR)
        self._server.server_close()
        self._thread.join(timeout=5)
        self._server = None

    def settings(self) -> dict[str, str]:
        """romvault's IGDB settings (environment variables of the same names) for this server."""
        return {
            "IGDB_CLIENT_ID": self.client_id,
            "IGDB_SECRET_KEY": self.client_secret,
            "IGDB_API_URL": self.api_url,
            "TWITCH_TOKEN_URL": self.token_url,
            "IGDB_IMAGE_URL": self.image_url,
        }

    def configure(self, settings, data_dir) -> None:
        """Point Django's IGDB settings (pytest-django's `settings`) at this server."""
        for name, value in self.settings().items():
            setattr(settings, name, value)
        settings.DATA_DIR = data_dir
        settings.MEDIA_ROOT = data_dir / "media"  # where `scrape` keeps the images it downloads

    def __enter__(self) -> FakeIGDB:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def reset_stats(self) -> None:
        with self._lock:
            self.stats = Stats()
            self._stats_window.clear()

    def issue_token(self) -> str:
        """A valid token without an HTTP round trip (handy for tests)."""
        token = secrets.token_hex(15)
        with self._lock:
            self._tokens[token] = 0
            self.stats.tokens_issued += 1
        return token

    # --- token endpoint (API_FACTS §1) ------------------------------------------------------

    def _token(self, h: _Handler) -> None:
        body = h.read_body().decode("utf-8", "replace")
        params = {k: v[-1] for k, v in parse_qs(urlsplit(h.path).query).items()}
        params.update({k: v[-1] for k, v in parse_qs(body).items()})
        with self._lock:
            self.stats.token_requests += 1
        if not params.get("client_id"):
            return h.send(400, {"status": 400, "message": "missing client id"})
        if params["client_id"] != self.client_id:
            return h.send(400, {"status": 400, "message": "invalid client"})
        if params.get("client_secret") != self.client_secret:
            return h.send(403, {"status": 403, "message": "invalid client secret"})
        if params.get("grant_type") != "client_credentials":
            return h.send(400, {"status": 400, "message": "invalid grant type"})
        token = self.issue_token()
        h.send(200, {"access_token": token, "expires_in": self.token_ttl, "token_type": "bearer"})

    # --- API endpoints ----------------------------------------------------------------------

    def _arrive(self, endpoint: str, weight: int) -> tuple[float, bool]:
        """Count one arrival; True when it breaks the per-second or open-requests limit."""
        now = time.monotonic()
        with self._lock:
            st = self.stats
            st.requests += 1
            st.by_endpoint[endpoint] = st.by_endpoint.get(endpoint, 0) + 1
            self._open += 1
            st.max_open = max(st.max_open, self._open)
            for window in (self._window, self._stats_window):
                while window and window[0] <= now - 1.0:
                    window.popleft()
            # Over the limit when the last second already holds `rate_limit` arrivals. A
            # weighted multiquery is let in when there is room and then uses up `weight` slots
            # (with weight 10 a client gets about one multiquery per second).
            limited = len(self._window) >= self.rate_limit or self._open > self.max_open
            self._window.extend([now] * weight)
            self._stats_window.extend([now] * weight)
            st.max_in_one_second = max(st.max_in_one_second, len(self._stats_window))
            if limited:
                st.rate_limited += 1
        return now, limited

    def _authorized(self, h: _Handler) -> bool:
        auth = h.headers.get("Authorization", "")
        token = auth[7:] if auth.startswith("Bearer ") else None
        with self._lock:
            uses = self._tokens.get(token) if token else None
            ok = h.headers.get("Client-ID") == self.client_id and uses is not None
            if ok and self.token_expires_after is not None and uses >= self.token_expires_after:
                ok = False
            if ok:
                self._tokens[token] = uses + 1
            else:
                self.stats.unauthorized += 1
        return ok

    def _draw(self, rate: float) -> bool:
        with self._lock:
            return rate > 0 and self._rng.random() < rate

    def _api(self, h: _Handler, endpoint: str) -> None:
        body = h.read_body()
        weight = self.multiquery_counts_as if endpoint == "multiquery" else 1
        arrival, limited = self._arrive(endpoint, weight)
        status = 0
        try:
            status, payload, headers = self._answer(h, endpoint, body, limited)
            h.send(status, payload, headers=headers)
        finally:
            with self._lock:
                self._open -= 1
                self.stats.log.append((arrival, time.monotonic(), endpoint, status))

    def _answer(self, h: _Handler, endpoint: str, body: bytes, limited: bool):
        if limited:
            extra = [("Retry-After", str(self.retry_after))] if self.retry_after else []
            return 429, TOO_MANY, extra
        if len(body) > MAX_BODY:
            return 413, TOO_LARGE, []
        if not self._authorized(h):
            return 401, AUTH_FAILURE, []
        if self._draw(self.extra_429_rate):
            with self._lock:
                self.stats.injected_429 += 1
            return 429, TOO_MANY, []
        if self._draw(self.error_500_rate):
            with self._lock:
                self.stats.injected_500 += 1
            return 500, "Internal Server Error", []
        if self._draw(self.hang_rate):
            with self._lock:
                self.stats.hung += 1
            if self._stopping.wait(self.hang_seconds):
                return 0, b"", []  # stopped: drop the connection without an answer
        with self._lock:
            delay = self.latency * self._rng.uniform(0.8, 1.2)
        if delay > 0 and self._stopping.wait(delay):
            return 0, b"", []
        status, payload = self._execute(endpoint, body.decode("utf-8", "replace"))
        if status == 200 and self._draw(self.broken_json_rate):
            with self._lock:
                self.stats.broken_json += 1
            data = json.dumps(payload, ensure_ascii=False).encode()
            return 200, data[: max(1, len(data) // 2)], []
        return status, payload, []

    def _execute(self, endpoint: str, text: str):
        name, _, suffix = endpoint.partition("/")
        known = name in SCHEMA and suffix in ("", "count")
        if endpoint != "multiquery" and not known:
            return 404, f"Endpoint POST /{endpoint} not found"  # API_FACTS §5: plain text
        try:
            if endpoint == "multiquery":
                out = []
                for ep, is_count, label, query in parse_multiquery(text):
                    if ep not in SCHEMA:
                        raise ApiError(400, [{"title": "Syntax Error", "status": 400,
                                              "cause": f"Unknown endpoint '{ep}'"}])  # fmt: skip
                    out.append((ep, is_count, label, query))
                # validate every block before running any: one bad block fails the request
                for ep, _, _, query in out:
                    self.engine.check(ep, query)
                return 200, [
                    {"name": label, "count": self.engine.count(ep, q)}
                    if is_count
                    else {"name": label, "result": self.engine.run(ep, q)}
                    for ep, is_count, label, q in out
                ]
            query = parse_query(text)
            if suffix == "count":
                return 200, {"count": self.engine.count(name, query)}
            return 200, self.engine.run(name, query)
        except ApiError as err:
            return err.status, err.body
