"""Pick the IGDB record for a DOS game from the results of one title search.

Pure standard library: no Django, no I/O. A wrong match is worse than none (it puts another
game's cover and description on the shelf and hides the file from review), so the rules rule
candidates *out* (different sequel number, different subtitle) and only then rank by name,
platform, year and edition. See docs/igdb/API_FACTS.md section 10 for the traps.

Score of one candidate (0..1), the best over its name and alternative names:
    title similarity   1.0 same title; 0.97 same but for a "the"; 0.95 / 0.85 subtitle only on
                       one side (numbered / unnumbered main title); 0.75 + 0.1 x bigram Dice
                       for a typo in one long word; 0.7 x bigram Dice otherwise;
                       0 when the numbers differ or both subtitles exist and differ
  - 0.01 matched an alternative name rather than the record's own name
  - year               0 exact, 0.02 for +-1 or unknown, 0.08 for +-2, 0.2 beyond
  - 0.10 not on DOS (PC-only port or re-release)
  - 0.05 game_type other than main game; - 0.05 has a version_parent (an edition)
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import IntEnum
from functools import lru_cache

__all__ = [
    "DOS", "PC", "PLATFORM_FILTER", "SEARCH_FIELDS", "THRESHOLD", "Candidate", "Match", "Platform",
    "normalize_title", "pick", "score", "search_query",
]  # fmt: skip


class Platform(IntEnum):
    """IGDB's ids of the only two platforms a search asks for; DOS ranks first."""

    DOS = 13
    PC = 6


DOS, PC = Platform.DOS, Platform.PC
PLATFORM_FILTER = f"where platforms = ({','.join(str(int(p)) for p in Platform)})"
# Used as `fields {SEARCH_FIELDS}; search "..."; {PLATFORM_FILTER}; limit 10;`.
SEARCH_FIELDS = (
    "name,alternative_names.name,first_release_date,platforms,game_type,version_parent,"
    "release_dates.y,release_dates.platform,cover.image_id"
)
# Exact name on DOS passes even with a year far off (0.8); an exact-name PC re-release 3+ years
# away from the file's year (Wolfenstein 3D 2007 vs 1992) does not (0.7), nor does an extra
# unnumbered subtitle 3+ years away (Wing Commander vs Wing Commander: Privateer, 0.65).
THRESHOLD = 0.75
MAX_CANDIDATES = 5

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Characters NFKD does not fold to ASCII, and apostrophes, which must join ("LeChuck's").
_FOLD = str.maketrans(
    {"ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ø": "o", "Ø": "O", "ł": "l",
     "Ł": "L", "đ": "d", "Đ": "D", "þ": "th", "Þ": "Th", "'": "", "\u2019": "", "\u2018": "",
     "`": "", "\u00b4": ""}
)  # fmt: skip
# Subtitle separators: " - " (TOSEC, eXoDOS), "X- Y" (TDC), also with en/em dashes; and ":".
_QUERY_SEPARATOR = re.compile(r"\s+[-\u2013\u2014]+\s+|(?<=\S)[-\u2013\u2014]+\s+")
_SEPARATOR = re.compile(r"\s*:\s*|" + _QUERY_SEPARATOR.pattern)
_MOVED_ARTICLE = re.compile(r",\s*(?:the|an|a)\s*$")
_WORD = re.compile(r"[a-z0-9]+")
_DIGITS = re.compile(r"[0-9]+")
_ARTICLES = frozenset(("the", "a", "an"))
_ROMANS = "i ii iii iv v vi vii viii ix x xi xii xiii xiv xv xvi xvii xviii xix xx".split()
_ROMAN = {r: n for n, r in enumerate(_ROMANS, 1)}
_NUMBERS = "one two three four five six seven eight nine ten".split()
_NUMBER_WORDS = {w: n for n, w in enumerate(_NUMBERS, 1)}
# After these words a numeral is certainly a number ("Part Two", "Episode IV", "Vol. I").
_COUNTERS = frozenset("part episode chapter volume vol book act disk".split())
# IGDB game_type 0 is "main game"; absent means the same.
_MAIN_GAME = (None, 0)


