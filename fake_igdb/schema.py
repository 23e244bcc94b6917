"""Which fields each fake endpoint knows, and which of them reference another endpoint.

IGDB rejects an unknown field name with 400 "Invalid Field" (API_FACTS §5), including the
game fields removed by the 2024/2025 migrations (`category`, `status`, `collection`, `follows`;
API_FACTS §6). So every endpoint has an explicit field list. A value of ``None`` marks a scalar
field; a string names the endpoint a reference field points to (an int, or a list of ints, that
``fields x.y`` expands; API_FACTS §2). The order is the key order of rendered objects: IGDB emits
keys in its internal field order, `id` first (API_FACTS §9 "Server behaviours" 4).
"""

from __future__ import annotations

_NAMED = {"name": None, "slug": None, "url": None, "created_at": None, "updated_at": None}
_IMAGE = {
    "alpha_channel": None, "animated": None, "game": "games", "height": None, "image_id": None,
    "url": None, "width": None, "checksum": None,
}  # fmt: skip

SCHEMA: dict[str, dict[str, str | None]] = {
    "games": {
        "aggregated_rating": None, "aggregated_rating_count": None, "alternative_names":
        "alternative_names", "artworks": "artworks", "collections": "collections",
        "cover": "covers", "created_at": None, "first_release_date": None,
        "franchise": "franchises", "franchises": "franchises", "game_modes": "game_modes",
        "game_type": "game_types", "genres": "genres", "involved_companies":
        "involved_companies", "keywords": "keywords", "name": None, "parent_game": "games",
        "platforms": "platforms", "player_perspectives": "player_perspectives", "rating": None,
        "rating_count": None, "release_dates": "release_dates", "screenshots": "screenshots",
        "similar_games": "games", "slug": None, "storyline": None, "summary": None,
        "themes": "themes", "total_rating": None, "total_rating_count": None,
        "updated_at": None, "url": None, "version_parent": "games", "version_title": None,
        "checksum": None,
    },
    "alternative_names": {"checksum": None, "comment": None, "game": "games", "name": None},
    "search": {
        "alternative_name": None, "checksum": None, "description": None, "game": "games",
        "name": None, "published_at": None,
    },
    "genres": dict(_NAMED),
    "themes": dict(_NAMED),
    "keywords": dict(_NAMED),
    "game_modes": dict(_NAMED),
    "player_perspectives": dict(_NAMED),
    "franchises": {**_NAMED, "games": "games"},
    "collections": {**_NAMED, "games": "games"},
    "companies": {
        **_NAMED, "country": None, "description": None, "developed": "games",
        "published": "games", "start_date": None,
    },
    "involved_companies": {
        "company": "companies", "created_at": None, "developer": None, "game": "games",
        "porting": None, "publisher": None, "supporting": None, "updated_at": None,
    },
    "covers": dict(_IMAGE),
    "screenshots": dict(_IMAGE),
    "artworks": dict(_IMAGE),
    "release_dates": {
        "created_at": None, "date": None, "game": "games", "human": None, "m": None,
        "platform": "platforms", "release_region": "release_date_regions",
        "updated_at": None, "y": None,
    },
    "release_date_regions": {"region": None, "created_at": None, "updated_at": None},
    "platforms": {
        "abbreviation": None, "alternative_name": None, "generation": None, "name": None,
        "platform_type": "platform_types", "slug": None, "url": None,
    },
    "platform_types": {"name": None},
    "game_types": {"type": None},
}  # fmt: skip

# Endpoints that accept `search "term";` (API_FACTS §2 lists characters, collections, games,
# platforms, themes; /search itself is the cross-entity search).
SEARCHABLE = frozenset({"games", "search", "collections", "platforms", "themes", "companies"})

# Fields matched by `search`, per endpoint.
SEARCH_FIELDS = {"search": ("name", "alternative_name")}


def reference(endpoint: str, field: str) -> str | None:
    return SCHEMA[endpoint].get(field)


def known(endpoint: str, field: str) -> bool:
    return field == "id" or field in SCHEMA[endpoint]
