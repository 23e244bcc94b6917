"""Generated DOS-era games, grouped so the library carries the traps real IGDB has.

Each group adds game records through `Builder` and returns the library entries for it
(API_FACTS §10 "Same-name games" and "DOS specifics" describe the traps):

  plain             a unique DOS game                                   -> its id
  accent            the same, but the IGDB name has accents (Château…)  -> its id
  same_name         DOS original + same-name PC re-release (slug --N), sometimes a remake
                    (game_type 8) or an edition (version_parent set)    -> the DOS original
  same_name_noyear  the same, filename without a year                  -> the DOS original
  sequel            "T", "T 2"/"T II: Sub", "T III"                       -> that number
  sequel_missing    a sequel number IGDB does not have                  -> None
  pc_only           the game exists only on platform 6                   -> that record
  subtitle          "T: The A" vs "T: The B"                             -> the right one
  alt_name          the file uses an alternative (e.g. European) name   -> its id
  homonym           two unrelated DOS games with one generic name, file with year -> by year
  ambiguous         the same, file without year: too ambiguous          -> None
  not_on_igdb       homebrew / shareware IGDB never heard of            -> None
"""

from __future__ import annotations

import calendar
import random
import time

from .dataset import GENRES, PERSPECTIVES, THEMES, Builder, LibraryEntry
from .engine import fold
from .naming import filename

ADJ = ("Crimson Silent Iron Shadow Golden Frozen Burning Hidden Lost Eternal Savage Broken "
       "Electric Cosmic Dark Twisted Royal Ancient Hollow Wild Mystic Steel Neon Forgotten "
       "Scarlet Atomic Phantom Thunder Obsidian Emerald Galactic Radiant Rogue Stellar Turbo "
       "Sacred Infernal Arctic Desert Midnight Velvet Copper Grim Brave Lunar").split()  # fmt: skip
NOUN = ("Fortress Dungeon Quest Empire Legacy Knight Warrior Galaxy Citadel Dragon Labyrinth "
        "Kingdom Odyssey Pilot Commander Crusade Frontier Tower Island Sorcerer Raider Voyage "
        "Horizon Sword Crystal Planet Engine Rally Tactics Station Outpost Serpent Phoenix Wizard "
        "Temple Harbor Falcon Gambit Colony Reactor Mansion Circuit Arena Inferno Nexus Vortex "
        "Bandit Rebel Sentinel Goblin Pirate Tank Squadron Castle Jungle Caverns"
        ).split()  # fmt: skip
NAMES = ("Zak", "Murphy", "Captain Rex", "Agent Moss", "Professor Pike", "Lady Ash", "Baron Kurz",
         "Dr. Vance", "Max Power", "Sam Ortega", "Jill", "Nova", "Tobias", "Grimwald", "Ulrich",
         "Bubba", "Rosco", "Elena", "Kato", "Sir Percival")  # fmt: skip
ACCENTED = ("Château", "Légende", "Café", "Élan", "Señor", "Über", "Fête", "Mañana", "Crème",
            "Déjà", "Naïve", "Garçon", "Tête")  # fmt: skip
GENERIC = ("Blackjack Chess Solitaire Poker Checkers Backgammon Mahjong Reversi Hangman Yahtzee "
           "Dominoes Snake Breakout Pinball Golf Tennis Baseball Bowling Darts Billiards Bridge "
           "Cribbage Hearts Minefield Othello Boxing Skiing Trivia Keno Craps").split()  # fmt: skip
SYLLABLES = "zan tor ix qua xel mo fru bik zor pex lum dra vok nib yar gu ska tre".split()
CO_WORDS = ("Apex Brightstar Copperline Delta Epoch Firefly Granite Helix Ionic Juniper Keystone "
            "Lodestar Magnetic Northwind Onyx Paragon Quantum Redwood Sapphire Tangent Umbra "
            "Vector Wavefront Xenon Zenith Bluemoon Blackcat Silverfox Redorb Starlight"
            ).split()  # fmt: skip
CO_SUFFIX = ("Software", "Games", "Interactive", "Entertainment", "Studios", "Productions",
             "Soft", "Development")  # fmt: skip
ROMAN = {2: "II", 3: "III", 4: "IV", 5: "V"}
SUMMARY = ("{name} is a {genre} game released for DOS in {year}. {hook} "
           "Developed by {dev}, it was praised for its {praise}.")  # fmt: skip
