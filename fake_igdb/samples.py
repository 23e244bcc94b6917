"""Turns the real recorded IGDB game records into rows of the normalized tables.

The samples (docs/igdb/*LizardByte-GameDB.json, described in the README there)
are expanded responses; here every expanded object goes to its own table and the game keeps
bare ids, so the fake can re-expand them any way a query asks. Real ids, names, slugs, dates,
platforms, genres, companies, covers and screenshots are kept. Fields the fake does not model
(age_ratings, external_games, videos) are dropped.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from .dataset import Builder, LibraryEntry

# Shared with the scraper's own tests (matching, importer), which read the same real records.
DATA_DIR = Path(__file__).resolve().parent.parent / "docs" / "igdb"
SAMPLE_FILES = (
    "doom_673__LizardByte-GameDB.json",
    "wolfenstein-3d--1_262516_DOS__LizardByte-GameDB.json",
    "wolfenstein-3d--7_306982_PC-rerelease__LizardByte-GameDB.json",
    "ishido_14525__LizardByte-GameDB.json",
)
_SCALARS = ("name", "slug", "url", "summary", "storyline", "rating", "aggregated_rating")
_NAMED_LISTS = ("genres", "themes", "game_modes", "player_perspectives", "franchises",
                "collections", "keywords")  # fmt: skip


def _image_id(url: str) -> str:
    return re.sub(r"\.\w+$", "", url.rsplit("/", 1)[-1])


def convert(b: Builder, raw: dict) -> dict:
    gid = raw["id"]
    game = {"id": gid, "game_type": 0}
    game.update({k: raw[k] for k in _SCALARS if k in raw})
    for table in _NAMED_LISTS:
        if table in raw:
            game[table] = [b.named(table, o["id"], o["name"]) for o in raw[table]]
    if "cover" in raw:
        game["cover"] = b.image("covers", gid, raw["cover"]["id"], _image_id(raw["cover"]["url"]))
    for table in ("screenshots", "artworks"):
        if table in raw:
            game[table] = [b.image(table, gid, o["id"], _image_id(o["url"])) for o in raw[table]]
    ics = []
    for ic in raw.get("involved_companies", []):
        company = ic["company"]
        b.named("companies", company["id"], company["name"])
        ics.append(b.put("involved_companies", {
            "id": ic["id"], "company": company["id"], "developer": ic["developer"],
            "game": gid, "porting": False, "publisher": not ic["developer"],
            "supporting": False,
        })["id"])  # fmt: skip
    game["involved_companies"] = ics
    game["platforms"] = list(raw["platforms"])
    dates = []
    for rd in raw.get("release_dates", []):
        region = rd["release_region"]
        b.put("release_date_regions", {"id": region["id"], "region": region["region"]})
        dates.append(b.release_date(gid, rd["platform"], rd.get("date"), region["id"], rd["id"]))
    game["release_dates"] = dates
    stamps = [b.tables["release_dates"][i].get("date") for i in dates]
    if any(stamps):
        game["first_release_date"] = min(s for s in stamps if s)
    base, _, n = raw["slug"].partition("--")
    b.slugs[base] = max(b.slugs[base], int(n or 0) + 1)
    return b.put("games", game)


def load_samples(b: Builder) -> list[LibraryEntry]:
    for name in SAMPLE_FILES:
        convert(b, json.loads((DATA_DIR / name).read_text(encoding="utf-8")))
    # 306982 is the 2007 digital re-release of the DOS original 262516 (same name).
    return [
        LibraryEntry("Doom v1.9 (1993)(id Software).zip", 673, "sample"),
        LibraryEntry("Doom (1993).zip", 673, "sample"),
        LibraryEntry("Wolfenstein 3D (1992)(Apogee Software).zip", 262516, "same_name"),
        LibraryEntry("Wolfenstein 3D.zip", 262516, "same_name_noyear"),
        LibraryEntry("Ishido - The Way of Stones (1990)(Accolade).zip", 14525, "accent"),
    ]
