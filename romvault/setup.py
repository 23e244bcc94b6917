"""`manage.py setup`: ask for (or take from flags) the settings a new install needs, check them,
and write them to the private config file ($XDG_CONFIG_HOME/romvault/romvault.env).
"""

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import anyio

from romvault import config
from scraper.igdb import IGDBError, client_from_settings

HIDDEN = "set (hidden)"
CLEAR = "-"  # typed as an answer: remove the value (back to the default)
# The order of the questions, and of the summary.
KEYS = ("ROM_DIRS", "IGDB_CLIENT_ID", "IGDB_SECRET_KEY", "DATABASE_URL")


class SetupError(Exception):
    """A value that cannot be used; the message says what to fix."""


class Interrupted(Exception):
    """The person or the input stream stopped before every question was answered."""


# Checks ---------------------------------------------------------------------------------------


def check_rom_dirs(text: str) -> str:
    """The comma-separated folders as absolute paths, each an existing folder we may read."""
    folders = [Path(item.strip()).expanduser() for item in text.split(",") if item.strip()]
    problems = []
    for folder in folders:
        if not folder.exists():
            problems.append(f"{folder} does not exist")
        elif not folder.is_dir():
            problems.append(f"{folder} is not a folder")
        elif not os.access(folder, os.R_OK | os.X_OK):
            problems.append(f"{folder} cannot be read by this user")
    if problems:
        raise SetupError("ROM_DIRS: " + "; ".join(problems) + ".")
    return ",".join(str(folder.absolute()) for folder in folders)


def check_database_url(url: str) -> str:
    try:
        config.database_from_url(url)
    except ValueError as exc:
        raise SetupError(str(exc)) from None
    return url


def check_plain(name: str, value: str) -> str:
    if any(c in value for c in "\r\n\0"):
        raise SetupError(f"{name} cannot contain line breaks.")
    return value


def check_igdb_credentials(client_id: str, secret: str) -> None:
    """Raises IGDBError, permanent when Twitch refuses them. One try: a person is waiting."""

    async def check():
        async with client_from_settings(credentials=(client_id, secret), attempts=1) as igdb:
            await igdb.check_credentials()

    anyio.run(check)


# The run --------------------------------------------------------------------------------------


@dataclass
class Options:
    given: dict[str, str] = field(default_factory=dict)  # from flags; "" clears a value
    interactive: bool = True
    check_credentials: bool = True
    data_dir: Path | None = None


@dataclass
class Result:
    path: Path
    changed: list[str]
    values: dict[str, str]


class Setup:
    """One run. `ask(prompt)` and `ask_secret(prompt)` return an answer or raise Interrupted;
    `say` and `warn` print a line (to stdout and stderr in the command)."""

    def __init__(
        self,
        options: Options,
        *,
        ask: Callable[[str], str],
        ask_secret: Callable[[str], str],
        say: Callable[[str], None],
        warn: Callable[[str], None],
        path: Path | None = None,
        environ: Mapping[str, str] | None = None,
    ):
        self.options = options
        self.ask, self.ask_secret, self.say, self.warn = ask, ask_secret, say, warn
        self.path = path or config.config_file()
        self.environ = os.environ if environ is None else environ
        self.current = config.parse_env_file(self.path) if self.path.is_file() else {}
        self.values = {key: self.current.get(key, "") for key in KEYS}

    def run(self) -> Result:
        for key, check in (
            ("ROM_DIRS", check_rom_dirs),
            ("IGDB_CLIENT_ID", lambda v: check_plain("IGDB_CLIENT_ID", v)),
            ("IGDB_SECRET_KEY", lambda v: check_plain("IGDB_SECRET_KEY", v)),
            ("DATABASE_URL", check_database_url),
        ):
            self.values[key] = self._value(key, check)
            if key == "IGDB_SECRET_KEY":
                self._check_credentials()
        changed = [key for key in KEYS if self.values[key] != self.current.get(key, "")]
        # Also when nothing changed: creates the file, and makes sure it is private (0600).
        config.write_config_values(
            self.path,
            {key: self.values[key] for key in changed if self.values[key]},
            remove=[key for key in changed if not self.values[key]],
        )
        for key in KEYS:
            other = self.environ.get(key)
            if other is not None and other != self.current.get(key, "") and key in changed:
                self.warn(
                    f"Note: {key} is also set in the environment or in .env, which wins over "
                    f"{self.path}."
                )
        return Result(self.path, changed, dict(self.values))

    def _value(self, key, check):
        given = self.options.given.get(key)
        if given is not None:
            try:
                return check(given) if given else ""
            except SetupError as exc:
                if not self.options.interactive:
                    raise
                self.warn(str(exc))
        if not self.options.interactive:
            return self.values[key]
        while True:
            answer = self._ask(key)
            if answer == "":
                return self.values[key]  # Enter keeps the current value
            if answer == CLEAR:
                return ""
            try:
                return check(answer)
            except SetupError as exc:
                self.warn(f"{exc} Try again (Enter keeps the current value).")

    def _ask(self, key):
        current = self.values[key]
        if key == "ROM_DIRS":
            shown = current or "none"
            return self.ask(f"ROM folders, comma-separated [{shown}]: ").strip()
        if key == "IGDB_CLIENT_ID":
            return self.ask(f"IGDB (Twitch) client id [{current or 'not set'}]: ").strip()
        if key == "IGDB_SECRET_KEY":
            shown = HIDDEN if current else "not set"
            return self.ask_secret(f"IGDB (Twitch) client secret [{shown}]: ").strip()
        data_dir = self.options.data_dir or config.default_data_dir()
        shown = f"SQLite in {data_dir / 'romvault.sqlite3'}"
        if current:
            shown = config.redact_url(current)  # Enter keeps the real one, password included
        return self.ask(f"Database URL [{shown}]: ").strip()

    def _check_credentials(self):
        while True:
            client_id, secret = self.values["IGDB_CLIENT_ID"], self.values["IGDB_SECRET_KEY"]
            if not client_id or not secret:
                if client_id or secret:
                    self.warn(
                        "IGDB needs both the client id and the secret; until then `scrape` "
                        "only scans."
                    )
                return
            unchanged = (client_id, secret) == (
                self.current.get("IGDB_CLIENT_ID"),
                self.current.get("IGDB_SECRET_KEY"),
            )
            if not self.options.check_credentials or unchanged:
                return  # checked when they were saved
            try:
                check_igdb_credentials(client_id, secret)
            except IGDBError as exc:
                failure = exc
            else:
                self.say("Twitch accepted the IGDB credentials.")
                return
            if not failure.permanent:
                self.warn(
                    f"Could not check the IGDB credentials: {failure}. They are saved "
                    "unchecked; `scrape` will tell if they are wrong."
                )
                return
            if not self.options.interactive:
                raise SetupError(f"{failure} Nothing was written.")
            self.warn(f"{failure} Enter them again ({CLEAR} to leave IGDB off).")
            self.options.given.pop("IGDB_CLIENT_ID", None)
            self.options.given.pop("IGDB_SECRET_KEY", None)
            self.values["IGDB_CLIENT_ID"] = self._value(
                "IGDB_CLIENT_ID", lambda v: check_plain("IGDB_CLIENT_ID", v)
            )
            if not self.values["IGDB_CLIENT_ID"]:
                self.values["IGDB_SECRET_KEY"] = ""
                return
            self.values["IGDB_SECRET_KEY"] = ""  # the refused one is not offered again
            self.values["IGDB_SECRET_KEY"] = self._value(
                "IGDB_SECRET_KEY", lambda v: check_plain("IGDB_SECRET_KEY", v)
            )