@dataclass(frozen=True, slots=True)
class Candidate:
    id: int
    name: str
    year: int | None  # year of first_release_date (UTC)
    dos_year: int | None  # earliest release_dates[].y on DOS
    platforms: tuple[int, ...]
    game_type: int | None  # 0 main game, 8 remake, 9 remaster, 11 port, ...; absent: None
    version_parent: int | None
    alternative_names: tuple[str, ...]
    # The cover's image id: not for matching, but kept with the candidates for a person to see.
    cover: str | None = None

    @classmethod
    def from_igdb(cls, record: dict) -> Candidate:
        """Build from an IGDB record; missing fields (IGDB omits them) become None or ()."""
        dates = [rd for rd in record.get("release_dates") or () if isinstance(rd, dict)]
        dos_years = [
            rd["y"] for rd in dates if _ref(rd.get("platform")) == DOS and _int(rd.get("y"))
        ]
        stamp = _int(record.get("first_release_date"))
        if stamp is not None:
            year = (_EPOCH + timedelta(seconds=stamp)).year  # timedelta: works before 1970
        else:  # not sent (unknown, or an older capture): the earliest dated release instead
            year = min((rd["y"] for rd in dates if _int(rd.get("y"))), default=None)
        platforms = record.get("platforms") or ()
        alt_names = (
            a.get("name") if isinstance(a, dict) else a
            for a in record.get("alternative_names") or ()
        )
        return cls(
            id=_int(record.get("id")) or 0,
            name=record.get("name") if isinstance(record.get("name"), str) else "",
            year=year,
            dos_year=min(dos_years) if dos_years else None,
            platforms=tuple(dict.fromkeys(p for p in map(_ref, platforms) if p)),
            game_type=_ref(record.get("game_type")),
            version_parent=_ref(record.get("version_parent")),
            alternative_names=tuple(a for a in alt_names if isinstance(a, str) and a.strip()),
            cover=_image_id(record.get("cover")),
        )

    @property
    def on_dos(self) -> bool:
        return DOS in self.platforms or self.dos_year is not None


@dataclass(frozen=True, slots=True)
class Match:
    igdb_id: int | None  # None: no confident match
    score: float
    # {"id", "name", "year", "platforms", "score"} and "cover" (image id) if any, best first
    candidates: tuple[dict, ...]


def _image_id(cover) -> str | None:
    image_id = cover.get("image_id") if isinstance(cover, dict) else None
    return image_id if isinstance(image_id, str) and image_id else None


