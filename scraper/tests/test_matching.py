"""Tests for scraper.matching: title normalisation and picking the IGDB record for a DOS file.

Pure Python: no database. Candidate lists are IGDB-shaped dicts (absent fields omitted, never
null), built with `game()` or loaded from the real records in docs/igdb/.
"""

from __future__ import annotations

import calendar
import dataclasses
import itertools
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scraper.matching import (
    DOS,
    PC,
    SEARCH_FIELDS,
    THRESHOLD,
    Candidate,
    Match,
    normalize_title,
    pick,
    score,
    search_query,
)

IGDB = Path(__file__).resolve().parents[2] / "docs" / "igdb"
# IGDB game_type values used below.
MAIN, EXPANSION, REMAKE, REMASTER, PORT = 0, 2, 8, 9, 11


def load(name: str) -> dict:
    return json.loads((IGDB / name).read_text(encoding="utf-8"))


DOOM = load("doom_673__LizardByte-GameDB.json")
DOOM_OLD = load("doom_673_pre2025-migration__LizardByte-GameDB.json")
ISHIDO = load("ishido_14525__LizardByte-GameDB.json")
WOLF_DOS = load("wolfenstein-3d--1_262516_DOS__LizardByte-GameDB.json")
WOLF_2007 = load("wolfenstein-3d--7_306982_PC-rerelease__LizardByte-GameDB.json")


def game(
    id: int,
    name: str,
    year: int | None = None,
    *,
    platforms: tuple[int, ...] = (DOS,),
    dos_year: int | None = None,
    alt: tuple[str, ...] = (),
    **fields,
) -> dict:
    """An IGDB search result as the client receives it: absent fields are left out."""
    record: dict = {"id": id, "name": name, "platforms": list(platforms), **fields}
    if year is not None:
        record["first_release_date"] = calendar.timegm((year, 6, 1, 0, 0, 0))
    dates = [{"id": id * 10 + i, "y": year, "platform": p} for i, p in enumerate(platforms)]
    if dos_year is not None:
        dates = [d for d in dates if d["platform"] != DOS]
        dates.append({"id": id * 10 + 9, "y": dos_year, "platform": DOS})
    if year is not None or dos_year is not None:
        record["release_dates"] = [{k: v for k, v in d.items() if v is not None} for d in dates]
    if alt:
        record["alternative_names"] = [{"id": id * 100 + i, "name": a} for i, a in enumerate(alt)]
    return record


def picked(title: str, year: int | None, *results: dict) -> int | None:
    return pick(title, year, list(results)).igdb_id


# --- search query -----------------------------------------------------------------------------


def test_search_fields_list_everything_the_matcher_reads_and_the_cover_kept_for_review():
    assert SEARCH_FIELDS == (
        "name,alternative_names.name,first_release_date,platforms,game_type,version_parent,"
        "release_dates.y,release_dates.platform,cover.image_id"
    )
    assert (DOS, PC) == (13, 6)


@pytest.mark.parametrize(
    ("title", "query"),
    [
        ("Ultima VII - The Black Gate", "Ultima VII: The Black Gate"),
        ("Commander Keen 4- Secret of the Oracle", "Commander Keen 4: Secret of the Oracle"),
        ("Monkey Island 2: LeChuck's Revenge", "Monkey Island 2: LeChuck's Revenge"),
        ("X-COM - UFO Defense", "X-COM: UFO Defense"),
        ('The "Dig"', "The Dig"),
        ("  Space   Quest\tIV  ", "Space Quest IV"),
        ("Back\\slash", "Back slash"),
        ("Ishidó", "Ishidó"),
    ],
)
def test_search_query_uses_colons_and_drops_quotes_and_extra_whitespace(title, query):
    assert search_query(title) == query


@pytest.mark.parametrize("title", ["", "   ", '""', '" "'])
def test_search_query_is_never_empty_so_one_bad_title_cannot_break_a_batch(title):
    assert search_query(title).strip()


def test_an_empty_title_never_matches_anything():
    assert picked("", None, game(1, "Untitled", 1990)) is None
    assert picked('""', None, game(1, "Untitled", 1990)) is None


