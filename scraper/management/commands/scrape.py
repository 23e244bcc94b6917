import argparse
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from romvault import config
from romvault.text import printable
from scraper import images, pipeline, runs
from scraper.igdb import IGDBError, client_from_settings
from scraper.progress import Progress
from scraper.scan import DEFAULT_EXTENSIONS, Scanner, parse_extensions

SWITCHES = [
    ("--no-metadata", "only scan the folders; skip IGDB"),
    ("--hash", "compute CRC32, MD5 and SHA-1 of new, changed and not yet hashed files"),
    ("--refresh", "fetch the metadata of matched games again"),
    ("--retry", "also look again for games that had no confident match"),
    ("--images", "download covers and screenshots into the media folder (once each)"),
    ("--dry-run", "skip the scan and print the matches IGDB would give; write nothing"),
]


class Command(BaseCommand):
    help = (
        "Scan the ROM folders (ROM_DIRS, or the folders given) into the library, then identify "
        "new games on IGDB. A rerun touches only what changed on disk and the games not yet "
        "identified."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "folders", nargs="*", type=Path, help="folders to scan instead of ROM_DIRS"
        )
        for flag, help in SWITCHES:
            parser.add_argument(flag, action="store_true", help=help)
        parser.add_argument(
            "--extensions",
            help="comma-separated file extensions to index (default: ROM_EXTENSIONS or "
            f"{','.join(sorted(DEFAULT_EXTENSIONS))})",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=settings.SCRAPE_BATCH_SIZE,
            help="rows per database transaction (default: SCRAPE_BATCH_SIZE, %(default)s)",
        )
        parser.add_argument("--limit", type=int, help="identify at most N games")
        parser.add_argument(
            "--concurrency",
            type=int,
            default=settings.SCRAPE_CONCURRENCY,
            help="open IGDB requests, 1 to 8 (default: SCRAPE_CONCURRENCY, %(default)s)",
        )
        # Set by the admin's "Scan and scrape now" (scraper/runs.py), not meant for people.
        parser.add_argument("--claimed-by", default="", help=argparse.SUPPRESS)
        parser.add_argument("--triggered-by", type=int, help=argparse.SUPPRESS)
        parser.add_argument("--log-name", default="", help=argparse.SUPPRESS)

    def handle(self, *args, **options):
        if not 1 <= options["concurrency"] <= 8:
            raise CommandError(
                "--concurrency must be between 1 and 8 (IGDB allows 8 open requests)."
            )
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        if options["limit"] is not None and options["limit"] < 1:
            raise CommandError("--limit must be at least 1.")
        self.verbosity = options["verbosity"]
        self.progress = Progress(self.stdout, self.verbosity >= 1)
        try:
            # A dry run writes nothing, not even its record.
            with runs.scrape_run(
                claimed_by=options["claimed_by"],
                triggered_by=options["triggered_by"],
                record=not options["dry_run"],
                log=options["log_name"],
            ) as self.run:
                self.scrape(options)
        except runs.ScrapeBusy as exc:
            raise CommandError(str(exc)) from None
        if self.run.stopped:
            raise CommandError(
                "Interrupted: what was saved is kept; run scrape again to continue.", returncode=130
            )

    def scrape(self, options):
        if options["dry_run"]:
            self.say("Dry run: the folders are not scanned and nothing is written.")
        else:
            self.scan(options)
        if not options["no_metadata"] and not self.run.stopped:
            self.identify(options)
        if options["images"] and not options["dry_run"] and not self.run.stopped:
            self.download_images(options)

    def say(self, message, keep=False):
        """Print a message; with keep, also add it to the run's summary."""
        if self.verbosity >= 1:
            self.stdout.write(message)
        if keep:
            self.run.note(message)

    def report(self, summary):
        """A phase's summary ("Scan finished: ..."): printed, and kept in the run's record."""
        label, colon, rest = summary.partition(":")
        self.say(self.style.SUCCESS(label) + colon + rest)
        self.run.note(summary)

    def file_error(self, path, message):
        # A file name may hold a newline: escaped, it cannot add a line to the scrape's log.
        self.stderr.write(printable(f"{path}: {message}"))

    def on_progress(self, phase, done, total):
        self.progress(phase, done, total)
        self.run.progress(phase, done, total)

    def scan(self, options):
        folders = options["folders"] or settings.ROM_DIRS
        if not folders:
            self.say(
                "ROM_DIRS is not set: nothing to scan. Set ROM_DIRS=/path/to/games "
                f"(comma-separated) in {config.config_file()} or .env, or pass folders: "
                "manage.py scrape /path/to/games",
                keep=True,
            )
            return
        for folder in folders:
            if not folder.is_dir():
                raise CommandError(
                    f"ROM folder {folder} does not exist or is not a folder. Check ROM_DIRS "
                    "(or the folders given), and that the drive or share is mounted."
                )
        extensions = (
            parse_extensions(options["extensions"])
            if options["extensions"]
            else settings.ROM_EXTENSIONS or DEFAULT_EXTENSIONS
        )
        report = Scanner(
            folders,
            extensions=extensions,
            batch_size=options["batch_size"],
            hash_files=options["hash"],
            on_error=self.file_error,
            on_listing_error=self.file_error,
            on_progress=self.on_progress,
            stop=self.run.stop,
        ).run()
        if not report.interrupted:  # its counts would say files not reached are gone
            self.report(report.summary())

    def identify(self, options):
        if not (settings.IGDB_CLIENT_ID and settings.IGDB_SECRET_KEY):
            self.say(
                "IGDB metadata is off: set IGDB_CLIENT_ID and IGDB_SECRET_KEY (a Twitch "
                "application, https://dev.twitch.tv/console/apps) in "
                f"{config.config_file()} or .env to identify games.",
                keep=True,
            )
            return
        jobs = pipeline.select_jobs(
            refresh=options["refresh"], retry=options["retry"], limit=options["limit"]
        )
        if not jobs:
            self.say(self.nothing_to_look_up(options), keep=True)
            return
        self.say(f"IGDB: looking up {len(jobs):,} game{'s' if len(jobs) != 1 else ''}.")
        client = client_from_settings(concurrency=options["concurrency"])
        try:
            report = pipeline.run(
                jobs,
                client,
                batch_size=options["batch_size"],
                dry_run=options["dry_run"],
                on_result=(lambda r: self.stdout.write(printable(r.describe())))
                if options["dry_run"]
                else None,
                on_progress=self.on_progress,
                stop=self.run.stop,
            )
        except IGDBError as exc:
            raise CommandError(f"IGDB: {exc}") from None
        self.report(report.summary())
        if report.failed:
            self.stderr.write(
                f"{report.failed:,} lookups failed (IGDB errors); they are retried on the next run."
            )

    def nothing_to_look_up(self, options) -> str:
        if options["refresh"]:
            return "IGDB: no game is matched yet; nothing to refresh."
        unmatched = 0 if options["retry"] else pipeline.retryable().count()
        if not unmatched:
            return "IGDB: every game is identified already; nothing to look up."
        games = f"{unmatched:,} game{'s' if unmatched != 1 else ''}"
        return (
            f"IGDB: no new game to look up, but {games} had no confident match. Look them up "
            'again with "scrape --retry" ("Retry unmatched" in the admin\'s scan), or match '
            "them by hand in the admin's game list (filter: No confident match)."
        )

    def download_images(self, options):
        report = images.download_images(
            concurrency=options["concurrency"],
            on_error=lambda message: self.stderr.write(printable(f"image: {message}")),
            on_progress=self.on_progress,
            stop=self.run.stop,
        )
        self.report(report.summary())
