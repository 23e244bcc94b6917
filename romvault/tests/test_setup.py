"""`manage.py setup`: as a person runs it (a real process, answers piped in) and unattended, against
the fake Twitch token endpoint."""

import io
import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from fake_igdb import FakeIGDB, build_dataset
from romvault import config
from romvault.setup import check_rom_dirs

SECRET = "sEcReT-4f1d2c9a7b"  # distinctive, so any echo of it in the output is caught
CLEARED = {"SECRET_KEY", "ROM_DIRS", "IGDB_CLIENT_ID", "IGDB_SECRET_KEY", "DATABASE_URL"}


@pytest.fixture(scope="module")
def twitch():
    with FakeIGDB(build_dataset(n_games=5, seed=1), latency=0, client_secret=SECRET) as server:
        yield server


@pytest.fixture
def rom_dirs(tmp_path):
    folders = [tmp_path / "dos", tmp_path / "cd"]
    for folder in folders:
        folder.mkdir()
    return folders


def env_file(home):
    return home / "config" / "romvault" / "romvault.env"


def setup_process(home, *args, stdin="", token_url, **env):
    """`python manage.py setup` in its own session (no terminal), private XDG folders."""
    base = {k: v for k, v in os.environ.items() if k not in CLEARED}
    base.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        TWITCH_TOKEN_URL=token_url,
    )
    base.update(env)
    result = subprocess.run(
        [sys.executable, "manage.py", "setup", *args],
        cwd=config.BASE_DIR,
        env=base,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        start_new_session=True,  # no controlling terminal, like a script or CI
    )
    assert SECRET not in result.stdout + result.stderr
    return result


def lines(*answers):
    return "".join(f"{answer}\n" for answer in answers)


