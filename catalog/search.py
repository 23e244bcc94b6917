"""Catalogue search: what a person types, matched and ranked against every game's names.

One normalisation for both sides (scraper.matching.normalize_title's words: ASCII, lower case,
"and" for "&", no punctuation, no leading or moved article, numerals as digits), so "ultima 7",
"Ultima VII", "ultima-vii" and "ULTIMA 7" are one query. Each game keeps three columns:
- search_title: its title's words ("ultima 7 black gate");
- search_names: "|"-separated forms of its title and alternative names, each also without its
  spaces ("|x wing|xwing|"), so "xwing", "x wing" and "X-Wing" meet;
- search_related: its companies' and series' names ("|apogee|commander keen|").

A query matches where its words occur in the names (or, after the title matches, in the related
names), and is ranked: exact title or alternative name, title starting with the query's words,
the query's words anywhere, a word starting with them, any substring or all the words apart,
then typo corrections (a word one or two edits from a word of the library), then companies and
series; ties by title. The candidate rows come from an index on both databases: PostgreSQL's
pg_trgm (GIN) and SQLite's FTS5 trigram table, each asked one LIKE at a time, which both can
serve from the index (migration 0008); the ranking is one CASE over the candidates.
"""

import time
from collections import defaultdict

from django.db import connection
from django.db.models import Case, F, Func, IntegerField, Q, TextField, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Collate, Length, StrIndex
from django.db.models.lookups import Exact, GreaterThan

from scraper.matching import title_words

FIELDS = ("search_title", "search_names", "search_related")
# Best first; within a tier, the title the query leaves least of ("Ultima Underworld: The
# Stygian Abyss" before "Ultima Underworld II: Labyrinth of Worlds"), then by title.
RANKED = ("search_rank", Length("search_title"), "sort_title", "year")
MIN_INDEXED = 3  # the trigram indexes serve LIKE patterns of at least three characters
TYPO_MIN_LENGTH = 5  # "boom" is no typo of "doom": shorter words are never corrected
STOP_WORDS = frozenset(("the", "a", "an", "of", "and"))  # needed in no title apart
VOCABULARY_MAX_AGE = 60  # seconds a word list may lag the library (it serves typos only)


def words(text: str) -> str:
    """ "Ultima VII - The Black Gate" -> "ultima 7 black gate"."""
    return title_words(text or "")


def _joined(items) -> str:
    items = [item for item in dict.fromkeys(items) if item]
    return f"|{'|'.join(items)}|" if items else ""


def columns(title: str, names=(), related=()) -> dict[str, str]:
    """The search columns of a game with this title, alternative names and related names."""
    forms = []
    for name in (title, *names):
        text = words(name)
        forms += [text, text.replace(" ", "")]
    return {
        "search_title": forms[0],
        "search_names": _joined(forms),
        "search_related": _joined(words(name) for name in related),
    }


def refresh(game_ids) -> None:
    """Recompute the search columns of these games from their rows (after an import, a reset
    or an edit in the admin). Bulk writes send no signals: their callers call this."""
    from catalog.models import AlternativeName, Game, Involvement

    ids = sorted(set(game_ids))
    for batch in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        games = Game.objects.in_bulk(batch)
        names, related = defaultdict(list), defaultdict(list)
        alternatives = AlternativeName.objects.filter(game_id__in=batch).order_by("pk")
        for game_id, name in alternatives.values_list("game_id", "name"):
            names[game_id].append(name)
        involvements = Involvement.objects.filter(game_id__in=batch).order_by("pk")
        for game_id, name in involvements.values_list("game_id", "company__name"):
            related[game_id].append(name)
        for field in ("collections", "franchises"):
            through = getattr(Game, field).through
            target = getattr(Game, field).field.m2m_reverse_field_name()
            rows = through.objects.filter(game_id__in=batch).order_by("pk")
            for game_id, name in rows.values_list("game_id", f"{target}__name"):
                related[game_id].append(name)
        for game in games.values():
            for field, value in columns(game.title, names[game.pk], related[game.pk]).items():
                setattr(game, field, value)
        Game.objects.bulk_update(games.values(), FIELDS)


# Typos -------------------------------------------------------------------------------------