# --- normalisation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Ishidó: The Way of Stones", "Ishido - The Way of Stones"),
        ("PRINCE OF PERSIA", "Prince of Persia"),
        ("Dr. Doom's Revenge!", "Dr Dooms Revenge"),
        ("LeChuck\u2019s Revenge", "LeChuck's Revenge"),
        ("The Dig", "Dig, The"),
        ("The Secret of Monkey Island", "Secret of Monkey Island, The"),
        ("Dig, The - Director's Cut", "The Dig: Director's Cut"),
        ("Heroes of Might & Magic", "Heroes of Might and Magic"),
        ("Doom II", "Doom 2"),
        ("Ultima VII: The Black Gate", "Ultima 7 - The Black Gate"),
        ("Police Quest III", "Police Quest 3"),
        ("Final Fantasy XX", "Final Fantasy 20"),
        ("Ultima V", "Ultima 5"),
        ("Ultima VII Part Two: Serpent Isle", "Ultima 7 Part II: Serpent Isle"),
        ("Commander Keen 04", "Commander Keen 4"),
        ("Stra\u00dfe", "Strasse"),
    ],
)
def test_normalize_title_makes_equivalent_spellings_equal(a, b):
    assert normalize_title(a) == normalize_title(b)


def test_normalize_title_gives_a_readable_comparison_form():
    assert normalize_title("Ultima VII - The Black Gate") == "ultima 7: black gate"
    assert normalize_title("Dig, The") == "dig"
    assert normalize_title("Ishidó: The Way of Stones") == "ishido: way of stones"


@pytest.mark.parametrize(
    ("title", "normal"),
    [
        ("X-COM: UFO Defense", "x com: ufo defense"),  # not 10
        ("I Have No Mouth, and I Must Scream", "i have no mouth and i must scream"),
        ("V for Vendetta", "v for vendetta"),
        ("XIII", "xiii"),  # a title that is a numeral is a name
        ("The A", "a"),  # an article alone is the whole title
    ],
)
def test_letters_that_look_like_roman_numerals_stay_words_inside_a_title(title, normal):
    assert normalize_title(title) == normal


def test_a_roman_numeral_ending_a_title_part_or_after_a_counter_is_a_number():
    assert normalize_title("Ultima I - The First Age of Darkness") == (
        "ultima 1: first age of darkness"
    )
    assert normalize_title("Star Wars Episode IV: A New Hope") == "star wars episode 4: new hope"


# --- candidates -------------------------------------------------------------------------------


def test_candidate_from_igdb_reads_every_field():
    record = game(
        7, "Doom II", 1994, platforms=(DOS, PC), game_type=MAIN, version_parent=3,
        alt=("Doom 2", "Doom II: Hell on Earth"),
    )  # fmt: skip
    assert Candidate.from_igdb(record) == Candidate(
        id=7, name="Doom II", year=1994, dos_year=1994, platforms=(DOS, PC), game_type=0,
        version_parent=3, alternative_names=("Doom 2", "Doom II: Hell on Earth"),
    )  # fmt: skip


def test_candidate_from_igdb_tolerates_missing_fields():
    assert Candidate.from_igdb({"id": 5}) == Candidate(5, "", None, None, (), None, None, ())
    assert Candidate.from_igdb({}).id == 0


def test_candidate_from_real_records_uses_the_earliest_dos_release_year():
    doom = Candidate.from_igdb(DOOM)
    # These captures lack first_release_date: the earliest dated release stands in for it.
    assert (doom.id, doom.name, doom.dos_year, doom.year) == (673, "Doom", 1993, 1993)
    assert doom.platforms == (405, 149, 3, DOS)
    assert (Candidate.from_igdb(WOLF_2007).dos_year, Candidate.from_igdb(WOLF_2007).year) == (
        None,
        2007,
    )
    assert Candidate.from_igdb(ISHIDO).dos_year == 1990


def test_candidate_from_igdb_ignores_release_dates_without_a_year_and_other_platforms():
    record = {
        "id": 1,
        "name": "X",
        "release_dates": [
            {"id": 1, "platform": DOS},
            {"id": 2, "platform": 16, "y": 1987},
            {"id": 3, "platform": DOS, "y": 1991},
            {"id": 4, "platform": DOS, "y": 1990},
        ],
    }
    assert Candidate.from_igdb(record).dos_year == 1990