def test_unattended_set_up_keeps_the_secret_key_and_other_lines_in_a_private_file(
    tmp_path, rom_dirs, twitch
):
    path = env_file(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text("SECRET_KEY=" + "k" * 50 + "\n# my note\nSCRAPE_CONCURRENCY=2\n")
    path.chmod(0o644)
    result = setup_process(
        tmp_path,
        "--no-input",
        f"--rom-dirs={rom_dirs[0]}, {rom_dirs[1]}",
        "--igdb-client-id",
        twitch.client_id,
        "--igdb-secret-key-stdin",
        stdin=SECRET + "\n",
        token_url=twitch.token_url,
    )
    assert result.returncode == 0, result.stderr
    assert "Twitch accepted the IGDB credentials" in result.stdout
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert path.read_text().splitlines() == [
        "SECRET_KEY=" + "k" * 50,
        "# my note",
        "SCRAPE_CONCURRENCY=2",
        f"ROM_DIRS={rom_dirs[0]},{rom_dirs[1]}",
        f"IGDB_CLIENT_ID={twitch.client_id}",
        f"IGDB_SECRET_KEY={SECRET}",
    ]
    # The token is kept where `scrape` looks for it, so the check cost no extra token.
    token = tmp_path / "data" / "romvault" / "igdb-token.json"
    assert oct(token.stat().st_mode & 0o777) == "0o600"


def test_a_fresh_install_gets_a_secret_key_and_settings_that_load(tmp_path, rom_dirs, twitch):
    result = setup_process(tmp_path, "--no-input", "--rom-dirs", str(rom_dirs[0]),
                           token_url=twitch.token_url)  # fmt: skip
    assert result.returncode == 0, result.stderr
    values = config.parse_env_file(env_file(tmp_path))
    assert len(values["SECRET_KEY"]) >= 50
    assert values["ROM_DIRS"] == str(rom_dirs[0])


def test_interactive_answers_ask_again_for_a_missing_folder_and_a_refused_secret(
    tmp_path, rom_dirs, twitch
):
    twitch.reset_stats()
    answers = lines(
        tmp_path / "no-such-folder",
        f"{rom_dirs[0]},{rom_dirs[1]}",
        twitch.client_id,
        "not-the-secret",
        "",  # the client id again: Enter keeps it
        SECRET,
        "",  # database: the SQLite default
    )
    result = setup_process(tmp_path, stdin=answers, token_url=twitch.token_url, SECRET_KEY="k" * 50)
    assert result.returncode == 0, result.stderr
    assert "no-such-folder does not exist" in result.stderr
    assert "Twitch refused IGDB_SECRET_KEY" in result.stderr
    assert "Twitch accepted the IGDB credentials" in result.stdout
    assert twitch.stats.token_requests == 2
    assert "SQLite in " + str(tmp_path / "data" / "romvault" / "romvault.sqlite3") in result.stdout
    values = config.parse_env_file(env_file(tmp_path))
    assert values == {
        "ROM_DIRS": f"{rom_dirs[0]},{rom_dirs[1]}",
        "IGDB_CLIENT_ID": twitch.client_id,
        "IGDB_SECRET_KEY": SECRET,
    }
    assert oct(env_file(tmp_path).stat().st_mode & 0o777) == "0o600"


def test_a_second_run_shows_the_values_and_changes_only_what_is_answered(
    tmp_path, rom_dirs, twitch
):
    first = setup_process(
        tmp_path,
        "--no-input",
        f"--rom-dirs={rom_dirs[0]}",
        f"--igdb-client-id={twitch.client_id}",
        "--igdb-secret-key-stdin",
        stdin=SECRET + "\n",
        token_url=twitch.token_url,
    )
    assert first.returncode == 0, first.stderr
    before = env_file(tmp_path).read_text()
    twitch.reset_stats()
    database = f"sqlite:///{tmp_path / 'elsewhere.sqlite3'}"
    second = setup_process(tmp_path, stdin=lines("", "", "", database),
                           token_url=twitch.token_url)  # fmt: skip
    assert second.returncode == 0, second.stderr
    assert f"ROM folders, comma-separated [{rom_dirs[0]}]" in second.stdout
    assert f"client id [{twitch.client_id}]" in second.stdout
    assert "client secret [set (hidden)]" in second.stdout
    assert "Saved DATABASE_URL in" in second.stdout
    assert twitch.stats.token_requests == 0  # unchanged credentials are not checked again
    assert env_file(tmp_path).read_text() == before + f"DATABASE_URL={database}\n"
    # "-" removes a value: the database goes back to the default.
    third = setup_process(tmp_path, stdin=lines("", "", "", "-"), token_url=twitch.token_url)
    assert third.returncode == 0, third.stderr
    assert env_file(tmp_path).read_text() == before


def test_input_that_ends_early_saves_nothing(tmp_path, rom_dirs, twitch):
    result = setup_process(tmp_path, stdin=lines(rom_dirs[0]), token_url=twitch.token_url,
                           SECRET_KEY="k" * 50)  # fmt: skip
    assert result.returncode == 130
    assert "nothing was saved" in result.stderr
    assert not env_file(tmp_path).exists()


# Fast ones, in this process ------------------------------------------------------------------


@pytest.fixture
def private_config(tmp_path, monkeypatch, settings, twitch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    settings.DATA_DIR = tmp_path / "data"
    settings.TWITCH_TOKEN_URL = twitch.token_url
    return env_file(tmp_path)


def run(*args, stdin=""):
    out, err = io.StringIO(), io.StringIO()
    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        call_command("setup", *args, stdout=out, stderr=err)
    finally:
        sys.stdin = old
    return out.getvalue(), err.getvalue()


def test_refused_credentials_stop_an_unattended_run_and_nothing_is_written(private_config):
    with pytest.raises(CommandError, match="Twitch does not know this IGDB_CLIENT_ID"):
        run("--no-input", "--igdb-client-id=nobody", "--igdb-secret-key-stdin", stdin="x\n")
    assert not private_config.exists()


def test_an_unreachable_twitch_is_a_warning_and_the_values_are_saved(private_config, settings):
    settings.TWITCH_TOKEN_URL = "http://127.0.0.1:9/oauth2/token"  # nothing listens there
    out, err = run("--no-input", "--igdb-client-id=someone", f"--igdb-secret-key={SECRET}")
    assert "Could not check the IGDB credentials" in err
    assert SECRET not in out + err
    assert config.parse_env_file(private_config)["IGDB_SECRET_KEY"] == SECRET


def test_skip_check_saves_credentials_without_asking_twitch(private_config, twitch):
    twitch.reset_stats()
    run("--no-input", "--skip-check", "--igdb-client-id=someone", "--igdb-secret-key=x")
    assert twitch.stats.token_requests == 0
    assert config.parse_env_file(private_config)["IGDB_CLIENT_ID"] == "someone"


@pytest.mark.parametrize(
    ("flag", "message"),
    [
        ("--database-url=nosuchdb://x", "DATABASE_URL must be a SQLite or PostgreSQL URL"),
        ("--rom-dirs=/no/such/folder", "/no/such/folder does not exist"),
    ],
)
def test_a_wrong_value_given_as_a_flag_is_an_error_and_nothing_is_written(
    private_config, flag, message
):
    with pytest.raises(CommandError, match=message):
        run("--no-input", flag)
    assert not private_config.exists()


def test_a_file_is_not_a_rom_folder(tmp_path):
    (tmp_path / "game.zip").write_bytes(b"PK")
    with pytest.raises(Exception, match="is not a folder"):
        check_rom_dirs(str(tmp_path / "game.zip"))


DB_PASSWORD = "dbPw-7c1e93"  # distinctive, so any echo of it is caught
DATABASE = f"postgres://romvault:{DB_PASSWORD}@db.example:5432/romvault"
SHOWN = "postgres://romvault:***@db.example:5432/romvault"


def test_the_database_password_is_never_shown_in_the_summary_the_prompt_or_an_error(
    tmp_path, twitch
):
    first = setup_process(tmp_path, "--no-input", f"--database-url={DATABASE}",
                          token_url=twitch.token_url)  # fmt: skip
    assert first.returncode == 0, first.stderr
    assert f"DATABASE_URL: {SHOWN}" in first.stdout
    # A wrong URL typed at the prompt is refused and asked again; Enter then keeps the saved one.
    wrong = f"mysql://romvault:{DB_PASSWORD}x@db.example/romvault"
    second = setup_process(tmp_path, stdin=lines("", "", "", wrong, ""), token_url=twitch.token_url)
    assert second.returncode == 0, second.stderr
    assert second.stdout.count(f"Database URL [{SHOWN}]: ") == 2
    assert "DATABASE_URL must be a SQLite or PostgreSQL URL" in second.stderr
    assert f"DATABASE_URL: {SHOWN}" in second.stdout
    for output in (first.stdout, first.stderr, second.stdout, second.stderr):
        assert DB_PASSWORD not in output
    assert config.parse_env_file(env_file(tmp_path))["DATABASE_URL"] == DATABASE


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (DATABASE, SHOWN),
        ("postgres://romvault@db/romvault", "postgres://romvault@db/romvault"),
        (
            "postgres://db/romvault?user=rv&password=s3cret",
            "postgres://db/romvault?user=rv&password=***",
        ),
        ("postgres://rv:p@ss:w/rd@db/romvault", "postgres://rv:***@db/romvault"),  # not encoded
        ("postgres:/rv:s3cret@db/romvault", "postgres:/rv:***@db/romvault"),  # a typo
        ("rv:s3cret@db/romvault", "***@db/romvault"),  # no scheme: hide all before the host
        ("sqlite:////srv/romvault.sqlite3", "sqlite:////srv/romvault.sqlite3"),
        ("sqlite:////srv/me@home/romvault.sqlite3", "sqlite:////srv/me@home/romvault.sqlite3"),
    ],
)
def test_a_database_url_is_shown_without_its_password(url, shown):
    assert config.redact_url(url) == shown
