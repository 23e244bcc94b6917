"""The IGDB client secret and access tokens never show: not in logs (at DEBUG, httpx's
included), not in the command's output, not on Django's debug 500 page."""

import logging
import secrets
import sys
from io import StringIO

import anyio
import pytest
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.views.debug import technical_500_response

from fake_igdb import FakeIGDB, build_dataset
from scraper.igdb import IGDBClient, IGDBError

pytestmark = pytest.mark.django_db

SECRET = "s3cret-" + secrets.token_hex(12)


@pytest.fixture(scope="module")
def dataset():
    return build_dataset(n_games=30, seed=11)


@pytest.fixture
def fake(dataset, settings, tmp_path, monkeypatch):
    monkeypatch.setattr(IGDBClient, "BACKOFF", 0.01)
    with FakeIGDB(dataset, latency=0.0, client_secret=SECRET) as server:
        server.configure(settings, tmp_path / "data")
        yield server


@pytest.fixture
def logs(caplog):
    for name in (None, "httpx", "httpcore", "scraper", "django"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def scrape(*args):
    """stdout + stderr of `scrape`, and the CommandError's message when it fails."""
    out, err = StringIO(), StringIO()
    try:
        call_command("scrape", *map(str, args), stdout=out, stderr=err, verbosity=3)
    except CommandError as exc:
        return out.getvalue() + err.getvalue() + str(exc)
    return out.getvalue() + err.getvalue()


def assert_nothing_secret(fake, *texts):
    tokens = list(fake._tokens)
    for text in texts:
        assert SECRET not in text
        for token in tokens:
            assert token not in text


def test_a_scrape_logged_at_debug_shows_neither_secret_nor_token(fake, library_dir, logs):
    output = scrape(library_dir)
    assert "IGDB finished" in output
    assert fake.stats.tokens_issued == 1
    assert logs.records  # the capture works: httpx and the scraper did log
    assert_nothing_secret(fake, output, logs.text)


def test_a_wrong_secret_is_named_but_not_shown(fake, library_dir, logs, settings):
    wrong = "wr0ng-" + secrets.token_hex(12)
    settings.IGDB_SECRET_KEY = wrong
    output = scrape(library_dir)
    assert "IGDB_SECRET_KEY" in output
    assert wrong not in output and wrong not in logs.text
    assert_nothing_secret(fake, output, logs.text)


def test_refused_tokens_and_server_errors_show_no_token(fake, library_dir, logs):
    fake.token_expires_after = 0  # every API call: 401, also with the fresh token
    output = scrape(library_dir)
    assert "freshly issued token" in output
    assert fake.stats.tokens_issued == 3  # the first, then two fresh ones refused
    fake.token_expires_after = None
    fake.error_500_rate = 1.0
    output += scrape(library_dir, "--retry")
    assert "failed" in output
    fake.error_500_rate = 0
    fake.token_expires_after = 1  # each token dies after one call and is replaced
    output += scrape(library_dir, "--retry")
    assert fake.stats.tokens_issued >= 3
    assert_nothing_secret(fake, output, logs.text)


def test_the_debug_error_page_masks_the_secret_and_the_token(fake, settings):
    settings.DEBUG = True
    fake.token_expires_after = 0

    async def search():
        async with IGDBClient(
            fake.client_id, SECRET, api_url=fake.api_url, token_url=fake.token_url
        ) as client:
            await client.search_games(["Doom"])

    with pytest.raises(IGDBError) as raised:
        anyio.run(search)
    request = RequestFactory().get("/admin/")
    exc_info = (raised.type, raised.value, raised.value.__traceback__)
    page = technical_500_response(request, *exc_info).content.decode()
    assert "freshly issued token" in page
    assert "IGDB_SECRET_KEY" in page and "********************" in page
    assert "Bearer" in page  # the frames' variables are shown, the token's value is not
    assert len(fake._tokens) == 3
    assert_nothing_secret(fake, page)
    del exc_info, raised
    sys.last_value = None
