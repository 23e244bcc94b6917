"""The one place that writes IGDB data to the database.

Each call saves one batch of games in one transaction, with a fixed number of queries per batch
whatever its size: lookups are upserted in bulk, a game's sets (genres, companies, names,
images...) are replaced exactly, and files that resolve to an IGDB record another game already
holds are merged into that game.
"""

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from catalog import models as m
from catalog import search
from catalog.pagecache import bump as bump_catalogue_version
from romvault.text import strip_invisible

# (record key, model, Game many-to-many field)
LOOKUPS = [
    ("genres", m.Genre, "genres"),
    ("themes", m.Theme, "themes"),
    ("keywords", m.Keyword, "keywords"),
    ("game_modes", m.GameMode, "game_modes"),
    ("player_perspectives", m.PlayerPerspective, "player_perspectives"),
    ("franchises", m.Franchise, "franchises"),
    ("collections", m.Collection, "collections"),
]
IMAGE_KINDS = [("cover", m.Image.Kind.COVER), ("screenshots", m.Image.Kind.SCREENSHOT),
               ("artworks", m.Image.Kind.ARTWORK)]  # fmt: skip
GAME_FIELDS = [
    *("title", "sort_title", "slug", "igdb_id", "igdb_url", "summary", "storyline"),
    *("release_date", "rating", "rating_count", "aggregated_rating", "aggregated_rating_count"),
    *("match_status", "match_score", "match_candidates", "match_error", "scraped_at"),
    "updated_at",
]
# A super user's start overrides: no scrape writes them (a merge moves them with the files).
START_FIELDS = ["start_path", "start_args", "dosbox_conf", "boot_disk"]
# What a scrape writes that a super user may correct in the admin's form. Fields edited there
# are listed in Game.edited_fields, and no import overwrites them until that list is cleared.
RECORD_FIELDS = [
    *("igdb_url", "summary", "storyline", "release_date"),
    *("rating", "rating_count", "aggregated_rating", "aggregated_rating_count"),
]
HAND_EDITABLE = {"title", "cover", *RECORD_FIELDS, *(field for _, _, field in LOOKUPS)}


def _refs(record: dict, key: str) -> list[dict]:
    """An expanded reference list; IGDB omits empty fields and may send bare ids."""
    value = record.get(key) or []
    if isinstance(value, dict):
        value = [value]
    return [item for item in value if isinstance(item, dict) and "id" in item]


def _upsert_lookups(model, items: dict[int, dict]) -> dict[int, int]:
    """igdb_id -> pk for the given IGDB records, creating or renaming rows as needed."""
    if not items:
        return {}
    existing = model.objects.in_bulk(list(items), field_name="igdb_id")
    new, changed = [], []
    for igdb_id, item in items.items():
        name, slug = str(item.get("name", ""))[:255], str(item.get("slug", ""))[:255]
        row = existing.get(igdb_id)
        if row is None:
            new.append(model(igdb_id=igdb_id, name=name or f"#{igdb_id}", slug=slug))
        elif name and (row.name, row.slug) != (name, slug):
            row.name, row.slug = name, slug
            changed.append(row)
    model.objects.bulk_create(new, ignore_conflicts=True)
    model.objects.bulk_update(changed, ["name", "slug"])
    return dict(model.objects.filter(igdb_id__in=list(items)).values_list("igdb_id", "pk"))


def _merge_into(duplicate_id: int, keeper_id: int) -> None:
    """Move a game's files and favourites to the game that holds its IGDB record."""
    duplicate = m.Game.objects.filter(pk=duplicate_id).values("year", *START_FIELDS).first() or {}
    # The merged game keeps the earliest year either had, whichever was matched first: the
    # order depends on batch boundaries, and a run resumed after a crash must end as a clean
    # run does ("Game.zip" and "Game (1996).zip" are one game from 1996 either way).
    year = duplicate.pop("year", None)
    if year is not None:
        m.Game.objects.filter(Q(year__isnull=True) | Q(year__gt=year), pk=keeper_id).update(
            year=year
        )
    if any(duplicate.values()):
        # A super user's way to start the game goes with the files it names, unless the
        # keeper has its own.
        m.Game.objects.filter(pk=keeper_id, **dict.fromkeys(START_FIELDS, "")).update(**duplicate)
    m.Rom.objects.filter(game_id=duplicate_id).update(game_id=keeper_id)
    kept_users = m.Favorite.objects.filter(game_id=keeper_id).values("user_id")
    m.Favorite.objects.filter(game_id=duplicate_id, user_id__in=kept_users).delete()
    m.Favorite.objects.filter(game_id=duplicate_id).update(game_id=keeper_id)
    m.Game.objects.filter(pk=duplicate_id).delete()


