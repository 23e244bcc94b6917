"""What every benchmark needs: the project importable, Django on a private database, and the
seeded 10,000-game library that bench/web.py and bench/load.py serve."""

import http.client
import math
import os
import socket
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django(work: Path, **env: str) -> None:
    """Settings from the environment, as in production, but every file under `work`; `env`
    adds to or overrides these."""
    (work / "static").mkdir(parents=True, exist_ok=True)  # whitenoise warns when it is missing
    defaults = dict(
        DJANGO_SETTINGS_MODULE="romvault.settings",
        SECRET_KEY="bench-only-" + "x" * 40,
        DATABASE_URL=f"sqlite:///{work / 'bench.sqlite3'}",
        XDG_CONFIG_HOME=str(work / "config"),
        DATA_DIR=str(work / "data"),
        STATIC_ROOT=str(work / "static"),
        ALLOWED_HOSTS="testserver",  # the test Client's host name
    )
    os.environ.update({**defaults, **env})
    import django

    django.setup()


WORDS = (
    "Space Dungeon Dragon Star Castle Knight Shadow Galaxy Warrior Lost Dark Crystal Iron Sky "
    "Tank Ninja Pirate Wizard Robot Alien Empire Kingdom Island Fortress Racer Thunder Golden "
    "Cyber Magic Secret Legend Storm Blood Night Fire Ice Steel Hero Raider Mission Tower"
).split()
SUFFIXES = ["", "", "", " II", " III", " 2", ": The Return", " Deluxe", " Gold"]


def title_for(rng):
    """Titles shaped like a DOS collection's; "Quest" occurs in about one in twelve."""
    a, b = rng.sample(WORDS, 2)
    shape = rng.choices([f"{a} Quest", f"The {a} of {b}", a, f"{a} {b}"], [8, 22, 15, 55])[0]
    return shape + rng.choice(SUFFIXES)


def seed(games_wanted, rng):
    """The library and a normal user with ~200 favourites: (user, game ids, genre ids)."""
    from django.db import transaction
    from django.db.models import OuterRef, Subquery

    from accounts.models import Role, User
    from catalog import search
    from catalog.models import (
        AlternativeName,
        Company,
        Favorite,
        Game,
        Genre,
        Image,
        Involvement,
        Rom,
        Theme,
    )
    from scraper.bulk import insert_rows

    with transaction.atomic():
        genres, themes = (
            model.objects.bulk_create(
                model(igdb_id=i + 1, name=f"{model.__name__} {w}", slug=w.lower())
                for i, w in enumerate(WORDS[:count])
            )
            for model, count in ((Genre, 25), (Theme, 15))
        )
        companies = Company.objects.bulk_create(
            (Company(igdb_id=i + 1, name=f"{rng.choice(WORDS)} Soft {i}") for i in range(800)),
            batch_size=500,
        )
        statuses = ["matched"] * 85 + ["unmatched"] * 8 + ["no_match"] * 5 + ["failed"] * 2
        rows = []
        for i in range(games_wanted):
            title, sort_title, slug = Game.title_fields(title_for(rng))
            year = rng.randint(1981, 1999) if rng.random() < 0.9 else None
            status = rng.choice(statuses)
            matched = status == "matched"
            rows.append(
                (
                    *(title, sort_title, slug, year, sort_title, status),
                    10_000 + i if matched else None,
                    date(rng.randint(1981, 1999), rng.randint(1, 12), 1) if matched else None,
                    round(rng.uniform(30, 95), 1) if matched else None,
                    rng.randint(0, 400),
                    f"A {title} summary. " * 8 if matched else "",
                    *search.columns(title).values(),
                )
            )
        cols = ["title", "sort_title", "slug", "year", "match_key", "match_status", "igdb_id"]
        cols += ["release_date", "rating", "rating_count", "summary", *search.FIELDS]
        ids = insert_rows(Game, cols, rows, return_ids=True)
        matched = [pk for pk, row in zip(ids, rows, strict=True) if row[5] == "matched"]

        images = [(pk, "cover", f"co{pk:x}", 0) for pk in matched if rng.random() < 0.95]
        images += [(pk, "screenshot", f"sc{pk:x}{n}", n) for pk in matched for n in range(2)]
        insert_rows(Image, ["game_id", "kind", "image_id", "position"], images)
        cover = Image.objects.filter(game=OuterRef("pk"), kind="cover").values("pk")[:1]
        Game.objects.update(cover_id=Subquery(cover))

        insert_rows(
            Rom,
            ["game_id", "path", "size", "mtime_ns", "parsed_title", "parsed_year"],
            [
                (pk, f"/roms/{pk % 50}/{row[0]} {pk} (Disk {d}).zip", 2**20 * d, 0, row[0], row[3])
                for pk, row in zip(ids, rows, strict=True)
                for d in (1, 2, 3)
            ],
        )
        for through, field, pool in (
            (Game.genres.through, "genre_id", genres),
            (Game.themes.through, "theme_id", themes),
        ):
            links = [(pk, o.pk) for pk in matched for o in rng.sample(pool, rng.randint(1, 3))]
            insert_rows(through, ["game_id", field], links)
        involvements = []
        for pk in matched:
            dev, pub = rng.sample(companies, 2)
            involvements.append((pk, dev.pk, True, rng.random() < 0.4))
            involvements.append((pk, pub.pk, False, True))
        insert_rows(Involvement, ["game_id", "company_id", "developer", "publisher"], involvements)
        renamed = rng.sample(matched, len(matched) // 4)
        alt = [(pk, f"{rng.choice(WORDS)} Alt {pk}", "") for pk in renamed]
        insert_rows(AlternativeName, ["game_id", "name", "comment"], alt)
        search.refresh(ids)  # with their alternative names and companies

        user = User.objects.create_user(username="bench")
        user.set_role(Role.NORMAL)
        liked = rng.sample(ids, min(200, len(ids)))
        insert_rows(Favorite, ["user_id", "game_id"], [(user.pk, pk) for pk in liked])
    return user, ids, [g.pk for g in genres]


def pct(values, p):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(port, path, cookie):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path, headers={"Cookie": cookie})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()
