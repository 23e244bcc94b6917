"""Runs a parsed `Query` against the normalized entity tables and renders IGDB-shaped JSON.

The tables hold records the way IGDB stores them: references are bare ids (or lists of ids).
Expansion happens at query time, so `fields involved_companies.company.name` works at any
depth. Rendering copies the server behaviours of API_FACTS §9:
  1. `id` is always present, at the top level and in every expanded object;
  2. absent or empty fields are omitted, never `null`;
  4. keys follow a fixed internal order with `id` first.
"""

from __future__ import annotations

import difflib
import re
import threading
import unicodedata

from .apicalypse import ApiError, Query, invalid_field, matches
from .schema import SCHEMA, SEARCH_FIELDS, SEARCHABLE, known, reference

_STOPWORDS = frozenset("the a an of and in on to for de la le".split())


def fold(text: str) -> str:
    """Lower-case, accent-free, punctuation-free: "Ishidó: The Way" -> "ishido the way"."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.replace("&", " and ")).split())


def _listify(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


class Engine:
    def __init__(self, tables: dict[str, dict[int, dict]]):
        self.tables = tables
        self._index: dict[str, tuple] = {}
        self._lock = threading.Lock()

    # --- validation ---------------------------------------------------------------------

    def check_path(self, endpoint: str, path: str) -> None:
        ep = endpoint
        parts = path.split(".")
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if part == "*" and last and i > 0:
                return
            if not known(ep, part):
                raise invalid_field(path)
            if not last:
                target = reference(ep, part) if part != "id" else None
                if target is None:
                    raise invalid_field(path)
                ep = target

    def check(self, endpoint: str, q: Query) -> None:
        for path in q.paths():
            self.check_path(endpoint, path)
        if q.search is not None and endpoint not in SEARCHABLE:
            cause = f"Search is not available on the endpoint '{endpoint}'"
            raise ApiError(400, [{"title": "Syntax Error", "status": 400, "cause": cause}])

    # --- evaluation ---------------------------------------------------------------------

    def values(self, rec: dict, endpoint: str, path: str) -> list:
        """All values a dotted path reaches, flattening arrays and references."""
        parts = path.split(".")
        current, ep = [rec], endpoint
        for part in parts[:-1]:
            target = reference(ep, part)
            table = self.tables.get(target, {})
            current = [t for r in current for i in _listify(r.get(part)) if (t := table.get(i))]
            ep = target
        return [v for r in current for v in _listify(r.get(parts[-1]))]

    def select(self, endpoint: str, q: Query) -> list[dict]:
        """Filter, search-rank or sort; no paging."""
        self.check(endpoint, q)
        table = self.tables[endpoint]
        records = self._candidates(table, q.where)
        if q.where is not None:
            records = [
                r for r in records if matches(q.where, lambda p, r=r: self.values(r, endpoint, p))
            ]
        if q.search is not None:
            # API_FACTS §2: results are sorted by similarity; `sort` is not honoured with search.
            scores = self.search_scores(endpoint, q.search)
            records = [r for r in records if r["id"] in scores]
            records.sort(key=lambda r: (-scores[r["id"]], r["id"]))
        elif q.sort:
            path, desc = q.sort
            keyed = [(self.values(r, endpoint, path), r) for r in records]
            have = sorted((kv for kv in keyed if kv[0]), key=lambda kv: kv[0][0], reverse=desc)
            records = [r for _, r in have] + [r for v, r in keyed if not v]
        else:
            records.sort(key=lambda r: r["id"])
        return records

    @staticmethod
    def _candidates(table: dict, where) -> list[dict]:
        # Shortcut for the common `where id = (…)` (alone or first in an `&`): skip the scan.
        node = where
        if node is not None and node[0] == "and":
            node = node[1][0]
        if node is not None and node[0] == "cmp" and node[1] == "id" and node[2] == "=":
            kind, data = node[3]
            if kind in ("any", "scalar"):
                ids = data if kind == "any" else [data]
                return [table[i] for i in dict.fromkeys(ids) if i in table]
        return list(table.values())

    def run(self, endpoint: str, q: Query) -> list[dict]:
        records = self.select(endpoint, q)[q.offset : q.offset + q.limit]
        tree: dict = {}
        for path in q.fields or []:
            node = tree
            for part in path.split("."):
                node = node.setdefault(part, {})
        exclude = {p for p in q.exclude if "." not in p}
        return [self.render(r, endpoint, tree, exclude) for r in records]

    def count(self, endpoint: str, q: Query) -> int:
        return len(self.select(endpoint, q))

    def render(self, rec: dict, endpoint: str, tree: dict, exclude=frozenset()) -> dict:
        out = {"id": rec["id"]}
        star = "*" in tree
        for name, target in SCHEMA[endpoint].items():
            if not (star or name in tree) or name in exclude:
                continue
            value = rec.get(name)
            if value is None or value == [] or value == "":
                continue  # API_FACTS §9.2: omitted, never null
            sub = tree.get(name)
            if sub and target:
                table = self.tables.get(target, {})
                if isinstance(value, list):
                    items = [self.render(t, target, sub) for i in value if (t := table.get(i))]
                    if items:
                        out[name] = items
                elif value in table:
                    out[name] = self.render(table[value], target, sub)
            else:
                out[name] = value
        return out

    # --- search -------------------------------------------------------------------------

    def _search_index(self, endpoint: str) -> tuple:
        with self._lock:
            if endpoint not in self._index:
                entries, inverted = [], {}
                for rec in self.tables[endpoint].values():
                    texts = self._search_texts(endpoint, rec)
                    folded = [(f, frozenset(f.split())) for t in texts if (f := fold(t))]
                    entries.append((rec["id"], folded))
                    for _, toks in folded:
                        for tok in toks:
                            inverted.setdefault(tok, set()).add(len(entries) - 1)
                self._index[endpoint] = (entries, inverted)
            return self._index[endpoint]

    def _search_texts(self, endpoint: str, rec: dict) -> list[str]:
        texts = [rec.get(f) for f in SEARCH_FIELDS.get(endpoint, ("name",))]
        if endpoint == "games":  # the games search also finds alternative names
            alt = self.tables.get("alternative_names", {})
            texts += [alt[i]["name"] for i in rec.get("alternative_names", []) if i in alt]
        return [t for t in texts if isinstance(t, str)]

    def search_scores(self, endpoint: str, term: str) -> dict[int, float]:
        """Relevance of each matching record: an exact (folded) name scores 2, others blend
        token overlap with a difflib ratio; records with no similarity are left out."""
        entries, inverted = self._search_index(endpoint)
        q = fold(term)
        if not q:
            return {}
        qtoks = frozenset(q.split())
        keys = (qtoks - _STOPWORDS) or qtoks
        hits = set().union(*(inverted.get(t, ()) for t in keys))
        fuzzy = not hits  # a typo: fall back to a character-level scan
        pool = range(len(entries)) if fuzzy else hits
        scores = {}
        for pos in pool:
            rec_id, texts = entries[pos]
            best = 0.0
            for text, toks in texts:
                matcher = difflib.SequenceMatcher(None, q, text, autojunk=False)
                if fuzzy and matcher.quick_ratio() < 0.7:
                    continue
                if text == q:
                    best = 2.0
                    break
                dice = 2 * len(qtoks & toks) / (len(qtoks) + len(toks))
                score = 0.5 * dice + 0.5 * matcher.ratio() + (0.1 if text.startswith(q) else 0)
                if fuzzy and matcher.ratio() < 0.7:
                    score = 0.0
                best = max(best, score)
            if best >= 0.25:
                scores[rec_id] = best
        return scores
