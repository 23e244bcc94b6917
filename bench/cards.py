"""Cards benchmark: the server time of one catalogue page's 48 cover cards (catalog/cards.py).

    python bench/cards.py [--repeat 2000]

The cards are the hottest markup of the site, which is why they are format strings rather than
a template per card. This prints what one page's cards cost: rows from
`Game.objects.for_cards()` (fetched once, outside the timing) rendered by `CardRenderer`, for a
normal user (with favourite buttons) and a demo user (without), best of five rounds.
"""

import argparse
import random
import tempfile
import time
from pathlib import Path

from common import seed, setup_django

PAGE = 48


def per_page_ms(renderer, rows, repeat):
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(repeat):
            renderer.cards(rows)
        best = min(best, (time.perf_counter() - start) / repeat * 1000)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2000, help="pages rendered per round")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        setup_django(Path(work))
        from django.core.management import call_command
        from django.test import RequestFactory

        from accounts.models import Role, User
        from catalog.cards import CardRenderer
        from catalog.models import Game

        call_command("migrate", verbosity=0)
        user, _, _ = seed(500, random.Random(1))
        demo = User.objects.create_user("bench-demo", password="x")  # noqa: S106
        demo.set_role(Role.DEMO)
        for who in (user, demo):
            request = RequestFactory().get("/", {"page": 2})
            request.user = who
            rows = list(Game.objects.order_by("sort_title").for_cards(who)[:PAGE])
            ms = per_page_ms(CardRenderer(request), rows, args.repeat)
            html = CardRenderer(request).cards(rows)
            print(
                f"{who.username:>10}: {ms:.3f} ms a page of {len(rows)} cards "
                f"({ms / len(rows) * 1000:.1f} us a card, {len(html):,} bytes)"
            )


if __name__ == "__main__":
    main()