def test_candidate_from_igdb_accepts_expanded_references_and_plain_alternative_names():
    record = {
        "id": 1,
        "name": "X",
        "platforms": [{"id": DOS, "name": "DOS"}],
        "game_type": {"id": 8},
        "version_parent": {"id": 2},
        "release_dates": [{"id": 1, "platform": {"id": DOS}, "y": 1990}],
        "alternative_names": ["Ex", {"id": 1}, {"id": 2, "name": " "}],
    }
    candidate = Candidate.from_igdb(record)
    assert candidate.platforms == (DOS,)
    assert (candidate.game_type, candidate.version_parent, candidate.dos_year) == (8, 2, 1990)
    assert candidate.alternative_names == ("Ex",)


def test_first_release_date_is_read_as_a_utc_year_even_before_1970():
    late = calendar.timegm((1993, 12, 31, 23, 30, 0))
    assert Candidate.from_igdb({"id": 1, "first_release_date": late}).year == 1993
    early = calendar.timegm((1962, 2, 1, 0, 0, 0))
    assert Candidate.from_igdb({"id": 1, "first_release_date": early}).year == 1962


# --- titles and sequels -----------------------------------------------------------------------


def test_an_exact_title_on_dos_in_the_same_year_scores_one():
    assert score("Doom", 1993, Candidate.from_igdb(DOOM)) == 1.0
    assert pick("Doom", 1993, [DOOM]) == Match(
        673, 1.0, ({"id": 673, "name": "Doom", "year": 1993, "platforms": [405, 149, 3, 13],
                    "score": 1.0},),
    )  # fmt: skip


def test_doom_never_matches_doom_ii_and_doom_ii_never_matches_doom():
    doom2 = game(2, "Doom II: Hell on Earth", 1994, alt=("Doom 2",))
    assert picked("Doom", 1993, doom2) is None
    assert picked("Doom", None, doom2, DOOM) == 673
    assert picked("Doom II", 1994, DOOM) is None
    assert picked("Doom II", 1994, DOOM, doom2) == 2
    assert picked("Doom 2 - Hell on Earth", 1994, DOOM, doom2) == 2


def test_commander_keen_4_never_matches_commander_keen_5():
    keen5 = game(5, "Commander Keen 5: The Armageddon Machine", 1991)
    keen4 = game(4, "Commander Keen 4: Secret of the Oracle", 1991)
    assert picked("Commander Keen 4", 1991, keen5) is None
    assert picked("Commander Keen IV", 1991, keen5, keen4) == 4
    assert picked("Commander Keen 5", 1991, keen4, keen5) == 5


def test_wing_commander_never_matches_wing_commander_ii_and_vice_versa():
    wc1 = game(1, "Wing Commander", 1990)
    wc2 = game(2, "Wing Commander II: Vengeance of the Kilrathi", 1991)
    assert picked("Wing Commander", 1990, wc2) is None
    assert picked("Wing Commander", None, wc2) is None
    assert picked("Wing Commander II", 1991, wc1) is None
    assert picked("Wing Commander 2", None, wc1, wc2) == 2


def test_a_number_in_an_extra_subtitle_is_a_different_episode():
    assert picked("Ultima VII", 1992, game(1, "Ultima VII Part Two: Serpent Isle", 1993)) is None
    assert picked("Commander Keen", 1991, game(1, "Commander Keen: Episode 5", 1991)) is None


def test_a_different_subtitle_rules_a_candidate_out():
    assert picked("Title: The A", 1990, game(1, "Title: The B", 1990)) is None
    black_gate = game(1, "Ultima VII: The Black Gate", 1992)
    assert picked("Ultima VII - Forge of Virtue", 1993, black_gate) is None


def test_a_subtitle_typo_is_not_a_different_subtitle():
    black_gate = game(1, "Ultima VII: The Black Gate", 1992)
    assert picked("Ultima VII - The Blak Gate", 1992, black_gate) == 1


def test_a_subtitle_on_one_side_only_is_a_small_penalty():
    black_gate = game(1, "Ultima VII: The Black Gate", 1992)
    assert picked("Ultima VII", 1992, black_gate) == 1
    assert picked("Ultima VII", None, black_gate) == 1
    lechuck = game(2, "Monkey Island 2: LeChuck's Revenge", 1991)
    assert picked("Monkey Island 2", 1991, lechuck) == 2
    bare = game(3, "Monkey Island 2", 1991)
    assert picked("Monkey Island 2 - LeChuck's Revenge", 1991, bare) == 3
    assert score("Ultima VII", 1992, Candidate.from_igdb(black_gate)) < 1.0