def _release_date(record: dict):
    stamp = record.get("first_release_date")
    if not isinstance(stamp, int | float):
        return None
    try:
        return dt.datetime.fromtimestamp(stamp, tz=dt.UTC).date()
    except (OverflowError, OSError, ValueError):
        return None


def save_matches(items: list[tuple[int, object, dict]], *, by_hand=False) -> dict[int, int]:
    """Store matched games: [(game pk, Match or None, IGDB record)].

    Returns {game pk: pk of the game now holding the record} (a duplicate merges into the game
    that already has the IGDB id). A game whose match was chosen by hand (match_locked) takes
    only its own record (a refresh), unless this is a choice by hand too.
    """
    now = timezone.now()
    with transaction.atomic():
        wanted = items if by_hand else _without_locked_matches(items)
        keep, merged = _merge_duplicates(wanted)
        keep = _with_games(keep)
        lookup_ids = {
            key: _upsert_lookups(model, _lookup_items(keep, key)) for key, model, _ in LOOKUPS
        }
        company_ids = _upsert_lookups(m.Company, _companies(keep))
        for game, match, record in keep:
            _copy_record(game, match, record, now)
        _save_games(keep)
        _replace_lookup_links(keep, lookup_ids)
        _replace_involvements(keep, company_ids)
        _replace_alternative_names(keep)
        _replace_images(keep)
        search.refresh(game.pk for game, _, _ in keep)
        bump_catalogue_version()
    return merged


def _without_locked_matches(items):
    """Leave out other records for games whose match was chosen by hand: a scrape that started
    before that choice must not overwrite it. Their own record (a refresh) stays."""
    locked = dict(
        m.Game.objects.filter(pk__in=[pk for pk, _, _ in items], match_locked=True).values_list(
            "pk", "igdb_id"
        )
    )
    return [
        (pk, match, record)
        for pk, match, record in items
        if pk not in locked or locked[pk] == record["id"]
    ]


def _merge_duplicates(wanted):
    """Merge each game whose record another game holds (already, or earlier in this batch) into
    that game. Returns the items left to store and {merged pk: keeper pk}."""
    holders = dict(
        m.Game.objects.filter(igdb_id__in=[r["id"] for _, _, r in wanted])
        .exclude(pk__in=[pk for pk, _, _ in wanted])
        .values_list("igdb_id", "pk")
    )
    by_record: dict[int, int] = {}
    merged: dict[int, int] = {}
    keep = []
    for pk, match, record in wanted:
        keeper = holders.get(record["id"]) or by_record.get(record["id"])
        if keeper and keeper != pk:
            _merge_into(pk, keeper)
            merged[pk] = keeper
            continue
        by_record[record["id"]] = pk
        keep.append((pk, match, record))
    return keep, merged


def _with_games(keep):
    """(Game, match, record) for the items whose game still exists."""
    games = m.Game.objects.in_bulk([pk for pk, _, _ in keep])
    return [(games[pk], match, record) for pk, match, record in keep if pk in games]


def _lookup_items(keep, key: str) -> dict[int, dict]:
    return {ref["id"]: ref for _, _, r in keep for ref in _refs(r, key)}


def _companies(keep) -> dict[int, dict]:
    return {
        inv["company"]["id"]: inv["company"]
        for _, _, r in keep
        for inv in _refs(r, "involved_companies")
        if isinstance(inv.get("company"), dict) and "id" in inv["company"]
    }


def _copy_record(game, match, record: dict, now) -> None:
    """Set the game's own fields from its IGDB record (not saved), but those edited by hand."""
    kept = set(game.edited_fields)
    if "title" not in kept:
        game.set_title(str(record.get("name") or game.title))
    game.igdb_id = record["id"]
    values = {
        "igdb_url": m.igdb_page_url(record.get("url")),
        "summary": str(record.get("summary", "")),
        "storyline": str(record.get("storyline", "")),
        "release_date": _release_date(record),
        "rating": record.get("rating"),
        "rating_count": int(record.get("rating_count") or 0),
        "aggregated_rating": record.get("aggregated_rating"),
        "aggregated_rating_count": int(record.get("aggregated_rating_count") or 0),
    }
    for field, value in values.items():
        if field not in kept:
            setattr(game, field, value)
    game.match_status = m.Game.MatchStatus.MATCHED
    if match is not None:
        game.match_score = match.score
        game.match_candidates = list(match.candidates)
    game.match_error = ""
    game.scraped_at = game.updated_at = now


