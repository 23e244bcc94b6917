"""A fake IGDB v4 + Twitch OAuth server for the IGDB client's tests and benchmark.

The real api.igdb.com cannot be reached from our machines, so `FakeIGDB` serves a real HTTP
API on 127.0.0.1 that copies the documented behaviour in
docs/igdb/API_FACTS.md: tokens, Apicalypse, multiquery, limits and error bodies.
Standard library only; no Django. README.md beside this file says how to start it.

    from fake_igdb import FakeIGDB, build_dataset
    with FakeIGDB(build_dataset(500), latency=0.01) as igdb:
        ...  # igdb.token_url, igdb.api_url, igdb.stats
"""

from .dataset import Dataset, LibraryEntry, build_dataset
from .server import FakeIGDB, Stats

__all__ = ["Dataset", "FakeIGDB", "LibraryEntry", "Stats", "build_dataset"]