def test_the_exact_title_beats_the_same_title_with_a_subtitle():
    ultima7 = game(1, "Ultima VII: The Black Gate", 1992)
    bare = game(2, "Ultima VII", 1992)
    assert picked("Ultima VII", 1992, ultima7, bare) == 2
    assert picked("Ultima VII - The Black Gate", 1992, bare, ultima7) == 1


def test_an_extra_subtitle_without_a_sequel_number_needs_the_year_to_agree():
    privateer = game(3, "Wing Commander: Privateer", 1993)
    assert picked("Wing Commander", 1990, privateer) is None
    assert picked("Ishido", 1990, ISHIDO) == 14525


def test_a_title_written_without_its_separator_still_matches():
    black_gate = game(1, "Ultima VII: The Black Gate", 1992)
    assert picked("Ultima VII The Black Gate", 1992, black_gate) == 1
    assert picked("SimCity 2000", 1993, game(2, "Sim City 2000", 1993)) == 2
    assert picked("Wolfenstein 3-D", 1992, WOLF_DOS) == 262516


def test_accents_articles_and_ampersands_do_not_stop_a_match():
    assert picked("Ishido - The Way of Stones", 1990, ISHIDO) == 14525
    assert picked("Dig, The", 1995, game(1, "The Dig", 1995)) == 1
    assert picked("Heroes of Might and Magic", 1995, game(2, "Heroes of Might & Magic", 1995)) == 2


def test_roman_and_arabic_sequel_numbers_are_equivalent_both_ways():
    space_quest = game(1, "Space Quest IV: Roger Wilco and the Time Rippers", 1991)
    police_quest = game(2, "Police Quest 3: The Kindred", 1991)
    assert picked("Space Quest 4", 1991, space_quest) == 1
    assert picked("Police Quest III - The Kindred", 1991, police_quest) == 2


def test_alternative_names_are_compared_too():
    alias = "Commander Keen 4: Secret of the Oracle"
    keen4 = game(4, "Commander Keen in Goodbye, Galaxy!", 1991, alt=(alias,))
    assert picked("Commander Keen 4 - Secret of the Oracle", 1991, keen4) == 4


def test_the_record_whose_own_name_matches_beats_one_matched_by_an_alternative_name():
    own = game(20, "Lands of Lore", 1993)
    aliased = game(10, "Lands of Lore: The Throne of Chaos", 1993, alt=("Lands of Lore",))
    assert picked("Lands of Lore", 1993, aliased, own) == 20


def test_a_small_typo_still_matches():
    assert picked("Comander Keen", 1990, game(1, "Commander Keen", 1990)) == 1


def test_an_unrelated_fuzzy_search_result_is_not_a_match():
    snakes = game(1, "Snake, Snake, Snake!", 2019)
    match = pick("Above Snakes", 1995, [snakes])
    assert match.igdb_id is None
    assert match.candidates[0]["id"] == 1
    others = [game(2, "Final Doom", 1996), game(3, "The Ultimate Doom", 1995)]
    assert pick("Doom", 1993, others).igdb_id is None


# --- platforms and years ----------------------------------------------------------------------


@pytest.mark.parametrize("year", [1992, None])
def test_wolfenstein_3d_picks_the_1992_dos_record_over_its_2007_pc_re_release(year):
    assert picked("Wolfenstein 3D", year, WOLF_2007, WOLF_DOS) == 262516
    assert picked("Wolfenstein 3D", year, WOLF_DOS, WOLF_2007) == 262516


def test_the_2007_re_release_alone_is_not_a_match_for_a_1992_file():
    match = pick("Wolfenstein 3D", 1992, [WOLF_2007])
    assert match.igdb_id is None
    assert match.candidates[0]["id"] == 306982
    assert match.score < THRESHOLD


def test_a_pc_only_port_is_accepted_when_no_dos_record_matches_the_title():
    port = game(9, "Some Port", 1995, platforms=(PC,))
    assert picked("Some Port", 1995, port) == 9
    assert picked("Some Port", None, port) == 9
    assert picked("Some Port", 1995, game(1, "Another Game", 1995), port) == 9


def test_a_dos_record_beats_a_pc_only_record_of_the_same_name_even_with_a_worse_year():
    pc = game(1, "Tyrian", 1995, platforms=(PC,))
    dos = game(2, "Tyrian", 1999)
    assert picked("Tyrian", 1995, pc, dos) == 2


