"""A parser and `where` evaluator for the Apicalypse subset IGDB v4 speaks (API_FACTS §2, §3).

Parsing knows nothing about the data: `parse_query` turns a body into a `Query`, and
`parse_multiquery` turns a /multiquery body into `(endpoint, is_count, name, Query)` blocks.
`matches(node, resolve)` evaluates a `where` tree against one record, where `resolve(path)`
returns the flat list of values a dotted path reaches (the engine supplies it).

Errors are raised as `ApiError` carrying the exact status and JSON body IGDB sends
(API_FACTS §5): Apicalypse errors are a JSON *array* of {title,status,cause}.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass, field

MAX_LIMIT = 500  # API_FACTS §2: "default 10, maximum 500"
MAX_QUERIES = 10  # API_FACTS §3: "You can only run a maximum of 10 queries."


class ApiError(Exception):
    """An error answer: HTTP status plus the JSON body IGDB would send."""

    def __init__(self, status: int, body):
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body


def syntax_error(at: str) -> ApiError:
    # Verbatim wording of the illarionov/igdbclient 400 fixture (API_FACTS §2, §5).
    cause = f"Expecting a STRING as input, surround your input with quotes starting at '{at}'"
    return ApiError(400, [{"title": "Syntax Error", "status": 400, "cause": cause}])


def invalid_field(name: str) -> ApiError:
    cause = f"Invalid field name: '{name}'"
    return ApiError(400, [{"title": "Invalid Field", "status": 400, "cause": cause}])


def limit_too_high(n: int) -> ApiError:
    # The typo "to high" is in the real body (API_FACTS §5).
    cause = f"You typed in {n} as limit but your maximum is {MAX_LIMIT}"
    return ApiError(403, [{"title": "Request limit to high", "status": 403, "cause": cause}])


def too_many_queries(n: int) -> ApiError:
    # API_FACTS §3: malformed multiquery bodies get a 400; the exact body is not documented.
    cause = f"You can only run a maximum of {MAX_QUERIES} queries, you sent {n}"
    return ApiError(400, [{"title": "Syntax Error", "status": 400, "cause": cause}])


# --- tokens -------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""(?P<skip>\s+|//[^\n]*|/\*.*?\*/)
    |(?P<str>"(?:\\.|[^"\\])*")
    |(?P<num>-?\d+(?:\.\d+)?)(?![A-Za-z_])
    |(?P<ident>[A-Za-z_][A-Za-z0-9_]*(?:\.(?:[A-Za-z_][A-Za-z0-9_]*|\*))*)
    |(?P<op>!=|>=|<=|[=<>~&|!(),;\[\]{}*/])""",
    re.X | re.S,
)


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # str num ident op eof
    value: object
    pos: int


def tokenize(src: str) -> list[Token]:
    tokens, pos = [], 0
    while pos < len(src):
        m = _TOKEN.match(src, pos)
        if not m:
            raise syntax_error(_snippet(src, pos))
        kind = m.lastgroup
        text = m.group(kind)
        if kind == "str":
            tokens.append(Token("str", re.sub(r"\\(.)", r"\1", text[1:-1]), pos))
        elif kind == "num":
            tokens.append(Token("num", float(text) if "." in text else int(text), pos))
        elif kind != "skip":
            tokens.append(Token(kind, text, pos))
        pos = m.end()
    tokens.append(Token("eof", "", len(src)))
    return tokens


def _snippet(src: str, pos: int) -> str:
    m = re.compile(r"[^\s;]+").match(src, pos)
    return m.group(0) if m else src[pos : pos + 1]


# --- the parsed form ----------------------------------------------------------------------


@dataclass
class Query:
    fields: list[str] | None = None  # None: no `fields` given -> only ids (API_FACTS §2)
    exclude: list[str] = field(default_factory=list)
    where: tuple | None = None
    search: str | None = None
    sort: tuple[str, bool] | None = None  # (path, descending)
    limit: int = 10
    offset: int = 0

    def paths(self) -> list[str]:
        """Every field path the query names (for Invalid Field checks)."""
        out = [p for p in (self.fields or []) if p != "*"] + list(self.exclude)
        if self.sort:
            out.append(self.sort[0])
        _where_paths(self.where, out)
        return out


def _where_paths(node, out: list[str]) -> None:
    if node is None:
        return
    if node[0] in ("and", "or"):
        for child in node[1]:
            _where_paths(child, out)
    else:
        out.append(node[1])