class Vocabulary:
    """Every word of the library's names, and for typo lookups each word with one letter
    deleted ("commander" -> "comander", "cmmander", ...): a query word one edit from a library
    word shares a form with it (symmetric delete). Built from the database at most once a
    minute, and only when the library changed."""

    def __init__(self, columns):
        """`columns`: (search_names, search_related) of every game."""
        self.words = set()
        for names, related in columns:
            entries = (names + related).split("|")
            joined = {e.replace(" ", "") for e in entries if " " in e}
            for entry in entries:
                if entry not in joined:  # not a name's spaceless form ("xwing")
                    self.words.update(entry.split())
        self.deletes = defaultdict(list)
        for word in self.words:
            if len(word) >= TYPO_MIN_LENGTH - 1:
                for variant in _deletes(word):
                    self.deletes[variant].append(word)

    def corrections(self, word: str) -> list[str]:
        """Library words one edit from `word` (inserted, deleted, replaced or swapped letter),
        or two for words of eight letters or more; [] when it is a library word itself."""
        if word in self.words or len(word) < TYPO_MIN_LENGTH or word.isdigit():
            return []
        found = set(self.deletes.get(word, ()))  # a letter missing from the query
        variants = _deletes(word)
        found.update(v for v in variants if v in self.words)  # a letter too many
        for variant in variants:  # a letter replaced, or two swapped
            found.update(w for w in self.deletes.get(variant, ()) if _distance(w, word) <= 1)
        if not found and len(word) >= 8:
            for variant in variants:
                for shorter in _deletes(variant):
                    found.update(
                        w for w in self.deletes.get(shorter, ()) if _distance(w, word) <= 2
                    )
        return sorted(found)


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _distance(a: str, b: str) -> int:
    """Edit distance with swaps (optimal string alignment), for short words."""
    previous2, previous = None, list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y))
            if i > 1 and j > 1 and x == b[j - 2] and a[i - 2] == y:
                cost = min(cost, previous2[j - 2] + 1)
            current.append(cost)
        previous2, previous = previous, current
    return previous[-1]


_vocabulary = {"version": None, "built": 0.0, "value": None}


def forget_vocabulary() -> None:
    _vocabulary.update(version=None, built=0.0, value=None)


def vocabulary() -> Vocabulary:
    from catalog.models import Game
    from catalog.pagecache import version as catalogue_version

    version = catalogue_version()
    now = time.monotonic()
    cached = _vocabulary["value"]
    if cached is None or (
        version != _vocabulary["version"] and now - _vocabulary["built"] > VOCABULARY_MAX_AGE
    ):
        rows = Game.objects.values_list("search_names", "search_related").iterator(2000)
        cached = Vocabulary(rows)
        _vocabulary.update(version=version, built=now, value=cached)
    return cached


# Queries -----------------------------------------------------------------------------------


def _has(column: str, fragment: str) -> Q:
    """`fragment` occurs in `column`: instr() / strpos(), a plain substring search, several
    times cheaper per row than LIKE's pattern matching."""
    return Q(GreaterThan(StrIndex(column, Value(fragment)), 0))


def _starts(column: str, fragment: str) -> Q:
    return Q(Exact(StrIndex(column, Value(fragment)), 1))


def _has_all(column: str, fragments) -> Q:
    q = Q()
    for fragment in fragments:
        q &= _has(column, fragment)
    return q


def _candidates(groups: list[list[str]]) -> Q:
    """Rows holding every fragment of one of `groups` (each of three letters or more), each
    in the names or in the related names ("sierra quest": a Sierra game with "quest" in its
    title), found through the trigram index. On SQLite one FTS5 MATCH (a phrase is a
    substring under the trigram tokenizer; AND and OR merge the index's lists); on PostgreSQL
    the same test as LIKEs, which pg_trgm serves."""
    if connection.vendor == "sqlite":
        anyof = " OR ".join("(" + " AND ".join(f'"{f}"' for f in group) + ")" for group in groups)
        expression = f"{{search_names search_related}} : ({anyof})"
        sql = "SELECT rowid FROM catalog_game_search WHERE catalog_game_search MATCH %s"
        return Q(pk__in=RawSQL(sql, [expression]))  # noqa: S611 - a parameter
    found = Q(pk__in=[])
    for group in groups:
        found |= Q(*(Q(search_all__contains=f) for f in group))  # SEARCH_ALL, aliased
    return found


# Names and related names as one text, as PostgreSQL's trigram index holds them (a "|" ends
# the one and starts the other: no word runs across).
SEARCH_ALL = Func(
    F("search_names"), F("search_related"), arg_joiner=" || ", template="(%(expressions)s)",
    output_field=TextField(),
)  # fmt: skip


def _title_bytes():
    """search_title compared byte by byte, as its index is ordered: SQLite's default; on
    PostgreSQL the "C" collation (the database's own would order "doom 2" and "doom64" by
    another rule, and no index could serve it)."""
    if connection.vendor == "sqlite":
        return F("search_title")
    return Collate("search_title", "C")