def _int(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _ref(value) -> int | None:
    """An id that IGDB may send bare (42) or expanded ({"id": 42, ...})."""
    return _int(value.get("id")) if isinstance(value, dict) else _int(value)


def search_query(title: str) -> str:
    """The text for `search "..."`: subtitle separators as ": ", no double quotes (they would
    end the Apicalypse string) nor backslashes, whitespace collapsed. Never empty, because one
    bad title must not break the multiquery it is batched in: an empty title searches
    "untitled", and pick() never matches an empty title."""
    text = title.replace('"', "").replace("\\", " ")
    text = " ".join(_QUERY_SEPARATOR.sub(": ", text).split())
    return text or "untitled"


_SEQUEL_NUMBER = re.compile(r"\b(?:[1-9]|1[0-9]|20|[IVX]{2,5})\b")


def alternate_query(title: str) -> str | None:
    """The search text with its last sequel number written the other way ("Dragon 2" ->
    "Dragon II", "Legacy II" -> "Legacy 2"), for a second search when the first found nothing:
    IGDB's search does not treat the two as equal."""
    query = search_query(title)
    main = _QUERY_SEPARATOR.split(query.replace(": ", " - "), maxsplit=1)[0]
    numbers = list(_SEQUEL_NUMBER.finditer(main))
    if not numbers:
        return None
    found = numbers[-1]
    token = found.group()
    if token.isdigit():
        other = _ROMANS[int(token) - 1].upper()
    elif token.lower() in _ROMAN:
        other = str(_ROMAN[token.lower()])
    else:
        return None
    return query[: found.start()] + other + query[found.end() :]


@dataclass(frozen=True, slots=True)
class _Title:
    text: str  # normalize_title()
    main: str  # main title, spaces removed ("Sim City" = "SimCity")
    sub: str  # subtitle, spaces removed; "" if none
    full: str  # main + sub
    words: tuple[str, ...]  # main + sub words, without "and" and "the"
    bare: str  # full without any "the" ("Ultima VII The Black Gate" = "Ultima VII: ...")
    numbers: tuple[int, ...]
    numbered: bool  # the main title carries a number (a sequel or episode)
    exact: str  # every word, articles and "and" included: tells "The X" from "X"


def _fold(text: str) -> str:
    text = text.translate(_FOLD)
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return text.lower().replace("&", " and ")


def _words(part: str, first: bool) -> list[str]:
    words = _WORD.findall(_MOVED_ARTICLE.sub("", part.strip()))
    if len(words) > 1 and words[0] in _ARTICLES:
        del words[0]
    last = len(words) - 1
    for i, word in enumerate(words):
        after_counter = i > 0 and words[i - 1] in _COUNTERS
        if word.isdigit():
            words[i] = str(int(word))  # "Keen 04" = "Keen 4"
        elif word in _ROMAN:
            # "I", "V", "X" are words or letters unless they end a title part or follow a
            # counter ("X-COM", "I Have No Mouth"); longer numerals are never words, but a
            # title that starts with one is a name.
            if after_counter or (i == last > 0) or (len(word) > 1 and not (first and i == 0)):
                words[i] = str(_ROMAN[word])
        elif after_counter and word in _NUMBER_WORDS:
            words[i] = str(_NUMBER_WORDS[word])
    return words


def _main_and_sub(title: str) -> tuple[list[str], list[str]]:
    """The normalised words of the title and of its subtitle."""
    parts = [p for p in _SEPARATOR.split(_fold(title), maxsplit=1) if p.strip()]
    main = _words(parts[0], True) if parts else []
    sub = _words(parts[1], False) if len(parts) > 1 else []
    if not main:  # ": Subtitle" or a subtitle-only title: treat it as the title
        main, sub = sub, []
    return main, sub


def title_words(title: str) -> str:
    """normalize_title's words without the subtitle's colon: "ultima 7 black gate". A third of
    normalize_title's time (no comparison forms), for search's columns of every new game."""
    main, sub = _main_and_sub(title)
    return " ".join(main + sub)


@lru_cache(maxsize=16384)
def _parse(title: str) -> _Title:
    main, sub = _main_and_sub(title)
    numbers = tuple(int(d) for w in main + sub for d in _DIGITS.findall(w))
    text = " ".join(main) + (": " + " ".join(sub) if sub else "")
    # "&" and "and" are often dropped from filenames ("legacy_empire.zip" for "Legacy &
    # Empire"): they do not count when comparing.
    main_words = [w for w in main if w != "and"]
    sub_words = [w for w in sub if w != "and"]
    return _Title(
        text=text,
        main="".join(main_words),
        sub="".join(sub_words),
        full="".join(main_words + sub_words),
        bare="".join(w for w in main_words + sub_words if w != "the"),
        numbers=numbers,
        numbered=any(w.isdigit() for w in main),
        words=tuple(w for w in main_words + sub_words if w != "the"),
        exact=" ".join(_WORD.findall(_fold(_MOVED_ARTICLE.sub("", title))))
        + (" the" if _MOVED_ARTICLE.search(_fold(title)) else ""),
    )


def normalize_title(title: str) -> str:
    """Comparison form: ASCII, lower case, "and" for "&", no punctuation, no leading or moved
    article, numerals as digits, subtitle after ": ". "Dig, The" -> "dig";
    "Ultima VII - The Black Gate" -> "ultima 7: black gate"."""
    return _parse(title).text


@lru_cache(maxsize=16384)
def _bigrams(text: str) -> frozenset[str]:
    return frozenset(text[i : i + 2] for i in range(len(text) - 1)) or frozenset((text,))


def _dice(a: str, b: str) -> float:
    """Sorensen-Dice over character bigrams: cheap, and forgiving of a typo or a joined word."""
    x, y = _bigrams(a), _bigrams(b)
    return 2 * len(x & y) / (len(x) + len(y))


def _title_similarity(q: _Title, c: _Title) -> float:
    if not q.full or not c.full or q.numbers != c.numbers:
        return 0.0  # a different sequel / episode number is a different game
    if q.full == c.full:
        # "The Turbo Sorcerer" and "Turbo Sorcerer", "Sword & Serpent" and "Sword Serpent"
        # can be two games: the exact form wins where both exist.
        return 1.0 if sorted(q.exact.split()) == sorted(c.exact.split()) else 0.98
    if q.main == c.main:
        if not (q.sub and c.sub):
            # Subtitle on one side only. After a number it names that episode ("Ultima VII: The
            # Black Gate"); without one it may be another game of the series ("Wing Commander:
            # Privateer"), so the year has to vouch for it.
            return 0.95 if q.numbered else 0.85
        if _dice(q.sub, c.sub) < 0.8:  # two different subtitles: another game
            return 0.0
        # else a typo in the subtitle: judged as a whole title below
    if q.bare == c.bare:
        return 0.97
    # A typo in one word ("Blak Gate") keeps the words in place; the same words in another
    # order are another game ("Quest Sorcerer" is not "Sorcerer Quest").
    # Short words and one-word titles are left alone: "Doom" is not "Boom".
    if len(q.words) == len(c.words) >= 2:
        differ = [(a, b) for a, b in zip(q.words, c.words, strict=True) if a != b]
        if len(differ) == 1 and min(map(len, differ[0])) >= 4 and _dice(*differ[0]) >= 0.5:
            return 0.75 + 0.1 * _dice(q.full, c.full)
    return 0.7 * _dice(q.full, c.full)


def _year_penalty(year: int | None, candidate: Candidate) -> float:
    theirs = candidate.dos_year or candidate.year
    if year is None or theirs is None:
        return 0.02
    diff = abs(year - theirs)
    return 0.0 if diff == 0 else 0.02 if diff == 1 else 0.08 if diff == 2 else 0.2


def _score(q: _Title, year: int | None, candidate: Candidate) -> float:
    best = _title_similarity(q, _parse(candidate.name)) if candidate.name else 0.0
    for alt in candidate.alternative_names:
        if best >= 0.99:
            break
        best = max(best, _title_similarity(q, _parse(alt)) - 0.01)
    if best <= 0:
        return 0.0
    best -= _year_penalty(year, candidate)
    best -= 0.0 if candidate.on_dos else 0.1
    best -= 0.0 if candidate.game_type in _MAIN_GAME else 0.05
    best -= 0.0 if candidate.version_parent is None else 0.05
    return round(min(1.0, max(0.0, best)), 4)


def score(title: str, year: int | None, candidate: Candidate) -> float:
    """How well `candidate` fits the file's title and year, 0..1 (see the module docstring)."""
    return _score(_parse(title), year, candidate)


def pick(title: str, year: int | None, results: list[dict], threshold: float = THRESHOLD) -> Match:
    """The confident match among one search's results, or igdb_id=None.

    Order: DOS candidates at or above the threshold first (a PC-only record only counts when no
    DOS record does), then score, then the earliest year (dos_year, else year; unknown last),
    then the lowest id (IGDB's older record; same-name duplicates get later "--N" slugs).
    If the top two of the same group tie on score the title is ambiguous ("Wing Commander" vs
    ": Privateer" and ": Armada", or two DOS games of one name and a file without a year) and
    nothing is picked.
    """
    q = _parse(title)
    seen: set[int] = set()
    scored: list[tuple[float, Candidate]] = []
    for record in results or ():
        if not isinstance(record, dict):
            continue
        candidate = Candidate.from_igdb(record)
        if candidate.id <= 0 or candidate.id in seen or not candidate.name:
            continue
        seen.add(candidate.id)
        scored.append((_score(q, year, candidate), candidate))

    def rank(item: tuple[float, Candidate]) -> tuple:
        value, c = item
        when = c.dos_year or c.year
        return (not (c.on_dos and value >= threshold), -value, when is None, when or 0, c.id)

    scored.sort(key=rank)
    summary = tuple(
        {"id": c.id, "name": c.name, "year": c.dos_year or c.year, "platforms": list(c.platforms),
         "score": value, **({"cover": c.cover} if c.cover else {})}
        for value, c in scored[:MAX_CANDIDATES]
    )  # fmt: skip
    if not scored or scored[0][0] < threshold:
        return Match(None, scored[0][0] if scored else 0.0, summary)
    top_score, top = scored[0]
    if any(rank((value, c))[:2] == rank(scored[0])[:2] for value, c in scored[1:]):
        # Two records fit equally well: two DOS games called "Blackjack" and a file without a
        # year. A guess would be wrong half the time; leave it for review.
        return Match(None, top_score, summary)
    return Match(top.id, top_score, summary)