def _save_games(keep) -> None:
    # Clear the ids first: two games may swap records within one batch.
    m.Game.objects.filter(pk__in=[game.pk for game, _, _ in keep]).update(igdb_id=None)
    m.Game.objects.bulk_update([game for game, _, _ in keep], GAME_FIELDS)


def _replace_lookup_links(keep, lookup_ids: dict[str, dict[int, int]]) -> None:
    """The games' genres, themes, keywords...: exactly those of their records (unless edited by
    hand)."""
    for key, _, field in LOOKUPS:
        through = getattr(m.Game, field).through
        column = getattr(m.Game, field).field.m2m_reverse_field_name() + "_id"
        games = [(game, r) for game, _, r in keep if field not in game.edited_fields]
        through.objects.filter(game_id__in=[game.pk for game, _ in games]).delete()
        rows = {
            (game.pk, lookup_ids[key][ref["id"]])
            for game, r in games
            for ref in _refs(r, key)
            if ref["id"] in lookup_ids[key]
        }
        through.objects.bulk_create(
            [through(game_id=g, **{column: target}) for g, target in sorted(rows)]
        )


def _replace_involvements(keep, company_ids: dict[int, int]) -> None:
    """One row per game and company, its roles merged (IGDB may list a company twice)."""
    m.Involvement.objects.filter(game_id__in=[game.pk for game, _, _ in keep]).delete()
    involvements = {}
    for game, _, r in keep:
        for inv in _refs(r, "involved_companies"):
            company = inv.get("company")
            if not (isinstance(company, dict) and company.get("id") in company_ids):
                continue
            row = involvements.setdefault(
                (game.pk, company["id"]),
                m.Involvement(game_id=game.pk, company_id=company_ids[company["id"]]),
            )
            for role in ("developer", "publisher", "porting", "supporting"):
                setattr(row, role, getattr(row, role) or bool(inv.get(role)))
    m.Involvement.objects.bulk_create(involvements.values())


def _replace_alternative_names(keep) -> None:
    m.AlternativeName.objects.filter(game_id__in=[game.pk for game, _, _ in keep]).delete()
    names = {}
    for game, _, r in keep:
        for alt in _refs(r, "alternative_names"):
            if name := strip_invisible(str(alt.get("name") or ""))[:255]:
                names[(game.pk, name)] = str(alt.get("comment", ""))[:255]
    m.AlternativeName.objects.bulk_create(
        m.AlternativeName(game_id=g, name=name, comment=comment)
        for (g, name), comment in names.items()
    )


def _replace_images(keep) -> None:
    """Keep image rows (and their cached files) that IGDB still lists; replace the rest."""
    ids = [game.pk for game, _, _ in keep]
    wanted = {}
    for game, _, r in keep:
        for key, kind in IMAGE_KINDS:
            for position, img in enumerate(_refs(r, key)):
                if m.is_image_id(img.get("image_id")):
                    wanted[(game.pk, kind, img["image_id"])] = (position, img)
    existing = {
        (img.game_id, img.kind, img.image_id): img
        for img in m.Image.objects.filter(game_id__in=ids)
    }
    stale = [img.pk for key, img in existing.items() if key not in wanted]
    m.Game.objects.filter(pk__in=ids, cover_id__in=stale).update(cover=None)
    m.Image.objects.filter(pk__in=stale).delete()
    m.Image.objects.bulk_create(
        m.Image(
            game_id=g,
            kind=kind,
            image_id=image_id,
            position=position,
            width=img.get("width"),
            height=img.get("height"),
        )
        for (g, kind, image_id), (position, img) in wanted.items()
        if (g, kind, image_id) not in existing
    )
    covers = dict(
        m.Image.objects.filter(game_id__in=ids, kind=m.Image.Kind.COVER).values_list(
            "game_id", "pk"
        )
    )
    games = [game for game, _, _ in keep]
    for game in games:
        # A cover chosen by hand stays while IGDB still lists that image.
        if "cover" not in game.edited_fields or game.cover_id in stale:
            game.cover_id = covers.get(game.pk)
    m.Game.objects.bulk_update(games, ["cover"])


