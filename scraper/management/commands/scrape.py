from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Scan the ROM folders and identify new games on IGDB."

    def add_arguments(self, parser):
        parser.add_argument("folders", nargs="*", help="folders to scan (default: ROM_DIRS)")
        parser.add_argument("--no-metadata", action="store_true", help="scan only, skip IGDB")

    def handle(self, *args, folders, **options):
        folders = folders or settings.ROM_DIRS
        if not folders:
            self.stdout.write("ROM_DIRS is not set: nothing to scan.")
            return
        self.stdout.write("The scanner is not built yet; nothing was scanned.")