_KEYWORDS = {
    "fields": "fields", "f": "fields", "exclude": "exclude", "x": "exclude", "where": "where",
    "w": "where", "search": "search", "sort": "sort", "s": "sort", "limit": "limit", "l": "limit",
    "offset": "offset", "o": "offset",
}  # fmt: skip
_CONSTANTS = {"null": None, "n": None, "true": True, "t": True, "false": False, "f": False}
_COMPARE = {"=", "!=", ">", ">=", "<", "<=", "~"}


class _Parser:
    def __init__(self, src: str):
        self.src = src
        self.tokens = tokenize(src)
        self.i = 0

    # helpers
    def peek(self) -> Token:
        return self.tokens[self.i]

    def next(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def fail(self, tok: Token | None = None) -> ApiError:
        tok = tok or self.peek()
        return syntax_error(_snippet(self.src, tok.pos) if tok.kind != "eof" else "EOF")

    def expect(self, value: str) -> Token:
        tok = self.next()
        if tok.kind != "op" or tok.value != value:
            raise self.fail(tok)
        return tok

    def is_op(self, *values: str) -> bool:
        tok = self.peek()
        return tok.kind == "op" and tok.value in values

    # statements
    def query(self, closing: str | None = None) -> Query:
        q = Query()
        while True:
            tok = self.peek()
            if tok.kind == "eof" or (closing and self.is_op(closing)):
                return q
            self.next()
            keyword = _KEYWORDS.get(str(tok.value).lower()) if tok.kind == "ident" else None
            if keyword is None:
                raise self.fail(tok)
            getattr(self, "st_" + keyword)(q)
            self.expect(";")

    def field_list(self) -> list[str]:
        out = []
        while True:
            tok = self.next()
            if tok.kind == "ident" or (tok.kind == "op" and tok.value == "*"):
                out.append(str(tok.value))
            else:
                raise self.fail(tok)
            if not self.is_op(","):
                return out
            self.next()

    def st_fields(self, q: Query) -> None:
        q.fields = self.field_list()

    def st_exclude(self, q: Query) -> None:
        q.exclude = self.field_list()

    def st_search(self, q: Query) -> None:
        tok = self.next()
        if tok.kind != "str":
            raise self.fail(tok)
        q.search = str(tok.value)

    def st_sort(self, q: Query) -> None:
        tok = self.next()
        if tok.kind != "ident":
            raise self.fail(tok)
        desc = False
        if self.peek().kind == "ident" and str(self.peek().value).lower() in ("asc", "desc"):
            desc = str(self.next().value).lower() == "desc"
        q.sort = (str(tok.value), desc)

    def _int(self) -> int:
        tok = self.next()
        if tok.kind != "num" or not isinstance(tok.value, int) or tok.value < 0:
            raise self.fail(tok)
        return tok.value

    def st_limit(self, q: Query) -> None:
        q.limit = self._int()
        if q.limit > MAX_LIMIT:
            raise limit_too_high(q.limit)

    def st_offset(self, q: Query) -> None:
        q.offset = self._int()

    def st_where(self, q: Query) -> None:
        q.where = self.or_expr()

    # where expressions: | binds looser than &, parentheses group (API_FACTS §2)
    def or_expr(self) -> tuple:
        parts = [self.and_expr()]
        while self.is_op("|"):
            self.next()
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else ("or", parts)

    def and_expr(self) -> tuple:
        parts = [self.atom()]
        while self.is_op("&"):
            self.next()
            parts.append(self.atom())
        return parts[0] if len(parts) == 1 else ("and", parts)

    def atom(self) -> tuple:
        if self.is_op("("):
            self.next()
            node = self.or_expr()
            self.expect(")")
            return node
        tok = self.next()
        if tok.kind != "ident" or str(tok.value).endswith("*"):
            raise self.fail(tok)
        op = self.next()
        if op.kind != "op" or op.value not in _COMPARE:
            raise self.fail(op)
        return ("cmp", str(tok.value), op.value, self.value(op.value))

    def scalar(self):
        tok = self.next()
        if tok.kind in ("num", "str"):
            return tok.value
        if tok.kind == "ident" and tok.value in _CONSTANTS and tok.value not in ("null", "n"):
            return _CONSTANTS[tok.value]
        raise self.fail(tok)  # an unquoted string: the classic Syntax Error

    def value(self, op: str) -> tuple:
        """A comparison's right-hand side as (kind, data)."""
        tok = self.peek()
        if tok.kind == "op" and tok.value in ("(", "[", "{", "!") and op in ("=", "!="):
            negate = tok.value == "!"
            if negate:
                self.next()
            opener = self.next()
            closing = {"(": ")", "[": "]", "{": "}"}.get(str(opener.value))
            if opener.kind != "op" or closing is None or (negate and closing == "}"):
                raise self.fail(opener)
            items = [self.scalar()]
            while self.is_op(","):
                self.next()
                items.append(self.scalar())
            self.expect(closing)
            kind = {"(": "any", "[": "all", "{": "exact"}[str(opener.value)]
            return ({"any": "none", "all": "not_all"}[kind] if negate else kind, items)
        if self.is_op("*"):  # postfix / infix wildcard: *"World" or *"Smash"*
            self.next()
            text = self.next()
            if text.kind != "str":
                raise self.fail(text)
            mode = "infix" if self._star() else "suffix"
            return ("str", (str(text.value), mode))
        if tok.kind == "str":
            self.next()
            return ("str", (str(tok.value), "prefix" if self._star() else "exact"))
        if tok.kind == "ident" and tok.value in ("null", "n"):
            self.next()
            return ("null", None)
        return ("scalar", self.scalar())

    def _star(self) -> bool:
        if self.is_op("*"):
            self.next()
            return True
        return False


def parse_query(src: str) -> Query:
    return _Parser(src).query()


def parse_multiquery(src: str) -> list[tuple[str, bool, str, Query]]:
    """`query <endpoint>[/count] "<name>" { … };` blocks, at most 10 (API_FACTS §3)."""
    p = _Parser(src)
    blocks = []
    while p.peek().kind != "eof":
        tok = p.next()
        if tok.kind != "ident" or tok.value != "query":
            raise p.fail(tok)
        endpoint = p.next()
        if endpoint.kind != "ident":
            raise p.fail(endpoint)
        is_count = False
        if p.is_op("/"):
            p.next()
            suffix = p.next()
            if suffix.value != "count":
                raise p.fail(suffix)
            is_count = True
        name = p.next()
        if name.kind != "str":
            raise p.fail(name)
        p.expect("{")
        q = p.query(closing="}")
        p.expect("}")
        p.expect(";")
        blocks.append((str(endpoint.value), is_count, str(name.value), q))
    if len(blocks) > MAX_QUERIES:
        raise too_many_queries(len(blocks))
    if not blocks:
        raise p.fail()
    return blocks


# --- evaluation ---------------------------------------------------------------------------

_ORDER = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}