HOOKS = ("Fight your way through twenty levels of danger.", "Build, explore and conquer.",
         "Solve puzzles to escape before time runs out.", "Lead your squad to victory.",
         "A sprawling adventure with dozens of characters.")  # fmt: skip
PRAISE = ("VGA graphics", "AdLib soundtrack", "tight controls", "humour", "depth", "level design")
# Group weights: ~30% of the library entries end up as traps (see module docstring).
GROUPS = {"plain": 70, "filler": 10, "same_name": 5, "sequel": 3, "pc_only": 3, "subtitle": 2,
          "alt_name": 3, "homonym": 1, "not_on_igdb": 3}  # fmt: skip


def _year(rng: random.Random) -> int:
    return min(1999, max(1981, round(rng.triangular(1981, 2000, 1993))))


def _timestamp(rng: random.Random, year: int) -> int:
    return calendar.timegm((year, rng.randint(1, 12), rng.randint(1, 28), 0, 0, 0))


class Generator:
    def __init__(self, b: Builder, rng: random.Random):
        self.b, self.rng = b, rng
        self.mains: set[str] = {fold(g["name"].partition(": ")[0])
                                for g in b.tables["games"].values()}  # fmt: skip
        names = sorted({f"{w} {s}" for w in CO_WORDS for s in CO_SUFFIX})
        self.companies = [b.named("companies", None, n) for n in rng.sample(names, 120)]
        self.keywords = [b.named("keywords", None, w.lower()) for w in NOUN[:40]]
        self.generic = list(GENERIC)
        rng.shuffle(self.generic)

    # --- names ----------------------------------------------------------------------------

    def title(self, subtitle_chance: float = 0.25) -> str:
        """A fresh title whose main part (before ": ") is unused."""
        rng = self.rng
        while True:
            a, n, n2 = rng.choice(ADJ), rng.choice(NOUN), rng.choice(NOUN)
            main = rng.choice((
                f"{a} {n}", f"{a} {n}", f"{n} of the {a} {n2}", f"The {a} {n}",
                f"{rng.choice(NAMES)}'s {n}", f"{n} & {n2}", f"{n} {n2}",
                f"{rng.choice(ACCENTED)} {n}", f"{a} {n} {rng.randint(1990, 2099)}",
            ))  # fmt: skip
            if n == n2 or fold(main) in self.mains:
                continue
            self.mains.add(fold(main))
            if rng.random() < subtitle_chance:
                return f"{main}: {self.subtitle()}"
            return main

    def subtitle(self) -> str:
        rng = self.rng
        a, n = rng.choice(ADJ), rng.choice(NOUN)
        return rng.choice((
            f"Return of the {n}", f"Rise of the {a} {n}", f"The {a} {n}",
            f"Revenge of {rng.choice(NAMES)}", f"Battle for the {n}", f"Operation {n}",
            f"The Final {n}", f"Escape from the {a} {n}",
        ))  # fmt: skip

    # --- records --------------------------------------------------------------------------

    def game(self, name, year, platforms, *, game_type=0, slug=None, alt=(), **extra) -> dict:
        b, rng = self.b, self.rng
        gid = b.new_id("games")
        dev, pub = rng.choice(self.companies), rng.choice(self.companies)
        ics = []
        for company, is_dev, is_pub in ((dev, True, dev == pub), (pub, False, True)):
            if is_dev or company != dev:
                ics.append(b.put("involved_companies", {
                    "id": b.new_id("involved_companies"), "company": company, "developer": is_dev,
                    "game": gid, "porting": False, "publisher": is_pub, "supporting": False,
                })["id"])  # fmt: skip
        genres = rng.sample(sorted(GENRES), rng.randint(1, 3))
        dates = []
        for i, platform in enumerate(platforms):
            y = year if i == 0 else min(year + rng.choice((0, 0, 1)), 2024)
            for j, region in enumerate(rng.sample((2, 1, 8), rng.randint(1, 2))):
                undated = (i or j) and rng.random() < 0.05  # IGDB has some dateless rows
                stamp = None if undated else _timestamp(rng, y)
                dates.append(b.release_date(gid, platform, stamp, region))
        stamps = [b.tables["release_dates"][d].get("date") for d in dates]
        rec = {
            "id": gid, "game_type": game_type, "name": name, "slug": slug or b.unique_slug(name),
            "first_release_date": min(s for s in stamps if s), "genres": genres,
            "themes": rng.sample(sorted(THEMES), rng.randint(0, 3)),
            "game_modes": [1, 2] if rng.random() < 0.3 else [1],
            "player_perspectives": [rng.choice(sorted(PERSPECTIVES))],
            "keywords": rng.sample(self.keywords, rng.randint(0, 3)),
            "involved_companies": ics, "platforms": list(platforms), "release_dates": dates,
            "screenshots": [b.image("screenshots", gid) for _ in range(rng.randint(0, 5))],
            "artworks": [b.image("artworks", gid) for _ in range(rng.randint(0, 2))],
            "summary": SUMMARY.format(
                name=name, genre=GENRES[genres[0]].lower(), year=year, hook=rng.choice(HOOKS),
                dev=b.tables["companies"][dev]["name"], praise=rng.choice(PRAISE)),
            **extra,
        }  # fmt: skip
        rec["url"] = f"https://www.igdb.com/games/{rec['slug']}"
        if rng.random() < 0.92:
            rec["cover"] = b.image("covers", gid)
        if rng.random() < 0.2:
            rec["storyline"] = f"{rng.choice(HOOKS)} {rng.choice(HOOKS)}"
        if rng.random() < 0.6:
            rec["rating"], rec["rating_count"] = rng.uniform(40, 95), rng.randint(1, 400)
        if rng.random() < 0.3:
            rec["aggregated_rating"] = rng.uniform(40, 95)
            rec["aggregated_rating_count"] = rng.randint(1, 12)
        alt_ids = []
        for alt_name, comment in alt:
            alt_ids.append(b.put("alternative_names", {
                "id": b.new_id("alternative_names"), "comment": comment, "game": gid,
                "name": alt_name})["id"])  # fmt: skip
        rec["alternative_names"] = alt_ids
        return b.put("games", rec)

    def entry(self, game: dict | None, title: str, year, kind: str, expected="game", **kw):
        publisher, genre = "", ""
        if game:
            ics = [self.b.tables["involved_companies"][i] for i in game["involved_companies"]]
            pubs = [ic["company"] for ic in ics if ic["publisher"]] or [ics[0]["company"]]
            publisher = self.b.tables["companies"][pubs[0]]["name"]
            genre = GENRES[game["genres"][0]]
        expected_id = game["id"] if expected == "game" and game else expected
        name = filename(self.rng, title, year, publisher, genre, **kw)
        return LibraryEntry(name, expected_id, kind)

    def dos_platforms(self) -> list[int]:
        return [13] + [p for p in (16, 14) if self.rng.random() < 0.15]

    # --- groups ---------------------------------------------------------------------------

    def plain(self) -> list[LibraryEntry]:
        name, year = self.title(), _year(self.rng)
        alt = [(self.title(0), "Working title")] if self.rng.random() < 0.1 else []
        game = self.game(name, year, self.dos_platforms(), alt=alt)
        kind = "plain" if name.isascii() else "accent"
        return [self.entry(game, name, None if self.rng.random() < 0.12 else year, kind)]

    def filler(self) -> list[LibraryEntry]:  # on IGDB, never on the user's disk
        platforms = self.rng.choice(([16], [14], [16, 14], [6]))
        year = _year(self.rng) if platforms != [6] else self.rng.randint(2000, 2020)
        self.game(self.title(), year, platforms)
        return []

    def same_name(self) -> list[LibraryEntry]:
        rng, b = self.rng, self.b
        name, year = self.title(0.15), rng.randint(1986, 1998)
        slugs = [b.unique_slug(name), b.unique_slug(name)]
        if rng.random() < 0.5:  # sometimes the re-release got the plain slug, like Wolf3D's --1
            slugs.reverse()
        original = self.game(name, year, self.dos_platforms(), slug=slugs[0])
        rerelease_platforms = rng.choice(([6], [6, 14], [6, 14, 3]))
        self.game(name, rng.randint(2006, 2019), rerelease_platforms, slug=slugs[1])
        if rng.random() < 0.4:
            self.game(name, rng.randint(2010, 2022), [6], game_type=8)
        if rng.random() < 0.3:
            edition = rng.choice(("Deluxe Edition", "CD-ROM Edition", "Collector's Edition"))
            self.game(name, year + rng.choice((0, 1)), [13], version_parent=original["id"],
                      version_title=edition)  # fmt: skip
        out = [self.entry(original, name, year, "same_name")]
        if rng.random() < 0.5:
            out.append(self.entry(original, name, None, "same_name_noyear"))
        return out

    def sequel(self) -> list[LibraryEntry]:
        rng = self.rng
        base, year = self.title(0), rng.randint(1983, 1994)
        roman = rng.random() < 0.5
        count = rng.randint(2, 4)
        collection = self.b.named("collections", None, base)
        franchise = self.b.named("franchises", None, base)
        out = []
        for k in range(1, count + 2):
            number = (ROMAN[k] if roman else str(k)) if k > 1 else ""
            name = f"{base} {number}".strip()
            if k > 1 and rng.random() < 0.4:
                name += f": {self.subtitle()}"
            year += rng.randint(1, 2) if k > 1 else 0
            # the file may spell the number the other way, or drop the subtitle
            file_title = name
            if k > 1 and rng.random() < 0.25:
                file_title = f"{base} {str(k) if roman else ROMAN[k]}"
            if k > count:  # one past the last real sequel
                if rng.random() < 0.4:
                    out.append(self.entry(None, file_title, year, "sequel_missing", None))
                break
            extra = {"collections": [collection], "franchises": [franchise]}
            game = self.game(name, year, self.dos_platforms(), **extra)
            out.append(self.entry(game, file_title, year, "sequel"))
        return out

    def pc_only(self) -> list[LibraryEntry]:
        name, year = self.title(), self.rng.randint(1995, 1999)
        return [self.entry(self.game(name, year, [6]), name, year, "pc_only")]

    def subtitle_pair(self) -> list[LibraryEntry]:
        rng = self.rng
        base, year = self.title(0), rng.randint(1985, 1996)
        games = []
        while len(games) < 2:
            sub = self.subtitle()
            if sub.startswith("The ") and all(not g["name"].endswith(sub) for g in games):
                games.append(self.game(f"{base}: {sub}", year, self.dos_platforms()))
                year += rng.randint(1, 3)
        picks = games if rng.random() < 0.6 else [rng.choice(games)]
        return [self.entry(g, g["name"], _first_year(self.b, g), "subtitle") for g in picks]

    def alt_name(self) -> list[LibraryEntry]:
        rng = self.rng
        name, alt, year = self.title(), self.title(0), _year(rng)
        comment = rng.choice(("European title", "Alternative title", "Working title"))
        game = self.game(name, year, self.dos_platforms(), alt=[(alt, comment)])
        return [self.entry(game, alt, year, "alt_name")]

    def homonym(self) -> list[LibraryEntry]:
        if not self.generic:
            return self.plain()
        rng, name = self.rng, self.generic.pop()
        self.mains.add(fold(name))
        y1 = rng.randint(1982, 1990)
        games = [self.game(name, y, [13]) for y in (y1, y1 + rng.randint(2, 6))]
        pick = rng.choice(games)
        return [self.entry(pick, name, _first_year(self.b, pick), "homonym"),
                self.entry(None, name, None, "ambiguous", None)]  # fmt: skip

    def not_on_igdb(self) -> list[LibraryEntry]:
        rng = self.rng
        word = "".join(rng.choice(SYLLABLES) for _ in range(3)).capitalize()
        name = rng.choice((word, f"{word} Deluxe", f"Mega {word}", f"{word} {rng.choice(NOUN)}"))
        if fold(name) in self.mains:
            return self.not_on_igdb()
        self.mains.add(fold(name))
        kw = {"convention": rng.choice(("tosec", "tdc", "loose"))}
        return [self.entry(None, name, _year(rng), "not_on_igdb", None, **kw)]


def _first_year(b: Builder, game: dict) -> int:
    return time.gmtime(game["first_release_date"]).tm_year


def generate(b: Builder, rng: random.Random, n_games: int) -> list[LibraryEntry]:
    gen = Generator(b, rng)
    kinds, weights = zip(*GROUPS.items(), strict=True)
    handlers = {k: getattr(gen, "subtitle_pair" if k == "subtitle" else k) for k in kinds}
    library: list[LibraryEntry] = []
    while len(b.tables["games"]) < n_games:
        kind = rng.choices(kinds, weights)[0]
        if n_games - len(b.tables["games"]) < 5:  # groups add up to 4 games: end exactly
            kind = "plain"
        library += handlers[kind]()
    return library
