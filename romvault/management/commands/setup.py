import getpass
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from romvault import config
from romvault.setup import KEYS, Interrupted, Options, Setup, SetupError

FLAGS = {
    "ROM_DIRS": "rom_dirs",
    "IGDB_CLIENT_ID": "igdb_client_id",
    "IGDB_SECRET_KEY": "igdb_secret_key",
    "DATABASE_URL": "database_url",
}


class Command(BaseCommand):
    help = (
        "Ask for the ROM folders, the IGDB (Twitch) credentials and the database, check them, "
        f"and save them in {config.config_file()} (mode 0600), keeping SECRET_KEY and any other "
        "line. A second run shows the saved values (the secret hidden): Enter keeps a value, "
        "'-' removes it. Flags answer questions up front; with --no-input only flags change "
        "anything. Exit codes: 0 saved, 1 a value is wrong (nothing saved), 130 interrupted."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--rom-dirs", metavar="FOLDERS", help="comma-separated folders of game files"
        )
        parser.add_argument("--igdb-client-id", metavar="ID", help="Twitch application client id")
        secret = parser.add_mutually_exclusive_group()
        secret.add_argument(
            "--igdb-secret-key-stdin",
            action="store_true",
            help="read the Twitch client secret from the first line of standard input "
            "(keeps it out of shell history and the process list)",
        )
        secret.add_argument(
            "--igdb-secret-key",
            metavar="SECRET",
            help="the Twitch client secret; prefer --igdb-secret-key-stdin, since a secret on "
            "the command line is kept in shell history",
        )
        parser.add_argument(
            "--database-url",
            metavar="URL",
            help="sqlite:///path or postgres://user:pass@host:5432/name (default: SQLite in "
            "the data folder)",
        )
        parser.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help="ask nothing: change only what the flags give, keep the rest",
        )
        parser.add_argument(
            "--skip-check",
            action="store_true",
            help="do not check the IGDB credentials with Twitch",
        )

    def handle(self, *args, **options):
        given = {key: options[flag] for key, flag in FLAGS.items() if options[flag] is not None}
        if options["igdb_secret_key_stdin"]:
            given["IGDB_SECRET_KEY"] = self._read_line().strip()
        interactive = options["interactive"]
        if interactive and options["verbosity"] > 0:
            self.stdout.write(
                f"romvault set-up: answers go to {config.config_file()}. Enter keeps the value "
                "in brackets, '-' removes it."
            )
        setup = Setup(
            Options(
                given=given,
                interactive=interactive,
                check_credentials=not options["skip_check"],
                data_dir=settings.DATA_DIR,
            ),
            ask=self._ask,
            ask_secret=self._ask_secret,
            say=self._say,
            warn=lambda line: self.stderr.write(self.style.WARNING(line)),
        )
        try:
            result = setup.run()
        except SetupError as exc:
            raise CommandError(str(exc)) from None
        except (Interrupted, KeyboardInterrupt):
            self.stderr.write("")
            raise CommandError(
                "Set-up interrupted: nothing was saved. To run it unattended, give the values "
                "as flags with --no-input (see --help).",
                returncode=130,
            ) from None
        self._report(result)

    def _report(self, result):
        if result.changed:
            names = ", ".join(result.changed)
            self._say(self.style.SUCCESS(f"Saved {names} in {result.path} (mode 0600)."))
        else:
            self._say(f"Nothing changed in {result.path}.")
        for key in KEYS:
            value = result.values[key]
            if key == "IGDB_SECRET_KEY":
                value = "set (hidden)" if value else "not set"
            elif key == "DATABASE_URL":
                value = config.redact_url(value)
            self._say(f"  {key}: {value or 'not set (default)'}")
        self._say(
            "Next: `python manage.py migrate`, then `python manage.py scrape` to scan the "
            "folders (or `make run`, which does both and serves the site)."
        )

    def _say(self, line):
        if self.verbosity > 0:
            self.stdout.write(line)

    def _read_line(self):
        line = sys.stdin.readline()
        if not line:
            raise Interrupted
        return line.rstrip("\n")

    def _ask(self, prompt):
        self.stdout.write(prompt, ending="")
        self.stdout.flush()
        answer = self._read_line()
        if not sys.stdin.isatty():
            self.stdout.write("")  # a terminal shows the Enter; from a pipe, end the line here
        return answer

    def _ask_secret(self, prompt):
        # getpass hides what is typed on a terminal; from a pipe it would warn and read /dev/tty
        # instead, so piped answers are read as lines. Either way the secret is never echoed.
        if sys.stdin.isatty():
            try:
                return getpass.getpass(prompt)
            except EOFError:
                raise Interrupted from None
        return self._ask(prompt)

    def execute(self, *args, **options):
        self.verbosity = options.get("verbosity", 1)
        return super().execute(*args, **options)