def _text_match(value, text: str, mode: str, fold: bool) -> bool:
    if not isinstance(value, str):
        return False
    if fold:  # `~` is the case-insensitive form (API_FACTS §2)
        value, text = value.casefold(), text.casefold()
    if mode == "exact":
        return value == text
    if mode == "prefix":
        return value.startswith(text)
    if mode == "suffix":
        return value.endswith(text)
    return text in value


def _number(v) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def matches(node: tuple, resolve) -> bool:
    """Evaluate a `where` tree; `resolve(path)` gives the values a path reaches in the record.

    A path reaching several values (an array, or an array expanded through references such as
    `release_dates.platform`) matches `=` when any value does, like IGDB's array semantics.
    """
    kind = node[0]
    if kind == "and":
        return all(matches(child, resolve) for child in node[1])
    if kind == "or":
        return any(matches(child, resolve) for child in node[1])
    _, path, op, (vkind, data) = node
    values = resolve(path)
    if vkind == "null":
        return (not values) if op == "=" else bool(values)
    if vkind == "str":
        text, mode = data
        hit = any(_text_match(v, text, mode, op == "~") for v in values)
        return not hit if op == "!=" else hit
    if vkind == "scalar":
        if op in _ORDER:
            return _number(data) and any(_number(v) and _ORDER[op](v, data) for v in values)
        hit = any(v == data for v in values)
        return not hit if op == "!=" else hit
    wanted, have = set(data), set(values)
    if vkind == "any":
        hit = bool(wanted & have)
    elif vkind == "all":
        hit = wanted <= have
    elif vkind == "exact":
        hit = wanted == have
    elif vkind == "none":
        hit = not (wanted & have)
    else:  # not_all
        hit = not wanted <= have
    return not hit if op == "!=" else hit
