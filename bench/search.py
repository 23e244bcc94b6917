"""Search benchmark: server time of a search at 10,000 and 100,000 games, SQLite and PostgreSQL.

    python bench/search.py [--sizes 10000,100000] [--database-url postgres://.../postgres]

For each size, a fresh library (a throwaway SQLite file, or with --database-url a scratch
PostgreSQL database created beside the one named and dropped after) of generated titles with
2.5 alternative names a game on average (250,000 at 100,000 games) and two companies each, its
search columns filled as the importer fills them. Then 300 queries of the kinds people type
(whole titles, a word, a prefix of two letters, two words apart, a typo, a company, nothing
found), each timed twice, the second counted:
- the results page's queries: the catalogue's count and first page of 48 cards, as the page
  runs them (catalog/views/browse.py, results_page);
- the suggestions' queries: Game.objects.suggestions(), the first 8 games with their covers,
  as the endpoint runs them.
Budget: p95 <= 50 ms each. Then gunicorn (bench/web.py's) under wrk: the suggestions
endpoint's requests/s for the commonest word, at least 30% of the trivial logged-in view's.
Printed per size and kind, with how the p95 grows from the smallest size to the largest.
Each size runs in a process of its own (Django's settings are read once).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from random import Random

from common import WORDS, pct, setup_django

BUDGET_MS = 50
MIN_SHARE = 0.30
PAGE = 48


SYLLABLES = (
    "ka ro mi zu te la no vi sa do re ga bu fi ly xo qua tor ven mar dor gal tri bel kin ra "
    "sto fen lor dra gon ser pen cra wiz zar ul ti ma"
).split()
SUFFIXES = ["", "", "", "", " II", " III", " 2", " 3", ": The Return", " Deluxe", " Gold"]


class Titles:
    """Titles as a big library's are: one to four words from a vocabulary of 8,000 with a Zipf
    distribution (weight 1 / (rank + 10)), so that the most common word, WORDS' first, is in
    about 3% of titles, as "quest" or "2" are among real DOS titles (../shared/corpus: 5.7% for
    the commonest, "2", 2.5% for "quest"), and most words are in few; sometimes a number or a
    subtitle. Alternative names are mostly variants of the title (another subtitle, a word
    changed), a third of them other titles altogether (a translation)."""

    def __init__(self, rng):
        self.rng = rng
        made = {
            "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))) for _ in range(9000)
        }
        self.vocabulary = [w.lower() for w in WORDS] + sorted(made)[:8000]
        total, self.cumulative = 0.0, []
        for rank in range(len(self.vocabulary)):
            total += 1 / (rank + 10)
            self.cumulative.append(total)

    def word(self):
        return self.rng.choices(self.vocabulary, cum_weights=self.cumulative)[0]

    def title(self):
        words = [self.word().capitalize() for _ in range(self.rng.randint(1, 4))]
        return " ".join(words) + self.rng.choice(SUFFIXES)

    def alternative(self, title):
        kind = self.rng.random()
        if kind < 0.35:
            return f"{title.split(':')[0]}: {self.word().capitalize()} {self.word().capitalize()}"
        if kind < 0.7:
            words = title.split()
            words[self.rng.randrange(len(words))] = self.word().capitalize()
            return " ".join(words)
        return self.title()


def seed(games, rng):
    from django.db import transaction

    from accounts.models import Role, User
    from catalog import search
    from catalog.models import AlternativeName, Company, Game, Involvement
    from scraper.bulk import insert_rows

    make = Titles(rng)
    # Company names share few words with titles: any two words of the vocabulary, equally.
    rare = lambda: rng.choice(make.vocabulary).capitalize()  # noqa: E731
    companies = [f"{rare()} {rare()} Soft" for _ in range(2000)]
    with transaction.atomic():
        company_ids = insert_rows(
            Company,
            ["igdb_id", "name", "slug"],
            [(i + 1, name, f"c{i}") for i, name in enumerate(companies)],
            return_ids=True,
        )
        rows, names, links = [], [], []
        for i in range(games):
            title = make.title()
            alts = [make.alternative(title) for _ in range(rng.randint(0, 5))]
            alts = [a for a in dict.fromkeys(alts) if a != title]
            mine = rng.sample(range(len(companies)), 2)
            found = search.columns(title, alts, [companies[c] for c in mine])
            fields = Game.title_fields(title)
            rows.append((*fields, rng.randint(1981, 1999), f"{title} {i}", *found.values()))
            names.append(alts)
            links.append(mine)
        ids = insert_rows(
            Game,
            ["title", "sort_title", "slug", "year", "match_key", *search.FIELDS],
            rows,
            return_ids=True,
        )
        insert_rows(
            AlternativeName,
            ["game_id", "name", "comment"],
            [(pk, name, "") for pk, alts in zip(ids, names, strict=True) for name in alts],
        )
        insert_rows(
            Involvement,
            ["game_id", "company_id", "developer", "publisher"],
            [
                (pk, company_ids[c], True, False)
                for pk, cs in zip(ids, links, strict=True)
                for c in cs
            ],
        )
        user = User.objects.create_user(username="bench")
        user.set_role(Role.NORMAL)
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # the statistics autovacuum gathers within a minute
            cursor.execute("ANALYZE")
    titles = [row[0] for row in rows]
    return user, titles, companies, sum(map(len, names)), make


def queries(titles, companies, rng, make):
    """(kind, text) pairs: 300, mixed as people type them."""

    def apart():
        # Two words of a title of several, in another order: "Quest Dragon" for "Dragon Quest".
        words = rng.choice([t for t in titles[:500] if len(t.split()) > 2]).split()
        return " ".join(rng.sample(words, 2))

    def typo(text):
        word = max(text.split(), key=len)
        i = rng.randrange(1, len(word) - 1)
        return text.replace(word, word[:i] + word[i + 1 :], 1)

    kinds = {
        "title": lambda: rng.choice(titles),
        "word": make.word,
        "prefix": lambda: make.word()[:2],
        "words apart": apart,
        "typo": lambda: typo(rng.choice(titles)),
        "company": lambda: rng.choice(companies),
        "nothing": lambda: "zzqx " + make.word(),
    }
    return [(kind, make()) for kind, make in kinds.items() for _ in range(300 // len(kinds))]


def time_ms(call):
    call()  # the second run is counted: caches warm, as on a site in use
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def run_one(size, database_url):
    """One size in this process: prints one JSON line of its figures."""
    work = Path(tempfile.mkdtemp(prefix="romvault-bench-"))
    env = {"DATABASE_URL": database_url} if database_url else {}
    setup_django(work, **env)
    from django.core.management import call_command

    from catalog.models import Game
    from catalog.views import browse

    call_command("migrate", verbosity=0)
    rng = Random(size)
    started = time.perf_counter()
    user, titles, companies, alt_count, make = seed(size, rng)
    seeded = time.perf_counter() - started

    def results_page(text):
        values = {"q": text, "sort": "relevance", "dir": "asc"}
        page = browse.results_page(user, values, 1)
        return page.paginator.count, list(page.object_list)

    def suggestions(text):
        return Game.objects.suggestions(text)  # as the endpoint: ids first, then covers

    figures = {}
    for kind, text in queries(titles, companies, rng, make):
        page = time_ms(lambda text=text: results_page(text))
        suggest = time_ms(lambda text=text: suggestions(text))
        figures.setdefault(kind, {"page": [], "suggest": []})
        figures[kind]["page"].append(page)
        figures[kind]["suggest"].append(suggest)
    # Throughput: the suggestions of the library's commonest word (one game in thirty), the
    # heaviest kind, against the trivial logged-in view, on one gunicorn (bench/web.py).
    from web import TRIVIAL, throughput

    word = make.vocabulary[0]
    served = throughput(work, user, 5, [TRIVIAL, f"/search/suggest/?q={word}"])
    rates = {"trivial": served[TRIVIAL][0], "suggest": served[f"/search/suggest/?q={word}"][0]}
    failed = sum(result[3] for result in served.values())
    print(
        json.dumps(
            {"size": size, "alt": alt_count, "seeded": seeded, "figures": figures,
             "rates": rates, "word": word, "failed": failed}
        )
    )  # fmt: skip


def scratch_database(base_url, size):
    import psycopg

    name = f"romvault_bench_search_{size}"
    admin_url = base_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}"')
        db.execute(f'CREATE DATABASE "{name}"')
    return base_url.rsplit("/", 1)[0] + f"/{name}", admin_url, name


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--database-url", help="PostgreSQL: scratch databases are made beside it")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        run_one(args.one, args.database_url)
        return 0

    results = []
    for size in map(int, args.sizes.split(",")):
        url = admin = name = None
        if args.database_url:
            url, admin, name = scratch_database(args.database_url, size)
        command = [sys.executable, __file__, "--one", str(size)]
        try:
            out = subprocess.run(
                command + (["--database-url", url] if url else []),
                capture_output=True, text=True, check=True, env=os.environ,
            )  # fmt: skip
        finally:
            if name:
                import psycopg

                with psycopg.connect(admin, autocommit=True) as db:
                    db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))

    ok = True
    print(
        f"search on {'PostgreSQL' if args.database_url else 'SQLite'}; p95 budget <= {BUDGET_MS} ms"
    )
    for result in results:
        print(
            f"\n{result['size']:,} games, {result['alt']:,} alternative names "
            f"(seeded in {result['seeded']:.0f} s)"
        )
        print(f"  {'kind':12} {'results page p50/p95':>22} {'suggestions p50/p95':>22}")
        everything = {"page": [], "suggest": []}
        for kind, times in result["figures"].items():
            for what in everything:
                everything[what] += times[what]
            page, suggest = times["page"], times["suggest"]
            print(
                f"  {kind:12} {statistics.median(page):9.1f} /{pct(page, 95):6.1f} ms"
                f" {statistics.median(suggest):9.1f} /{pct(suggest, 95):6.1f} ms"
            )
        page95, suggest95 = pct(everything["page"], 95), pct(everything["suggest"], 95)
        result["p95"] = (page95, suggest95)
        rates = result["rates"]
        share = rates["suggest"] / rates["trivial"]
        ok = ok and page95 <= BUDGET_MS and suggest95 <= BUDGET_MS
        ok = ok and share >= MIN_SHARE and not result["failed"]
        print(f"  {'all':12} p95 {page95:15.1f} ms p95 {suggest95:15.1f} ms")
        print(
            f"  throughput: suggestions for {result['word']!r} {rates['suggest']:,.0f} req/s = "
            f"{share:.0%} of the trivial view's {rates['trivial']:,.0f} req/s "
            f"(budget >= {MIN_SHARE:.0%}); {result['failed']} failed requests"
        )
    if len(results) > 1:
        first, last = results[0], results[-1]
        print(
            f"\ngrowth {first['size']:,} -> {last['size']:,} games: results page p95 x"
            f"{last['p95'][0] / first['p95'][0]:.1f}, suggestions p95 x"
            f"{last['p95'][1] / first['p95'][1]:.1f}"
        )
    print("OK" if ok else "OVER BUDGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