def save_unmatched(items: list[tuple[int, object]]) -> None:
    """Games with no confident match: keep their best candidates for review.

    A match chosen by hand (match_locked) stays, even when a refresh no longer finds its record.
    """
    now = timezone.now()
    with transaction.atomic():
        games = m.Game.objects.filter(match_locked=False).in_bulk([pk for pk, _ in items])
        for pk, match in items:
            if game := games.get(pk):
                game.match_status = m.Game.MatchStatus.NO_MATCH
                game.match_score = match.score if match else None
                game.match_candidates = list(match.candidates) if match else []
                game.match_error = ""
                game.scraped_at = now
        m.Game.objects.bulk_update(
            games.values(),
            ["match_status", "match_score", "match_candidates", "match_error", "scraped_at"],
        )
        bump_catalogue_version()


def save_failures(items: list[tuple[int, str]]) -> None:
    """Games whose lookup failed (IGDB down, too many retries): retried on the next run."""
    now = timezone.now()
    by_reason: dict[str, list[int]] = {}
    for pk, reason in items:
        by_reason.setdefault(reason[:2000], []).append(pk)
    with transaction.atomic():
        for reason, pks in by_reason.items():
            # A refresh that fails leaves a matched game matched.
            m.Game.objects.filter(pk__in=pks).exclude(
                match_status=m.Game.MatchStatus.MATCHED
            ).update(match_status=m.Game.MatchStatus.FAILED, match_error=reason, scraped_at=now)
        bump_catalogue_version()


def save_manual_match(game_id: int, record: dict) -> int:
    """A match chosen by hand (the admin's "Match manually"): stored like any other, then locked
    so that later scrapes keep it. Returns the pk of the game now holding the record: when
    another game already has it, this game's files merge into that one."""
    with transaction.atomic():
        keeper = save_matches([(game_id, None, record)], by_hand=True).get(game_id, game_id)
        # No score: nobody computed one, and the list's score column then reads as "by hand".
        m.Game.objects.filter(pk=keeper).update(match_locked=True, match_score=None)
    return keeper


def clear_matches(game_ids: list[int], *, ignore: bool = False) -> int:
    """Drop the IGDB data of these games: back to "not matched yet" and unlocked, so the next
    scrape looks them up again; or, with ignore, "do not match" and locked, so it never does.
    The title goes back to the one read from the files. Fields edited by hand stay as they are.
    Returns the number of games changed."""
    status = m.Game.MatchStatus.IGNORED if ignore else m.Game.MatchStatus.UNMATCHED
    now = timezone.now()
    with transaction.atomic():
        games = m.Game.objects.in_bulk(game_ids)
        ids = list(games)
        parsed = {}
        for game_id, title in (
            m.Rom.objects.filter(game_id__in=ids)
            .order_by("-path")
            .values_list("game_id", "parsed_title")
        ):
            parsed[game_id] = title  # the last one wins: the first path in order
        for game in games.values():
            kept = set(game.edited_fields)
            if parsed.get(game.pk) and "title" not in kept:
                game.set_title(parsed[game.pk])
            game.igdb_id, game.cover = None, None
            for field in RECORD_FIELDS:
                if field not in kept:
                    setattr(game, field, m.Game._meta.get_field(field).get_default())
            game.match_status, game.match_score, game.match_locked = status, None, ignore
            game.match_candidates, game.match_error = [], ""
            game.updated_at = now
        m.Game.objects.bulk_update(
            games.values(),
            [*(f for f in GAME_FIELDS if f != "scraped_at"), "cover", "match_locked"],
        )
        for _, _, field in LOOKUPS:
            cleared = [game.pk for game in games.values() if field not in game.edited_fields]
            getattr(m.Game, field).through.objects.filter(game_id__in=cleared).delete()
        m.Involvement.objects.filter(game_id__in=ids).delete()
        m.AlternativeName.objects.filter(game_id__in=ids).delete()
        m.Image.objects.filter(game_id__in=ids).delete()
        search.refresh(ids)
        bump_catalogue_version()  # bulk writes send no signals
    return len(ids)
