import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from romvault import config
from scraper.scan import DEFAULT_EXTENSIONS, Scanner


class Progress:
    """A bar redrawn in place on a terminal; a plain line now and then otherwise."""

    def __init__(self, stream, enabled: bool):
        self.stream = stream
        self.enabled = enabled
        self.tty = enabled and getattr(stream, "isatty", lambda: False)()
        self.last = 0.0

    def __call__(self, phase: str, done: int, total: int | None) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        final = total is not None and done >= total
        if not final and now - self.last < (0.1 if self.tty else 5):
            return
        self.last = now
        label = "Scanning folders" if phase == "walk" else "Saving new files"
        if total:
            width = 30
            filled = int(width * done / total)
            line = f"{label} [{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,}"
        else:
            line = f"{label}: {done:,} files"
        if self.tty:
            self.stream.write("\r\033[K" + line + ("\n" if final else ""), ending="")
            self.stream.flush()
        else:
            self.stream.write(line)


class Command(BaseCommand):
    help = (
        "Scan the ROM folders (ROM_DIRS, or the folders given) into the library, then identify "
        "new games on IGDB. A rerun touches only what changed on disk."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "folders", nargs="*", type=Path, help="folders to scan instead of ROM_DIRS"
        )
        parser.add_argument(
            "--no-metadata", action="store_true", help="only scan the folders; skip IGDB"
        )
        parser.add_argument(
            "--hash",
            action="store_true",
            dest="hash_files",
            help="compute CRC32, MD5 and SHA-1 of new, changed and not yet hashed files",
        )
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

    def handle(self, *args, folders, no_metadata, hash_files, extensions, batch_size, **options):
        verbosity = options["verbosity"]
        folders = folders or settings.ROM_DIRS
        if not folders:
            self.stdout.write(
                "ROM_DIRS is not set: nothing to scan. Set ROM_DIRS=/path/to/games "
                f"(comma-separated) in {config.config_file()} or .env, or pass folders: "
                "manage.py scrape /path/to/games"
            )
            return
        for folder in folders:
            if not folder.is_dir():
                raise CommandError(
                    f"ROM folder {folder} does not exist or is not a folder. Check ROM_DIRS "
                    "(or the folders given), and that the drive or share is mounted."
                )
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        if extensions:
            extensions = {e.strip().lower().lstrip(".") for e in extensions.split(",")} - {""}
        else:
            extensions = settings.ROM_EXTENSIONS or DEFAULT_EXTENSIONS

        def on_error(path, message):
            self.stderr.write(f"{path}: {message}")

        scanner = Scanner(
            folders,
            extensions=extensions,
            batch_size=batch_size,
            hash_files=hash_files,
            on_error=on_error,
            on_progress=Progress(self.stdout, verbosity >= 1),
        )
        try:
            report = scanner.run()
        except KeyboardInterrupt:
            self.stderr.write("Interrupted: the files saved so far are kept; run again to finish.")
            sys.exit(130)
        if verbosity >= 1:
            self.stdout.write(
                self.style.SUCCESS("Scan finished")
                + f": {report.seen:,} files seen, {report.new:,} new, {report.changed:,} changed,"
                f" {report.missing:,} missing, {report.reappeared:,} reappeared,"
                f" {report.renamed:,} renamed, {report.errors:,} errors,"
                f" {report.games_created:,} new games, in {report.elapsed:.1f} s"
            )
        if not no_metadata and verbosity >= 1:
            self.stdout.write(
                "IGDB metadata is not fetched yet: this version of romvault only scans."
            )