def _starting(games, text: str):
    """Titles starting with `text` (of one or two letters, too short for the trigram
    indexes), in the order of the search_title index: the exact title first, as the shortest,
    then alphabetically. The index serves both the range and the order, so a page of a
    prefix thousands of titles share costs no more than one of a rare one."""
    title = _title_bytes()
    found = games.alias(title_bytes=title).filter(
        title_bytes__gte=text, title_bytes__lt=text + "\x7f"
    )
    return found.annotate(search_rank=Value(3)).order_by("title_bytes", "year")


def search(games, text: str, typos: bool | None = None):
    """`games` narrowed to those matching `text`, annotated with `search_rank` (0 best) and
    ordered by it. Typo corrections: with None, when the words as typed find nothing (one
    query to know); False never, True always (a caller that knows it found nothing)."""
    query = words(text)
    if not query:  # nothing but punctuation
        return games.annotate(search_rank=Value(0)).none()
    compact = query.replace(" ", "")
    terms = [t for t in query.split() if t not in STOP_WORDS] or query.split()
    if len(compact) < MIN_INDEXED:
        return _starting(games, query)
    typo = Q(pk__in=[])
    # Every row holding the whole query, or its spaceless form, holds each of its words:
    # the words (three letters or more; "7" is checked below) find them all.
    indexed = [t for t in terms if len(t) >= MIN_INDEXED] or [compact]
    # Typos only when the words as typed find nothing: one query to know, and the word
    # list is read only then.
    corrected = []
    if typos is None and may_be_typos(text):
        typos = not games.alias(search_all=SEARCH_ALL).filter(_candidates([indexed])).exists()
    if typos:
        corrected = _corrected(terms)
    if connection.vendor != "sqlite":
        games = games.alias(search_all=SEARCH_ALL)
    found = games.filter(_candidates([indexed, *corrected]))
    for alternative in corrected:
        typo |= _has_all("search_names", alternative)
    short = [t for t in terms if len(t) < MIN_INDEXED] if len(terms) > 1 else []
    for term in short:
        found = found.filter(_has("search_names", term) | _has("search_related", term))
    return found.annotate(search_rank=_rank(query, terms, typo)).order_by(*RANKED)


def _rank(query: str, terms: list[str], typo: Q) -> Case:
    """search()'s tiers, 0 best. They test the short title first; only rows matched by another
    name, a typo or a company reach the tests of the long columns."""
    # A name holding the whole query, or its spaceless form, holds each of its words too.
    exact = Q(search_title=query)
    for form in dict.fromkeys((query, query.replace(" ", ""))):
        exact |= _has("search_names", f"|{form}|")
    return Case(
        When(exact, then=Value(0)),
        When(_starts("search_title", f"{query} "), then=Value(1)),
        When(
            _has("search_title", f" {query} ") | Q(search_title__endswith=f" {query}"),
            then=Value(2),
        ),
        When(_starts("search_title", query) | _has("search_title", f" {query}"), then=Value(3)),
        # In the title's middle, another name, or words apart.
        When(_has_all("search_names", terms), then=Value(4)),
        When(typo, then=Value(5)),
        default=Value(6),  # a company or series
        output_field=IntegerField(),
    )


def first_ids(games, text: str, limit: int) -> list[int]:
    """The ids of the first `limit` games search() finds, in its order, without typos.

    A common word ("space", in one title of ten) matches thousands of games, and ranking them
    all to show eight reads every one of their rows. On SQLite the first two tiers come from
    indexes (titles equal to the query or starting with its words from search_title's, names
    equal to it from the FTS5 table): when they hold `limit` games, the first `limit` of
    search() are theirs, and only they are ranked. Otherwise, and on PostgreSQL (whose
    trigram index cannot tell a whole name from a word), search() ranks every match."""
    query = words(text)
    terms = [t for t in query.split() if t not in STOP_WORDS] or query.split()
    if connection.vendor == "sqlite" and len(query.replace(" ", "")) >= MIN_INDEXED:
        forms = " OR ".join(
            f'"|{form}|"' for form in dict.fromkeys((query, query.replace(" ", "")))
        )
        sql = "SELECT rowid FROM catalog_game_search WHERE catalog_game_search MATCH %s"
        named = RawSQL(sql, [f"{{search_names}} : ({forms})"])  # noqa: S611 - a parameter
        head = games.filter(
            Q(search_title=query)
            | Q(search_title__gte=f"{query} ", search_title__lt=f"{query}!")  # "{query} ..."
            | Q(pk__in=named)
        )
        head = head.annotate(search_rank=_rank(query, terms, Q(pk__in=[]))).order_by(*RANKED)
        ids = list(head.values_list("pk", flat=True)[:limit])
        if len(ids) == limit:
            return ids
    return list(search(games, text, typos=False).values_list("pk", flat=True)[:limit])


def may_be_typos(text: str) -> bool:
    """Whether `text` has a word long enough to be corrected."""
    return any(len(t) >= TYPO_MIN_LENGTH and not t.isdigit() for t in words(text).split())


