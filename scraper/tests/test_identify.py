"""How a lookup's result reads for people (`scrape --dry-run` prints one line per game)."""

from scraper.identify import Job, Kind, Result
from scraper.matching import Match

DOOM = Job(1, "Doom", 1993)
CANDIDATE = {"id": 673, "name": "Doom", "year": 1993, "platforms": [13], "score": 0.62}


def test_a_sure_match_names_the_record():
    result = Result(DOOM, Kind.MATCHED, Match(673, 1.0, ()), {"id": 673, "name": "Doom"})
    assert result.describe() == 'Doom (1993) -> IGDB 673 "Doom"'


def test_a_less_sure_match_shows_its_score():
    result = Result(DOOM, Kind.MATCHED, Match(673, 0.87, ()), {"id": 673, "name": "Doom"})
    assert result.describe() == 'Doom (1993) -> IGDB 673 "Doom" (score 0.87)'


def test_no_match_shows_the_best_candidate_if_there_was_one():
    result = Result(Job(2, "Dooom", None), Kind.NO_MATCH, Match(None, 0.62, (CANDIDATE,)))
    assert result.describe() == 'Dooom -> no confident match (best: 673 "Doom", score 0.62)'
    assert Result(DOOM, Kind.NO_MATCH).describe() == "Doom (1993) -> no confident match"


def test_a_failure_gives_its_reason():
    result = Result(DOOM, Kind.FAILED, error="IGDB answered 500")
    assert result.describe() == "Doom (1993) -> failed: IGDB answered 500"
