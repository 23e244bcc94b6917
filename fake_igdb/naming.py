"""Filenames the way DOS collections write them (scraper/tests/data/dos_filenames.tsv).

* TOSEC: ``Flintstones, The - Dino (1990)(Hi-Tech Expressions)(Disk 1 of 2)[a].zip``
  (unknown year: ``(19xx)``)
* eXoDOS: ``Dig, The (1995).zip``: ": " becomes " - " and a leading article moves to the end.
* TDC: ``Bard's Tale III- Thief of Fate, The v1.1 [SW] (1993)(Publisher, Inc.) [Action].zip``
* libretro: ``Title (1993).zip`` or just ``Title.zip``
* PureDOS: ``Title (1993) (Publisher).dosz``
* loose user names: ``iron_fortress_2.zip``, ``Iron.Fortress.2.1993.zip``
"""

from __future__ import annotations

import random
import re
import unicodedata

CONVENTIONS = ("tosec", "exodos", "tdc", "libretro", "puredos", "loose")
_WEIGHTS = (25, 30, 12, 15, 10, 8)
_ARTICLES = ("The ", "A ", "An ")


def ascii_fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c))


def _move_article(text: str) -> str:
    for article in _ARTICLES:
        if text.startswith(article) and len(text) > len(article):
            return f"{text[len(article) :]}, {article.strip()}"
    return text


def _clean(text: str) -> str:
    return re.sub(r'[?*"<>|/\\]', "", text).strip()


def filename(
    rng: random.Random,
    title: str,
    year: int | None,
    publisher: str = "",
    genre: str = "",
    convention: str | None = None,
) -> str:
    """One plausible on-disk name for `title`; `year=None` leaves the year out."""
    convention = convention or rng.choices(CONVENTIONS, _WEIGHTS)[0]
    if rng.random() < 0.9:  # most archives are plain ASCII
        title = ascii_fold(title)
    publisher = _clean(ascii_fold(publisher)) or "Unknown"
    genre = re.split(r"[/(]", genre)[0].strip()  # TDC tags: "[Role-playing]", "[Hack and slash]"
    main, _, sub = title.partition(": ")
    if convention == "tosec":
        name = _move_article(main) + (f" - {sub}" if sub else "")
        version = f" v1.{rng.randint(0, 4)}" if rng.random() < 0.2 else ""
        disks = rng.choice(["", "", "", "(Disk 1 of 2)", "(Disk 1 of 3)"])
        flags = rng.choice(["", "", "", "[a]", "[cr]", "[!]"])
        return _clean(f"{name}{version} ({year or '19xx'})({publisher}){disks}{flags}") + ".zip"
    if convention == "tdc":
        name = _move_article(title.replace(": ", "- "))
        version = f" v{rng.randint(1, 3)}.{rng.randint(0, 9)}" if rng.random() < 0.5 else ""
        sw = " [SW]" if rng.random() < 0.3 else ""
        inc = rng.choice(["", ", Inc.", " Ltd."])
        tail = f" ({year})({publisher}{inc})" if year else f" ({publisher}{inc})"
        return _clean(f"{name}{version}{sw}{tail} [{genre or 'Action'}]") + ".zip"
    if convention == "loose":
        base = re.sub(r"[^A-Za-z0-9]+", " ", ascii_fold(title).replace("'", "")).split()
        if rng.random() < 0.5:
            parts = [w.lower() for w in base] + ([str(year)] if year and rng.random() < 0.5 else [])
            return "_".join(parts) + ".zip"
        return ".".join(base + ([str(year)] if year else [])) + ".zip"
    name = _move_article(title.replace(": ", " - "))
    if convention == "puredos":
        extra = rng.choice(["", "", " (Installation)"])
        years = f" ({year})" if year else ""
        return _clean(f"{name}{years} ({publisher}){extra}") + ".dosz"
    # exodos and libretro look alike: Title (Year).zip
    return _clean(f"{name} ({year})" if year else name) + ".zip"