def _corrected(terms: list[str]) -> list[list[str]]:
    """The query's words with each unknown one replaced by a library word one or two edits
    away: [[w1, w2', ...], ...], one list per combination (at most 8); [] when no word needs
    it or none can be corrected."""
    known = vocabulary()
    options, changed = [], False
    for term in terms:
        fixes = known.corrections(term)
        changed = changed or bool(fixes)
        options.append(fixes or [term])
    if not changed:
        return []
    combos = [[]]
    for choices in options:
        combos = [[*combo, c] for combo in combos for c in choices][:8]
    return [[t for t in combo if len(t) >= MIN_INDEXED] or [" ".join(combo)] for combo in combos]


# Indexes -----------------------------------------------------------------------------------

_SQLITE_INDEX = [
    "CREATE INDEX IF NOT EXISTS game_search_title_idx ON catalog_game (search_title)",
    # An external-content table: the text stays in catalog_game, FTS5 keeps only its index.
    "CREATE VIRTUAL TABLE IF NOT EXISTS catalog_game_search USING fts5(search_names, "
    "search_related, content='catalog_game', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER IF NOT EXISTS catalog_game_search_insert AFTER INSERT ON catalog_game BEGIN "
    "INSERT INTO catalog_game_search (rowid, search_names, search_related) "
    "VALUES (new.id, new.search_names, new.search_related); END",
    "CREATE TRIGGER IF NOT EXISTS catalog_game_search_delete AFTER DELETE ON catalog_game BEGIN "
    "INSERT INTO catalog_game_search (catalog_game_search, rowid, search_names, search_related) "
    "VALUES ('delete', old.id, old.search_names, old.search_related); END",
    "CREATE TRIGGER IF NOT EXISTS catalog_game_search_update "
    "AFTER UPDATE OF search_names, search_related ON catalog_game BEGIN "
    "INSERT INTO catalog_game_search (catalog_game_search, rowid, search_names, search_related) "
    "VALUES ('delete', old.id, old.search_names, old.search_related); "
    "INSERT INTO catalog_game_search (rowid, search_names, search_related) "
    "VALUES (new.id, new.search_names, new.search_related); END",
]
_POSTGRESQL_INDEX = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    'CREATE INDEX IF NOT EXISTS game_search_title_idx ON catalog_game (search_title COLLATE "C")',
    # One index over both columns: a word in either is one index scan, and the words of a
    # query one BitmapAnd (26.8 ms -> 1.4 ms for three words at 100,000 games).
    "CREATE INDEX IF NOT EXISTS game_search_trgm "
    "ON catalog_game USING gin ((search_names || search_related) gin_trgm_ops)",
]


def ensure_index(using=None, **kwargs) -> None:
    """Create the search indexes where missing: after migration 0008, and after every migrate
    (post_migrate), because SQLite drops a table's triggers whenever a migration rebuilds the
    table, and the FTS5 index would then miss every later change. Rebuilt when they were."""
    from django.db import connections

    db = connections[using or "default"]
    with db.cursor() as cursor:
        columns = {c.name for c in db.introspection.get_table_description(cursor, "catalog_game")}
    if "search_names" not in columns:  # migrated back to before 0008
        return
    if db.vendor == "sqlite":
        with db.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
                "AND name LIKE 'catalog_game_search_%'"
            )
            complete = cursor.fetchone()[0] == 3
            for statement in _SQLITE_INDEX:
                cursor.execute(statement)
            if not complete:
                cursor.execute(
                    "INSERT INTO catalog_game_search (catalog_game_search) VALUES ('rebuild')"
                )
    elif db.vendor == "postgresql":
        with db.cursor() as cursor:
            for statement in _POSTGRESQL_INDEX:
                cursor.execute(statement)


def _name_saved(sender, instance, raw=False, **kwargs):
    if not raw:  # loaddata
        refresh([instance.game_id])


def _series_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """A game's series or franchises changed (game.collections.add(...), or from the series'
    side with the games' pks)."""
    if action in ("post_add", "post_remove", "post_clear"):
        refresh(pk_set or () if reverse else [instance.pk])


def connect_signals() -> None:
    """One name saved through the ORM (the admin, a shell) refreshes its game. The importer
    writes in bulk, which sends no signals, and refreshes the games itself."""
    from django.db.models.signals import m2m_changed, post_save

    from catalog.models import AlternativeName, Game, Involvement

    for model in (AlternativeName, Involvement):
        post_save.connect(_name_saved, sender=model, dispatch_uid=f"search-{model.__name__}")
    for field in ("collections", "franchises"):
        through = getattr(Game, field).through
        m2m_changed.connect(_series_changed, sender=through, dispatch_uid=f"search-{field}")
