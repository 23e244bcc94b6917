"""The IGDB client over real HTTP against the project's fake IGDB."""

import anyio
import pytest

from fake_igdb import FakeIGDB, build_dataset
from scraper.igdb import IGDBClient, IGDBError, RateLimiter, TokenCache, client_from_settings


@pytest.fixture(scope="module")
def dataset():
    return build_dataset(n_games=60, seed=3)


@pytest.fixture
def fake(dataset):
    with FakeIGDB(dataset, latency=0.01) as server:
        yield server


def client_for(fake, tmp_path=None, **kwargs):
    kwargs.setdefault("backoff", 0.05)
    return IGDBClient(
        kwargs.pop("client_id", fake.client_id),
        kwargs.pop("client_secret", fake.client_secret),
        api_url=fake.api_url,
        token_url=fake.token_url,
        token_cache=TokenCache(tmp_path / "token.json" if tmp_path else None),
        **kwargs,
    )


def run(client, call):
    async def main():
        async with client:
            return await call(client)

    return anyio.run(main)


def doom(client):
    return client.games_by_id([673])


def test_fetches_a_full_record_by_id(fake):
    [record] = run(client_for(fake), doom)
    assert record["name"] == "Doom"
    assert {"id", "name"} <= set(record["genres"][0])
    assert "image_id" in record["cover"]


def test_searches_many_titles_in_one_request(fake):
    results = run(client_for(fake), lambda c: c.search_games(["Doom", "Wolfenstein 3D"]))
    assert fake.stats.by_endpoint.get("multiquery") == 1
    assert results[0][0]["name"] == "Doom"
    assert {r["name"] for r in results[1]} >= {"Wolfenstein 3D"}


def test_the_token_is_reused_across_runs(fake, tmp_path):
    run(client_for(fake, tmp_path), doom)
    run(client_for(fake, tmp_path), doom)
    assert fake.stats.tokens_issued == 1
    assert oct((tmp_path / "token.json").stat().st_mode & 0o777) == "0o600"


def test_an_expired_token_is_replaced_once_and_the_request_goes_through(fake):
    fake.token_expires_after = 2

    async def three(client):
        return [await client.games_by_id([673]) for _ in range(3)]

    assert len(run(client_for(fake), three)) == 3
    assert fake.stats.tokens_issued == 2


def test_a_fresh_token_used_up_by_other_requests_is_replaced_and_not_called_wrong_credentials(
    fake, monkeypatch
):
    # With four requests open, the others can use up a new token (their answers being timeouts
    # or 429s) before this request's first use of it: seen in CI as a false "wrong credentials".
    fake.token_expires_after = 1
    authorized = fake._authorized

    def second_token_used_up(handler):
        issued = list(fake._tokens)
        if len(issued) == 2 and handler.headers.get("Authorization") == f"Bearer {issued[1]}":
            return False
        return authorized(handler)

    monkeypatch.setattr(fake, "_authorized", second_token_used_up)

    async def two(client):
        return [await client.games_by_id([673]) for _ in range(2)]

    assert len(run(client_for(fake), two)) == 2
    assert fake.stats.tokens_issued == 3


def test_a_token_refused_right_after_it_was_issued_is_a_clear_error(fake):
    fake.token_expires_after = 0
    with pytest.raises(IGDBError, match="freshly issued token") as info:
        run(client_for(fake), doom)
    assert info.value.permanent


def test_a_wrong_client_id_names_the_setting(fake):
    with pytest.raises(IGDBError, match="IGDB_CLIENT_ID") as info:
        run(client_for(fake, client_id="nope"), doom)
    assert info.value.permanent and "dev.twitch.tv" in str(info.value)


def test_a_wrong_secret_names_the_setting(fake):
    with pytest.raises(IGDBError, match="IGDB_SECRET_KEY"):
        run(client_for(fake, client_secret="nope"), doom)


def test_missing_credentials_are_refused_before_any_request():
    with pytest.raises(IGDBError, match="not set"):
        IGDBClient("", "", api_url="http://127.0.0.1:9", token_url="http://127.0.0.1:9")


def test_a_bad_query_fails_at_once_with_igdbs_cause(fake):
    with pytest.raises(IGDBError, match="Invalid Field") as info:
        run(client_for(fake), lambda c: c.post("games", "fields nope; where id = 673;"))
    assert info.value.permanent
    assert fake.stats.requests == 1


