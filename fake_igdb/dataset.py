"""The fake's data: normalized IGDB entity tables plus a library of filenames with answers.

`build_dataset(n_games, seed)` loads the real sample records (samples.py), then generates
DOS-era games around them (generator.py) until the games table holds `n_games` records.
Records are stored the way IGDB stores them — references as bare ids — and expanded at query
time by the engine (API_FACTS §2 "Dot notation expands references").

`Dataset.library` lists what a user would have on disk (naming.py picks the filename
convention) and the IGDB id a correct matcher must choose, or None.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

# Real ids and names (API_FACTS §7 for the platforms; genres/themes/modes/perspectives as
# listed by IGDB's own tables and seen in the sample records).
PLATFORMS = {
    3: ("Linux", "linux", "Linux", 4), 6: ("PC (Microsoft Windows)", "win", "PC", 4),
    13: ("DOS", "dos", "DOS", 4), 14: ("Mac", "mac", "Mac", 4), 16: ("Amiga", "amiga", "Amiga", 6),
    27: ("MSX", "msx", "MSX", 6), 51: ("Family Computer Disk System", "fds", "FDS", 1),
    118: ("FM Towns", "fm-towns", "FM Towns", 6),
    121: ("Sharp X68000", "sharp-x68000", "X68000", 6),
    125: ("PC-8800 Series", "pc-8800-series", "PC-88", 6),
    149: ("PC-9800 Series", "pc-9800-series", "PC-98", 6),
    405: ("Windows Mobile", "windows-mobile", "Windows Mobile", 4),
}  # fmt: skip
PLATFORM_TYPES = {1: "console", 2: "arcade", 3: "platform", 4: "operating_system",
                  5: "portable_console", 6: "computer"}  # fmt: skip
GAME_TYPES = {0: "main_game", 1: "dlc_addon", 2: "expansion", 3: "bundle",
              4: "standalone_expansion", 5: "mod", 6: "episode", 7: "season", 8: "remake",
              9: "remaster", 10: "expanded_game", 11: "port", 12: "fork", 13: "pack",
              14: "update"}  # fmt: skip
GENRES = {2: "Point-and-click", 4: "Fighting", 5: "Shooter", 8: "Platform", 9: "Puzzle",
          10: "Racing", 11: "Real Time Strategy (RTS)", 12: "Role-playing (RPG)",
          13: "Simulator", 14: "Sport", 15: "Strategy", 16: "Turn-based strategy (TBS)",
          24: "Tactical", 25: "Hack and slash/Beat 'em up", 26: "Quiz/Trivia", 30: "Pinball",
          31: "Adventure", 33: "Arcade", 35: "Card & Board Game"}  # fmt: skip
THEMES = {1: "Action", 17: "Fantasy", 18: "Science fiction", 19: "Horror", 20: "Thriller",
          21: "Survival", 22: "Historical", 23: "Stealth", 27: "Comedy", 28: "Business",
          31: "Drama", 34: "Educational", 35: "Kids", 39: "Warfare", 40: "Party",
          43: "Mystery"}  # fmt: skip
GAME_MODES = {1: "Single player", 2: "Multiplayer", 3: "Co-operative", 4: "Split screen"}
PERSPECTIVES = {1: "First person", 2: "Third person", 3: "Bird view / Isometric",
                4: "Side view", 5: "Text"}  # fmt: skip
REGIONS = {1: "europe", 2: "north_america", 3: "australia", 5: "japan", 8: "worldwide"}

# Id spaces per table: large and sparse like IGDB's, so clients cannot guess them.
_ID_SPACE = {"games": (1000, 400_000)}
_DEFAULT_SPACE = (1000, 3_000_000)
IMAGE_PREFIX = {"covers": "co", "screenshots": "sc", "artworks": "ar"}


def slugify(name: str) -> str:
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", text.replace("'", "")).strip("-")


def base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while n:
        n, r = divmod(n, 36)
        out = digits[r] + out
    return out or "0"


@dataclass(frozen=True, slots=True)
class LibraryEntry:
    filename: str
    expected_id: int | None
    kind: str


@dataclass
class Dataset:
    tables: dict[str, dict[int, dict]]
    library: list[LibraryEntry] = field(default_factory=list)
    seed: int = 1

    @property
    def games(self) -> dict[int, dict]:
        return self.tables["games"]

    def image_ids(self) -> set[str]:
        return {
            rec["image_id"]
            for table in IMAGE_PREFIX
            for rec in self.tables[table].values()
            if "image_id" in rec
        }

    def write_library(self, root) -> None:
        """The library's files under `root` (a pathlib.Path), each a few distinct bytes."""
        root.mkdir(parents=True, exist_ok=True)
        for i, entry in enumerate(self.library):
            (root / entry.filename).write_bytes(b"x" * (i + 1))

    def stats(self) -> dict:
        kinds = Counter(e.kind for e in self.library)
        traps = sum(n for k, n in kinds.items() if k not in ("plain", "sample", "accent"))
        return {
            "games": len(self.games),
            "library": len(self.library),
            "expected_none": sum(1 for e in self.library if e.expected_id is None),
            "trap_share": round(traps / max(1, len(self.library)), 3),
            "kinds": dict(sorted(kinds.items())),
            "tables": {name: len(t) for name, t in sorted(self.tables.items())},
        }


