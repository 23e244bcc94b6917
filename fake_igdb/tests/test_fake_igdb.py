"""The fake IGDB server speaks real HTTP like IGDB does (docs/igdb/API_FACTS.md).

No database: these tests only start `FakeIGDB` on 127.0.0.1 and talk to it with httpx.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from fake_igdb import FakeIGDB, build_dataset
from fake_igdb.samples import DATA_DIR as DATA


@pytest.fixture(scope="module")
def dataset():
    return build_dataset(n_games=300, seed=3)


@pytest.fixture(scope="module")
def igdb(dataset):
    """A fast server with limits out of the way, for the query tests."""
    with FakeIGDB(dataset, latency=0.01, rate_limit=10_000, max_open=1000) as fake:
        yield fake


def make(dataset, **kw) -> FakeIGDB:
    kw.setdefault("latency", 0.01)
    return FakeIGDB(dataset, **kw).start()


def auth(fake: FakeIGDB) -> dict[str, str]:
    return {"Client-ID": fake.client_id, "Authorization": f"Bearer {fake.issue_token()}"}


def post(fake: FakeIGDB, endpoint: str, body: str, headers=None, **kw) -> httpx.Response:
    return httpx.post(f"{fake.api_url}/{endpoint}", content=body,
                      headers=headers or auth(fake), **kw)  # fmt: skip


def ids(response: httpx.Response) -> list[int]:
    assert response.status_code == 200, response.text
    return [row["id"] for row in response.json()]


def fire(fake: FakeIGDB, n: int, headers=None) -> list[int]:
    """n requests at the same moment; returns their status codes."""
    headers = headers or auth(fake)
    with ThreadPoolExecutor(n) as pool:
        futures = [pool.submit(post, fake, "games", "fields name;", headers) for _ in range(n)]
        return [f.result().status_code for f in futures]


# --- tokens -------------------------------------------------------------------------------


def test_a_token_is_issued_for_a_form_body_and_for_query_parameters(igdb):
    creds = {"client_id": igdb.client_id, "client_secret": igdb.client_secret,
             "grant_type": "client_credentials"}  # fmt: skip
    for response in (httpx.post(igdb.token_url, data=creds),
                     httpx.post(igdb.token_url, params=creds)):  # fmt: skip
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"access_token", "expires_in", "token_type"}
        assert body["expires_in"] == 5_587_808 and body["token_type"] == "bearer"
        headers = {"Client-ID": igdb.client_id, "Authorization": f"Bearer {body['access_token']}"}
        assert post(igdb, "games", "fields name; where id = 673;", headers).status_code == 200


def test_an_unknown_client_gets_400_and_a_wrong_secret_gets_403(igdb):
    base = {"client_secret": igdb.client_secret, "grant_type": "client_credentials"}
    response = httpx.post(igdb.token_url, data={**base, "client_id": "nope"})
    assert response.status_code == 400
    assert response.json() == {"status": 400, "message": "invalid client"}
    response = httpx.post(igdb.token_url, data={**base, "client_id": igdb.client_id,
                                                "client_secret": "wrong"})  # fmt: skip
    assert response.status_code == 403
    assert response.json() == {"status": 403, "message": "invalid client secret"}


def test_requests_without_or_with_a_wrong_token_get_the_401_tips_body(igdb):
    tips = json.loads((DATA / "error_401_auth-failure__illarionov-igdbclient.json").read_text())
    for headers in ({"Client-ID": igdb.client_id},
                    {"Client-ID": igdb.client_id, "Authorization": "Bearer not-a-token"},
                    {"Client-ID": "other", "Authorization": auth(igdb)["Authorization"]},
                    {"Client-ID": igdb.client_id, "Authorization": igdb.issue_token()},
                    ):  # fmt: skip
        response = post(igdb, "games", "fields name;", headers)
        assert response.status_code == 401
        assert response.json() == tips


# --- fields and expansion -----------------------------------------------------------------


def test_nested_fields_expand_doom_like_the_real_api_without_nulls(igdb):
    fields = "name,cover.image_id,involved_companies.company.name,release_dates.y"
    [doom] = post(igdb, "games", f"fields {fields}; where id = 673;").json()
    assert next(iter(doom)) == "id" and doom["id"] == 673 and doom["name"] == "Doom"
    assert doom["cover"] == {"id": 268663, "image_id": "co5rav"}
    companies = {ic["company"]["name"] for ic in doom["involved_companies"]}
    assert {"id Software", "Infinity", "Imagineer"} == companies
    assert all(set(ic) == {"id", "company"} for ic in doom["involved_companies"])
    assert {rd["y"] for rd in doom["release_dates"]} == {1993, 1994, 2002}
    assert "null" not in post(igdb, "games", "fields *; limit 50;").text


def test_unexpanded_references_are_bare_ids_and_star_expands_one_level(igdb):
    [wolf] = post(igdb, "games", "fields *; where id = 262516;").json()
    assert wolf["platforms"] == [13] and wolf["cover"] == 325157
    assert wolf["slug"] == "wolfenstein-3d--1" and "aggregated_rating" not in wolf
    [shots] = post(igdb, "games", "fields screenshots.*; where id = 262516;").json()
    assert set(shots) == {"id", "screenshots"}
    first = shots["screenshots"][0]
    assert first["image_id"] == "scte3r" and first["game"] == 262516
    [ids_only] = post(igdb, "games", "where id = 673;").json()
    assert ids_only == {"id": 673}


def test_where_id_list_with_limit_500_returns_every_listed_game(igdb, dataset):
    wanted = sorted(dataset.games)[:300]
    body = f"fields name; where id = ({','.join(map(str, wanted))}); limit 500;"
    assert sorted(ids(post(igdb, "games", body))) == wanted
    assert len(ids(post(igdb, "games", "fields name;"))) == 10  # the default limit


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ('name ~ "DOOM"', {673}),
        ('name = "doom"', set()),
        ('name = "Doom" | id = 14525', {673, 14525}),
        ('name ~ "wolfenstein"* & platforms = (13)', {262516}),
        ('name ~ *"3D"', {262516, 306982}),
        ('name ~ *"way of"* & release_dates.platform = (16)', {14525}),
        ("platforms = [3,6,14] & id = (306982, 262516)", {306982}),
        ("platforms = {13} & id = (306982, 262516, 673)", {262516}),
        ("id = (673, 262516) & aggregated_rating = null", {262516}),
        ("id = (673, 262516) & (rating > 85 | rating < 1)", {673}),
        ("id = (673, 306982) & platforms != (13)", {306982}),
        ("id = (673, 14525) & platforms = !(405)", {14525}),
        ('involved_companies.company.name = "Apogee Software"', {262516}),
    ],
)
def test_where_filters_follow_apicalypse_semantics(igdb, where, expected):
    assert set(ids(post(igdb, "games", f"fields id; where {where}; limit 500;"))) == expected


def test_sort_and_offset_page_through_results(igdb):
    body = "fields first_release_date; where platforms = (13); sort first_release_date desc;"
    dates = [g["first_release_date"] for g in post(igdb, "games", body + " limit 20;").json()]
    assert dates == sorted(dates, reverse=True)
    page2 = post(igdb, "games", body + " limit 10; offset 10;").json()
    assert [g["first_release_date"] for g in page2] == dates[10:]


def test_search_ranks_the_exact_name_first_and_ignores_accents(igdb, dataset):
    names = Counter(g["name"] for g in dataset.games.values())
    name = next(n for n, c in sorted(names.items()) if c == 1 and " " in n and n.isascii())
    found = post(igdb, "games", f'fields name; search "{name}"; limit 5;').json()
    assert found[0]["name"] == name
    found = post(igdb, "games", 'fields name; search "ishido the way of stones";').json()
    assert found[0]["id"] == 14525
    assert post(igdb, "games", 'fields name; search "qqqzzzxxx";').json() == []


def test_the_search_endpoint_supports_game_paths(igdb):
    body = ('fields name,game.name,game.platforms; search "Wolfenstein 3D"; '
            "where game != null & game.platforms = (13);")  # fmt: skip
    rows = post(igdb, "search", body).json()
    assert [row["game"]["id"] for row in rows] == [262516]
    assert rows[0]["name"] == "Wolfenstein 3D"


def test_count_and_multiquery_answer_in_request_order(igdb, dataset):
    dos = sum(13 in g["platforms"] for g in dataset.games.values())
    assert post(igdb, "games/count", "where platforms = (13);").json() == {"count": dos}
    body = ('query games/count "DOS games" { where platforms = (13); };\n'
            'query games "Doom" {\n  // comments are allowed\n  fields name,platforms.name;\n'
            '  search "doom";\n  limit 1;\n};')  # fmt: skip
    response = post(igdb, "multiquery", body)
    assert response.status_code == 200
    first, second = response.json()
    assert first == {"name": "DOS games", "count": dos}
    assert second["name"] == "Doom" and second["result"][0]["id"] == 673
    assert {"id": 13, "name": "DOS"} in second["result"][0]["platforms"]


def test_multiquery_with_eleven_blocks_or_one_bad_block_is_rejected(igdb):
    block = 'query games "q{}" {{ fields name; limit 1; }};'
    assert post(igdb, "multiquery", "".join(block.format(i) for i in range(10))).status_code == 200
    assert post(igdb, "multiquery", "".join(block.format(i) for i in range(11))).status_code == 400
    bad = block.format(1) + 'query games "x" { fields name; search doom; };'
    assert post(igdb, "multiquery", bad).status_code == 400


# --- errors -------------------------------------------------------------------------------


def test_apicalypse_errors_carry_the_real_bodies(igdb):
    response = post(igdb, "games", "fields name; search Diablo;")
    assert response.status_code == 400
    assert response.json() == json.loads(
        (DATA / "error_400_syntax-error__illarionov-igdbclient.json").read_text()
    )
    for field in ("nope", "category", "status", "collection", "cover.nope"):
        response = post(igdb, "games", f"fields name,{field};")
        assert response.status_code == 400
        cause = f"Invalid field name: '{field}'"
        assert response.json() == [{"title": "Invalid Field", "status": 400, "cause": cause}]
    assert post(igdb, "games", "where name = Doom;").status_code == 400
    response = post(igdb, "games", "fields name; limit 501;")
    assert response.status_code == 403
    cause = "You typed in 501 as limit but your maximum is 500"
    assert response.json() == [{"title": "Request limit to high", "status": 403, "cause": cause}]


def test_unknown_endpoints_and_oversized_bodies_are_refused(igdb):
    response = post(igdb, "gamez", "fields name;")
    assert (response.status_code, response.text) == (404, "Endpoint POST /gamez not found")
    response = post(igdb, "games", "fields name; where id = (" + "1," * 20_000 + "1);")
    assert response.status_code == 413 and response.json()["status"] == 413


# --- limits -------------------------------------------------------------------------------


def test_six_simultaneous_requests_break_the_rate_limit(dataset):
    # Short latency: the 7th request must arrive within the same second as the six, which
    # 0.3 s answers left too little room for when the machine is busy (the suite runs
    # scrape subprocesses in parallel).
    with make(dataset, latency=0.01) as fake:
        codes = fire(fake, 6)
        assert codes.count(200) == 4 and codes.count(429) == 2
        assert fake.stats.rate_limited == 2 and fake.stats.max_in_one_second == 6
        response = post(fake, "games", "fields name;")
        assert response.status_code == 429 and "Retry-After" not in response.headers
        assert response.json() == {"message": "Too Many Requests"}


def test_four_requests_per_second_are_never_limited(dataset):
    with make(dataset) as fake:
        headers = auth(fake)
        for _ in range(4):
            assert post(fake, "games", "fields name;", headers).status_code == 200
        time.sleep(1.02)  # the 4th arrived before its answer, so it is now out of the window
        assert fire(fake, 4, headers) == [200] * 4
        assert fake.stats.rate_limited == 0 and fake.stats.max_in_one_second == 4


def test_more_open_requests_than_allowed_get_429(dataset):
    with make(dataset, latency=0.3, rate_limit=100, max_open=3) as fake:
        codes = fire(fake, 6)
        assert codes.count(429) >= 1 and fake.stats.rate_limited == codes.count(429)
        assert fake.stats.max_open >= 4


def test_a_weighted_multiquery_uses_up_the_second(dataset):
    with make(dataset) as fake:
        fake.multiquery_counts_as = 10
        headers = auth(fake)
        assert post(fake, "multiquery", 'query games "a" { fields name; };', headers).is_success
        assert post(fake, "games", "fields name;", headers).status_code == 429


# --- faults -------------------------------------------------------------------------------


def test_fault_switches_inject_500_429_and_broken_json(dataset):
    with make(dataset) as fake:
        headers = auth(fake)
        fake.error_500_rate = 1.0
        response = post(fake, "games", "fields name;", headers)
        assert (response.status_code, response.text) == (500, "Internal Server Error")
        fake.error_500_rate, fake.extra_429_rate = 0.0, 1.0
        response = post(fake, "games", "fields name;", headers)
        assert response.status_code == 429 and response.json() == {"message": "Too Many Requests"}
        fake.extra_429_rate, fake.broken_json_rate = 0.0, 1.0
        response = post(fake, "games", "fields name; where id = 673;", headers)
        assert response.status_code == 200
        with pytest.raises(json.JSONDecodeError):
            json.loads(response.text)
        stats = fake.stats
        assert (stats.injected_500, stats.injected_429, stats.broken_json) == (1, 1, 1)
        assert stats.rate_limited == 0 and stats.requests == 3
        assert [entry[3] for entry in stats.log] == [500, 429, 200]


def test_a_hanging_request_times_out_and_stop_releases_it(dataset):
    fake = make(dataset, rate_limit=100)
    fake.hang_rate, fake.hang_seconds = 1.0, 0.5
    with pytest.raises(httpx.ReadTimeout):
        post(fake, "games", "fields name;", timeout=0.2)
    assert fake.stats.hung == 1
    fake.hang_seconds = 30
    errors = []
    waiter = threading.Thread(target=lambda: errors.append(_swallow(fake)))
    waiter.start()
    time.sleep(0.2)
    started = time.monotonic()
    fake.stop()
    waiter.join(5)
    assert time.monotonic() - started < 2 and errors == [True]


def _swallow(fake) -> bool:
    try:
        post(fake, "games", "fields name;", timeout=10)
    except httpx.HTTPError:
        return True
    return False


def test_tokens_expire_after_the_configured_number_of_requests(dataset):
    with make(dataset) as fake:
        fake.token_expires_after = 2
        headers = auth(fake)
        codes = [post(fake, "games", "fields name;", headers).status_code for _ in range(3)]
        assert codes == [200, 200, 401] and fake.stats.unauthorized == 1


def test_reset_stats_clears_the_counters(dataset):
    with make(dataset) as fake:
        post(fake, "games", "fields name;")
        assert fake.stats.requests == 1 and fake.stats.by_endpoint == {"games": 1}
        fake.reset_stats()
        assert fake.stats.requests == 0 and fake.stats.log == []


# --- images -------------------------------------------------------------------------------


def pixels(jpeg: bytes) -> tuple[int, int]:
    """Width and height from the baseline frame header (SOF0)."""
    sof = jpeg.index(b"\xff\xc0")
    return int.from_bytes(jpeg[sof + 7 : sof + 9]), int.from_bytes(jpeg[sof + 5 : sof + 7])


def test_images_are_served_for_known_ids_only(igdb):
    response = httpx.get(f"{igdb.image_url}/t_cover_big/co5rav.jpg")
    assert response.status_code == 200 and response.headers["content-type"] == "image/jpeg"
    assert response.content.startswith(b"\xff\xd8") and response.content.endswith(b"\xff\xd9")
    assert pixels(response.content) == (264, 374)  # IGDB's cover_big
    double = httpx.get(f"{igdb.image_url}/t_cover_small_2x/co5rav.jpg")
    assert double.status_code == 200 and pixels(double.content) == (180, 256)
    other_id = next(i for i in sorted(igdb.images) if i.startswith("co") and i != "co5rav")
    other = httpx.get(f"{igdb.image_url}/t_cover_big/{other_id}.jpg")
    assert other.content != response.content  # each image its own grey
    assert igdb.stats.images == {"cover_big": 2, "cover_small_2x": 1}
    assert httpx.get(f"{igdb.image_url}/t_cover_big/nothere.jpg").status_code == 404
    assert httpx.get(f"{igdb.image_url}/t_giant/co5rav.jpg").status_code == 404


# --- dataset ------------------------------------------------------------------------------


def test_the_dataset_is_deterministic_for_a_seed():
    one, two = build_dataset(250, seed=9), build_dataset(250, seed=9)
    assert one.library == two.library and one.tables == two.tables
    assert build_dataset(250, seed=10).library != one.library
    assert len(one.games) == 250


def test_the_library_carries_every_trap_with_a_sound_answer():
    data = build_dataset(1200, seed=1)
    games, kinds = data.games, Counter(e.kind for e in data.library)
    expected_kinds = (
        "plain same_name same_name_noyear sequel sequel_missing pc_only subtitle alt_name "
        "homonym ambiguous not_on_igdb accent"
    ).split()
    for kind in expected_kinds:
        assert kinds[kind] > 0, kind
    assert 0.2 < data.stats()["trap_share"] < 0.4
    for entry in data.library:
        if entry.kind in ("sequel_missing", "ambiguous", "not_on_igdb"):
            assert entry.expected_id is None
            continue
        game = games[entry.expected_id]
        if entry.kind.startswith("same_name"):
            namesakes = [g for g in games.values() if g["name"] == game["name"]]
            assert len(namesakes) >= 2 and 13 in game["platforms"]
            assert "version_parent" not in game
        if entry.kind == "pc_only":
            assert game["platforms"] == [6]
    assert games[673]["name"] == "Doom" and games[306982]["slug"] == "wolfenstein-3d--7"
