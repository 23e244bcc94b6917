"""Hostile file names: properties of the parser that hold for any text at all.

The names come from disks we do not control: any Unicode, lone surrogates (undecodable bytes
under surrogateescape), control characters, names far past any file system's limit. Example
counts: `pytest --hypothesis-show-statistics scraper/tests/test_filenames_properties.py`.
"""

import json
import time

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from scraper.filenames import _parse, match_key, parse_filename

ANYTHING = st.characters(codec=None, exclude_categories=())  # surrogates and controls included
CONTROL = st.characters(min_codepoint=0, max_codepoint=31) | st.sampled_from("\x7f\x85\u2028")
PIECES = st.sampled_from(
    ["(", ")", "[", "]", " ", ".", "-", " - ", ",", ", The", "v1.2", "(1990)", "(19xx)",
     "(Disk 1 of 2)", "(igdb-12)", "[!]", "[cr X]", "(EGA)", "(De)", ".zip", ".ZIP", ".tar.gz",
     "Rev 1", "r57", "build 12", "VGA", "\udcff", "\x00", "\t", "é", "🎮"]
)  # fmt: skip
NAMES = st.one_of(
    st.text(ANYTHING),
    st.text(st.one_of(ANYTHING, CONTROL), max_size=30),
    st.lists(st.one_of(PIECES, st.text(ANYTHING, max_size=8)), max_size=12).map("".join),
)
LONG_NAMES = st.builds(
    lambda piece, n, tail: piece * n + tail,
    st.one_of(PIECES, st.text(ANYTHING, min_size=1, max_size=5)),
    st.integers(1, 300),
    st.sampled_from(["", ".zip", " (1990).zip"]),
)
FIELDS = {"title": str, "key": str, "publisher": str, "version": str}


def check_shape(parsed):
    for name, kind in FIELDS.items():
        assert isinstance(getattr(parsed, name), kind), name
    assert parsed.year is None or 1900 <= parsed.year <= 2099
    assert parsed.key == match_key(parsed.title)
    json.dumps(parsed.as_tags())  # stored in a JSONField: must serialise


@settings(max_examples=200, deadline=None)
@given(NAMES)
def test_the_parser_never_raises_and_gives_well_formed_fields(name):
    parsed = _parse(name)  # the unguarded parser: a bug must surface, not be swallowed
    check_shape(parsed)


@settings(max_examples=200, deadline=None)
@given(NAMES)
def test_parsing_is_stable(name):
    assert _parse(name) == _parse(name) == parse_filename(name)


@settings(max_examples=200, deadline=None)
@given(NAMES)
def test_a_name_with_any_visible_character_keeps_a_title(name):
    # The contract (see EDGE_CASES in test_filenames.py): a name that is not blank has a title.
    if name.strip():
        assert _parse(name).title


@settings(max_examples=200, deadline=None)
@given(NAMES)
def test_a_title_has_no_surrounding_whitespace(name):
    title = _parse(name).title
    assert title == title.strip()


@settings(max_examples=200, deadline=None)
@given(NAMES)
def test_the_title_and_key_do_not_depend_on_the_case_of_the_extension(name):
    # A bare ".ZIP" (nothing before the extension) is its own title, as written.
    assume(any(c.isalnum() for c in name))
    lower, upper = _parse(name + ".zip"), _parse(name + ".ZIP")
    assert (lower.title, lower.key, lower.year) == (upper.title, upper.key, upper.year)


@settings(max_examples=100, deadline=None)
@given(LONG_NAMES)
def test_very_long_and_repetitive_names_parse(name):
    check_shape(_parse(name))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_raw_bytes_from_a_listing_parse_like_their_surrogateescape_text(raw):
    text = raw.decode("utf-8", "surrogateescape")
    assert parse_filename(raw) == parse_filename(text)


@pytest.mark.parametrize("piece", ["v1.", " v1", "R12 ", "Version 1 ", " VGA", " build 12"])
def test_a_huge_repetitive_name_parses_in_linear_time(piece):
    """The title loop peeled one trailing token per pass, each pass searching the whole title:
    21,000 characters of "v1." took 39 s (quadratic). Searching only the tail makes 40,000 take
    ~0.3 s. Not a budget: the bound is 30x that, only a return to quadratic trips it."""
    name = piece * (40_000 // len(piece))
    started = time.perf_counter()
    check_shape(_parse(name))
    assert time.perf_counter() - started < 10  # quadratic: 30 s and more