@pytest.mark.parametrize(
    "fault", ["error_500_rate", "extra_429_rate", "broken_json_rate", "hang_rate"]
)
def test_transient_faults_are_retried_until_the_answer_comes(fake, fault):
    setattr(fake, fault, 0.5)
    fake.hang_seconds = 1.0

    async def ten(client):
        return [await client.games_by_id([673]) for _ in range(10)]

    client = client_for(fake, timeout=0.3, attempts=12)
    answers = run(client, ten)
    assert all(answer[0]["id"] == 673 for answer in answers)
    assert client.stats.retries > 0


def test_a_lasting_outage_ends_in_a_retryable_error(fake):
    fake.error_500_rate = 1.0
    with pytest.raises(IGDBError, match="gave up after 3 tries") as info:
        run(client_for(fake, attempts=3), doom)
    assert not info.value.permanent


def test_an_unreachable_server_is_a_retryable_error(fake):
    client = IGDBClient(
        "id", "secret", api_url="http://127.0.0.1:9/v4", token_url="http://127.0.0.1:9/t",
        attempts=2, backoff=0.01,
    )  # fmt: skip
    with pytest.raises(IGDBError, match="cannot reach Twitch") as info:
        run(client, doom)
    assert not info.value.permanent


def test_many_concurrent_requests_never_exceed_igdbs_limits(dataset):
    with FakeIGDB(dataset, latency=0.3) as fake:

        async def burst(client):
            async with anyio.create_task_group() as tg:
                for _ in range(14):
                    tg.start_soon(client.games_by_id, [673])

        client = client_for(fake, concurrency=8)
        run(client, burst)
        assert fake.stats.rate_limited == 0
        assert fake.stats.max_in_one_second <= 4
        assert fake.stats.max_open <= 8
        assert client.stats.responses_429 == 0


def test_the_limiter_spaces_request_starts():
    starts = []

    async def main():
        limiter = RateLimiter(rate=4, period=0.2, max_open=8, margin=0)

        async def one():
            async with limiter:
                starts.append(anyio.current_time())

        async with anyio.create_task_group() as tg:
            for _ in range(12):
                tg.start_soon(one)

    anyio.run(main)
    starts.sort()
    # Any 5 consecutive starts span at least one period.
    pairs = zip(starts, starts[4:], strict=False)
    assert all(later - earlier >= 0.2 - 1e-3 for earlier, later in pairs)


# The client built from settings, and the credentials check `setup` uses ----------------------


def check(client):
    return run(client, lambda c: c.check_credentials())


def test_clients_from_the_settings_share_one_private_token_file_in_the_data_folder(
    fake_igdb, settings
):
    [record] = run(client_from_settings(), doom)
    assert record["name"] == "Doom"
    run(client_from_settings(concurrency=1), doom)
    assert fake_igdb.stats.tokens_issued == 1
    token_file = settings.DATA_DIR / "igdb-token.json"
    assert oct(token_file.stat().st_mode & 0o777) == "0o600"


def test_the_client_from_settings_needs_credentials(settings):
    settings.IGDB_CLIENT_ID, settings.IGDB_SECRET_KEY = "someone", ""
    with pytest.raises(IGDBError, match="not set") as info:
        client_from_settings()
    assert info.value.permanent


def test_the_credentials_check_asks_twitch_even_with_a_token_cached(fake_igdb):
    run(client_from_settings(), doom)
    fake_igdb.reset_stats()
    with pytest.raises(IGDBError, match="Twitch refused IGDB_SECRET_KEY") as info:
        check(client_from_settings(credentials=(fake_igdb.client_id, "not-the-secret")))
    assert info.value.permanent
    assert fake_igdb.stats.token_requests == 1


def test_an_unknown_client_id_fails_the_check_at_once(fake_igdb):
    with pytest.raises(IGDBError, match="Twitch does not know this IGDB_CLIENT_ID") as info:
        check(client_from_settings(credentials=("nobody", fake_igdb.client_secret)))
    assert info.value.permanent and "dev.twitch.tv" in str(info.value)
    assert fake_igdb.stats.token_requests == 1


def test_a_checked_token_is_the_one_the_next_scrape_uses(fake_igdb):
    check(client_from_settings())
    run(client_from_settings(), doom)
    assert fake_igdb.stats.tokens_issued == 1


def test_an_unreachable_twitch_fails_the_check_as_retryable(settings):
    settings.IGDB_CLIENT_ID, settings.IGDB_SECRET_KEY = "someone", "secret"
    settings.TWITCH_TOKEN_URL = "http://127.0.0.1:9/oauth2/token"  # nothing listens there
    with pytest.raises(IGDBError, match="cannot reach Twitch") as info:
        check(client_from_settings(attempts=1))
    assert not info.value.permanent