def test_the_pre_2025_doom_record_on_dos_and_pc_counts_as_dos():
    assert picked("Doom", 1993, DOOM_OLD) == 673
    assert Candidate.from_igdb(DOOM_OLD).platforms[:2] == (3, PC)


def test_a_close_year_is_nearly_as_good_as_an_exact_one():
    record = Candidate.from_igdb(game(1, "Stunts", 1990))
    assert score("Stunts", 1991, record) >= 0.97
    assert score("Stunts", 1990, record) > score("Stunts", 1991, record)
    assert score("Stunts", 1991, record) > score("Stunts", 1992, record)
    assert score("Stunts", 1992, record) > score("Stunts", 1999, record)


def test_the_year_breaks_a_tie_between_records_of_the_same_name():
    old = game(10, "Prince of Persia", 1989)
    new = game(11, "Prince of Persia", 1990)
    assert picked("Prince of Persia", 1990, old, new) == 11
    assert picked("Prince of Persia", 1989, new, old) == 10


def test_the_dos_release_year_counts_rather_than_the_first_release_on_another_platform():
    amiga_first = game(1, "Another World", 1991, platforms=(16, DOS), dos_year=1992)
    amiga_first["first_release_date"] = calendar.timegm((1991, 11, 1, 0, 0, 0))
    other = game(2, "Another World", 1991)
    assert picked("Another World", 1992, other, amiga_first) == 1


def test_a_file_without_a_year_between_dos_games_of_one_name_is_ambiguous():
    later = game(5, "Prince of Persia", 1992)
    earlier = game(40, "Prince of Persia", 1990)
    undated = game(3, "Prince of Persia")
    assert picked("Prince of Persia", None, later, undated, earlier) is None
    assert picked("Prince of Persia", 1990, later, undated, earlier) == 40


def test_a_file_without_a_year_takes_the_dos_main_game_over_re_releases():
    rerelease = game(7, "Prince of Persia", 2008, platforms=(PC,))
    remake = game(8, "Prince of Persia", 1993, game_type=REMAKE)
    original = game(40, "Prince of Persia", 1990)
    assert picked("Prince of Persia", None, rerelease, remake, original) == 40


def test_the_same_words_in_another_order_are_another_game():
    assert picked("Quest Sorcerer", None, game(1, "Sorcerer Quest", 1990)) is None


# --- editions ---------------------------------------------------------------------------------


@pytest.mark.parametrize("game_type", [REMAKE, REMASTER, PORT, EXPANSION])
def test_main_games_beat_remakes_remasters_ports_and_expansions(game_type):
    other = game(1, "Flashback", 1993, game_type=game_type)
    main = game(2, "Flashback", 1993, game_type=MAIN)
    untyped = game(3, "Flashback", 1993)
    assert picked("Flashback", 1993, other, main) == 2
    assert picked("Flashback", 1993, other, untyped) == 3


def test_records_without_a_version_parent_beat_editions():
    edition = game(1, "Doom", 1993, version_parent=673)
    assert picked("Doom", 1993, edition, DOOM) == 673


def test_an_edition_or_remake_alone_still_matches_its_exact_title():
    assert picked("Doom", 1993, game(1, "Doom", 1993, version_parent=673)) == 1
    assert picked("Doom", 1993, game(2, "Doom", 1993, game_type=REMAKE)) == 2


# --- threshold, ties, robustness --------------------------------------------------------------


def test_below_the_threshold_no_id_is_returned_but_the_best_candidates_are_kept():
    results = [game(i, f"Quest for Glory {n}", 1990 + i) for i, n in enumerate("2345678", 1)]
    match = pick("Quest for Glory", 1989, results)
    assert match.igdb_id is None
    assert match.score == 0.0
    assert len(match.candidates) == 5
    assert {c["id"] for c in match.candidates} <= {r["id"] for r in results}


def test_the_threshold_can_be_tightened():
    subtitled = [game(1, "Monkey Island 2: LeChuck's Revenge", 1991)]
    assert pick("Monkey Island 2", 1991, subtitled).igdb_id == 1
    assert pick("Monkey Island 2", 1991, subtitled, threshold=0.99).igdb_id is None