class Builder:
    """Collects records into tables, handing out unique random ids per table."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.tables: dict[str, dict[int, dict]] = {}
        self.slugs: Counter = Counter()
        for pid, (name, slug, abbr, ptype) in PLATFORMS.items():
            rec = {"id": pid, "abbreviation": abbr, "name": name, "platform_type": ptype}
            rec.update(slug=slug, url=f"https://www.igdb.com/platforms/{slug}")
            if pid == 13:
                rec["alternative_name"] = "PC DOS"
            self.put("platforms", rec)
        for tid, name in PLATFORM_TYPES.items():
            self.put("platform_types", {"id": tid, "name": name})
        for tid, name in GAME_TYPES.items():
            self.put("game_types", {"id": tid, "type": name})
        for tid, name in REGIONS.items():
            self.put("release_date_regions", {"id": tid, "region": name})
        for table, names in (("genres", GENRES), ("themes", THEMES), ("game_modes", GAME_MODES),
                             ("player_perspectives", PERSPECTIVES)):  # fmt: skip
            for tid, name in names.items():
                self.named(table, tid, name)
        for table in ("games", "alternative_names", "search", "keywords", "franchises",
                      "collections", "companies", "involved_companies", "covers",
                      "screenshots", "artworks", "release_dates"):  # fmt: skip
            self.tables.setdefault(table, {})

    def put(self, table: str, rec: dict) -> dict:
        self.tables.setdefault(table, {})[rec["id"]] = rec
        return rec

    def new_id(self, table: str) -> int:
        lo, hi = _ID_SPACE.get(table, _DEFAULT_SPACE)
        existing = self.tables.setdefault(table, {})
        while True:
            candidate = self.rng.randint(lo, hi)
            if candidate not in existing:
                existing[candidate] = {"id": candidate}  # reserve
                return candidate

    def named(self, table: str, rid: int | None, name: str, **extra) -> int:
        rid = rid if rid is not None else self.new_id(table)
        old = self.tables.get(table, {}).get(rid, {})
        slug = old.get("slug") or slugify(name)
        self.put(table, {"id": rid, "name": name, "slug": slug, **extra})
        return rid

    def unique_slug(self, name: str) -> str:
        """IGDB appends --N to repeated names (API_FACTS §10 "Same-name games")."""
        base = slugify(name)
        n = self.slugs[base]
        self.slugs[base] += 1
        return base if n == 0 else f"{base}--{n}"

    def image(self, table: str, game_id: int, rid: int | None = None, image_id: str = "") -> int:
        rid = rid if rid is not None else self.new_id(table)
        image_id = image_id or IMAGE_PREFIX[table] + base36(rid)
        w, h = (600, 800) if table == "covers" else (1280, 720)
        self.put(table, {
            "id": rid, "alpha_channel": False, "animated": False, "game": game_id, "height": h,
            "image_id": image_id, "width": w,
            "url": f"//images.igdb.com/igdb/image/upload/t_thumb/{image_id}.jpg",
        })  # fmt: skip
        return rid

    def release_date(self, game_id, platform, date, region, rid=None) -> int:
        import datetime as dt

        rid = rid if rid is not None else self.new_id("release_dates")
        rec = {"id": rid, "game": game_id, "platform": platform, "release_region": region}
        if date is not None:
            day = dt.datetime.fromtimestamp(date, dt.UTC)
            rec.update(date=date, y=day.year, m=day.month, human=day.strftime("%b %d, %Y"))
        self.put("release_dates", rec)
        return rid

    def finish(self) -> dict[str, dict[int, dict]]:
        """Derive reverse links and the /search records from the games."""
        games = self.tables["games"]
        search = self.tables["search"]
        for game in sorted(games.values(), key=lambda g: g["id"]):
            stamp = game.get("first_release_date")
            rec = {"id": self.new_id("search"), "game": game["id"], "name": game["name"]}
            search[rec["id"]] = {**rec, "published_at": stamp} if stamp else rec
            for alt_id in game.get("alternative_names", []):
                alt = self.tables["alternative_names"][alt_id]
                rec = {"id": self.new_id("search"), "alternative_name": alt["name"],
                       "game": game["id"], "name": game["name"]}  # fmt: skip
                search[rec["id"]] = rec
            for table in ("franchises", "collections"):
                for cid in game.get(table, []):
                    self.tables[table][cid].setdefault("games", []).append(game["id"])
            for ic_id in game.get("involved_companies", []):
                ic = self.tables["involved_companies"][ic_id]
                company = self.tables["companies"][ic["company"]]
                for flag, key in (("developer", "developed"), ("publisher", "published")):
                    if ic.get(flag):
                        company.setdefault(key, []).append(game["id"])
        return self.tables


def build_dataset(n_games: int = 2000, seed: int = 1) -> Dataset:
    """Deterministic for (n_games, seed): the real samples plus generated DOS-era games."""
    from .generator import generate
    from .samples import load_samples

    rng = random.Random(seed)
    builder = Builder(rng)
    library = load_samples(builder)
    library += generate(builder, rng, n_games)
    return Dataset(tables=builder.finish(), library=library, seed=seed)
