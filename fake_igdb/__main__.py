"""`python -m fake_igdb --port 8765 --games 2000 [--latency 0.15]`: serve until Ctrl-C."""

from __future__ import annotations

import argparse
import json
import threading

from .dataset import build_dataset
from .server import FakeIGDB


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m fake_igdb", description=__doc__)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--games", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--latency", type=float, default=0.15)
    parser.add_argument("--rate-limit", type=int, default=4)
    parser.add_argument("--multiquery-counts-as", type=int, default=1)
    args = parser.parse_args(argv)

    igdb = FakeIGDB(build_dataset(args.games, args.seed), latency=args.latency,
                    rate_limit=args.rate_limit)  # fmt: skip
    igdb.multiquery_counts_as = args.multiquery_counts_as
    igdb.start(port=args.port)
    print(f"FakeIGDB serving {len(igdb.dataset.games)} games; romvault's settings for it:")
    for name, value in igdb.settings().items():
        print(f"  {name}={value}")
    print(json.dumps(igdb.dataset.stats()["kinds"]))
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        igdb.stop()
        print(json.dumps({k: v for k, v in vars(igdb.stats).items() if k != "log"}))


if __name__ == "__main__":
    main()