def test_two_different_games_tied_at_the_top_are_ambiguous_and_not_picked():
    privateer = game(3, "Wing Commander: Privateer", 1993)
    armada = game(4, "Wing Commander: Armada", 1993)
    match = pick("Wing Commander", None, [privateer, armada])
    assert match.igdb_id is None
    assert match.score >= THRESHOLD
    assert [c["id"] for c in match.candidates] == [3, 4]


def test_a_tie_with_a_different_game_or_a_duplicate_is_ambiguous():
    privateer = game(3, "Wing Commander: Privateer", 1993)
    duplicate = game(5, "Wing Commander: Privateer", 1993)
    armada = game(4, "Wing Commander: Armada", 1993)
    assert picked("Wing Commander", None, privateer, duplicate) is None
    assert picked("Wing Commander", None, privateer, duplicate, armada) is None


def test_pc_only_records_tied_at_the_top_are_ambiguous_too():
    one = game(1, "Pinball: Fantasies", 1995, platforms=(PC,))
    two = game(2, "Pinball: Illusions", 1995, platforms=(PC,))
    assert picked("Pinball", 1995, one, two) is None


def test_same_name_duplicates_tied_on_every_rule_are_left_for_review():
    assert picked("Wolfenstein 3D", 1992, game(9, "Wolfenstein 3D", 1992), WOLF_DOS) is None


def test_empty_results_give_no_match():
    assert pick("Doom", 1993, []) == Match(None, 0.0, ())


def test_records_without_an_id_or_a_name_and_repeated_records_are_skipped():
    results = [{"name": "Doom"}, {"id": 3}, "junk", None, DOOM, DOOM]
    match = pick("Doom", 1993, results)
    assert match.igdb_id == 673
    assert [c["id"] for c in match.candidates] == [673]


def test_records_with_only_an_id_and_a_name_can_still_match():
    match = pick("Doom", None, [{"id": 1, "name": "Doom"}])
    assert match.igdb_id == 1  # no platform: treated as not DOS, still acceptable
    summary = {"id": 1, "name": "Doom", "year": None, "platforms": [], "score": 0.88}
    assert match.candidates[0] == summary


def test_candidates_keep_their_cover_image_id_for_review():
    wolf = {**game(1, "Wolfenstein 3D", 1992), "cover": {"id": 9, "image_id": "co1abc"}}
    bare = {**game(2, "Wolfenstein 3D", 2007), "cover": {"id": 8}}  # no image id sent
    match = pick("Wolfenstein 3D", 1992, [wolf, bare, {**game(3, "Wolf"), "cover": 5}])
    assert [c.get("cover") for c in match.candidates] == ["co1abc", None, None]
    assert Candidate.from_igdb(wolf).cover == "co1abc"


def test_candidates_are_json_serialisable_best_first_and_at_most_five():
    results = [game(i, "Doom" if i == 7 else f"Doom {i}", 1993) for i in range(1, 11)]
    match = pick("Doom", 1993, results)
    assert match.igdb_id == 7
    assert len(match.candidates) == 5
    assert match.candidates[0]["id"] == 7
    assert json.loads(json.dumps(match.candidates)) == list(match.candidates)
    assert set(match.candidates[0]) == {"id", "name", "year", "platforms", "score"}


def test_pick_does_not_depend_on_the_order_of_the_results():
    results = [WOLF_2007, WOLF_DOS, game(1, "Wolfenstein 3D", 1994)]
    results.append(game(2, "Spear of Destiny", 1992))
    outcomes = {
        json.dumps(dataclasses.asdict(pick("Wolfenstein 3D", 1992, list(p))))
        for p in itertools.permutations(results)
    }
    assert len(outcomes) == 1
    assert json.loads(outcomes.pop())["igdb_id"] == 262516


@settings(max_examples=200, deadline=None)
@given(
    title=st.text(max_size=40),
    names=st.lists(st.text(max_size=40), max_size=10),
    year=st.none() | st.integers(1970, 2030),
)
def test_pick_never_raises_and_scores_stay_between_zero_and_one(title, names, year):
    results = [game(i, name, 1990 + i % 5) for i, name in enumerate(names, 1)]
    match = pick(title, year, results)
    assert 0.0 <= match.score <= 1.0
    assert all(0.0 <= c["score"] <= 1.0 for c in match.candidates)
    assert match.igdb_id is None or match.igdb_id == match.candidates[0]["id"]
    assert search_query(title)
