import re

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, Max, OuterRef, Q, Value
from django.urls import reverse

from catalog import search as game_search
from catalog.launching import GameStart, start_file
from catalog.titles import sort_title_for, title_fields  # noqa: F401 - sort_title_for for callers
from romvault.text import strip_invisible
from scraper.filenames import disk_only, is_generic, match_key, parse_filename

# A page on IGDB's own site: the only `url` of an IGDB record romvault links to. The record is
# data from outside, and a link is a place to send people (javascript:, any other host).
IGDB_PAGE = re.compile(r"https://www\.igdb\.com/[!-~]{0,479}")


def igdb_page_url(url) -> str:
    """The URL if it is a page on www.igdb.com (printable ASCII, fits the field), else ""."""
    return url if isinstance(url, str) and IGDB_PAGE.fullmatch(url) else ""


# IGDB's image ids are short lowercase hashes ("co5rav"). An id goes into an image URL and a
# file name (`scrape --images`), so anything else ("../../x") is not taken for one.
IMAGE_ID = re.compile(r"[a-z0-9]{1,64}")


def is_image_id(value) -> bool:
    return isinstance(value, str) and IMAGE_ID.fullmatch(value) is not None


# The IGDB sizes `scrape` keeps of each kind of image (scraper/images.py), as
# MEDIA_ROOT/igdb/t_<size>/<image_id>.jpg: the sizes the pages show. Covers: cover_big (264 px
# wide) on the cards and the game page. Screenshots: screenshot_med (569 px) as thumbnails,
# screenshot_huge (1280 px) only once one is opened.
KEPT_SIZES = {"cover": ("cover_big",), "screenshot": ("screenshot_med", "screenshot_huge")}


def kept_size(kind: str, size: str) -> str:
    """The kept size a page gets when it asks for `size`: the admin's 90 px cover_small is
    scaled down from the kept cover_big rather than fetched from IGDB."""
    kept = KEPT_SIZES[kind]
    return size if size in kept else kept[0]


def kept_name(kind: str, image_id: str, size: str = "") -> str:
    """The file name (under MEDIA_ROOT) of a kept image; without a size, the first kept one,
    which `Image.file` names once every kept size of the image is on disk."""
    return f"igdb/t_{size or KEPT_SIZES[kind][0]}/{image_id}.jpg"


def image_url(kind: str, image_id: str, file: str, size: str) -> str:
    """Where a page loads an image: romvault's own copy when `scrape` kept one (served by
    catalog/views/images.py to logged-in users), else IGDB's CDN."""
    if file and kind in KEPT_SIZES and is_image_id(image_id):
        return reverse("catalog:image", args=[kept_size(kind, size), image_id])
    return f"{settings.IGDB_IMAGE_URL}/t_{size}/{image_id}.jpg"


class IgdbLookup(models.Model):
    """A normalized IGDB record shared by many games (a genre, a theme, a company...)."""

    igdb_id = models.PositiveIntegerField(unique=True)
    name = models.CharField(max_length=255)
    slug = models.SlugField(max_length=255, blank=True)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self):
        return self.name


class Genre(IgdbLookup):
    pass


class Theme(IgdbLookup):
    pass


class Keyword(IgdbLookup):
    pass


class GameMode(IgdbLookup):
    pass


class PlayerPerspective(IgdbLookup):
    pass


class Franchise(IgdbLookup):
    pass


class Collection(IgdbLookup):
    """IGDB's "collections": a series such as Commander Keen."""


class Company(IgdbLookup):
    class Meta(IgdbLookup.Meta):
        verbose_name_plural = "companies"


class GameQuerySet(models.QuerySet):
    def matched(self):
        return self.filter(match_status=Game.MatchStatus.MATCHED)

    def unmatched(self):
        return self.exclude(match_status__in=[Game.MatchStatus.MATCHED, Game.MatchStatus.IGNORED])

    def search(self, query, typos=None):
        """Games matching what a person typed, annotated with `search_rank` and ordered by it
        (catalog/search.py; `typos` is its)."""
        query = (query or "").strip()
        if not query:
            return self
        return game_search.search(self, query, typos)

    def suggestions(self, query, limit=8):
        """The first `limit` games search() finds, in its order, with what a suggestion under
        the search box shows (title, year, cover). Their ids first, by rank alone; then those
        games with their covers: joining the cover to each of thousands of matches before the
        ranking picks eight cost more than the ranking (bench/search.py)."""
        ids = game_search.first_ids(self, query, limit)
        if not ids and game_search.may_be_typos(query):  # nothing as typed: corrected
            ids = list(self.search(query, typos=True).values_list("pk", flat=True)[:limit])
        games = self.filter(pk__in=ids).select_related("cover")
        games = games.only(
            "title", "slug", "year", "release_date", "cover__kind", "cover__image_id", "cover__file"
        )
        return sorted(games, key=lambda game: ids.index(game.pk))

    def with_favorite_flag(self, user):
        """Annotate `is_favorite` for `user`: one EXISTS per row, never a query per card."""
        if not user.is_authenticated:
            return self.annotate(is_favorite=Value(False))
        mine = Favorite.objects.filter(user=user, game=OuterRef("pk"))
        return self.annotate(is_favorite=Exists(mine))

    def for_cards(self, user):
        """Rows (dicts) of what a cover card shows (catalog/cards.py): the cover in the same
        query, the favourite flag, nothing else. Dicts, not models: a page shows 48 of them and
        needs no model behaviour."""
        present = Rom.objects.filter(game=OuterRef("pk"), missing_since__isnull=True)
        return self.with_favorite_flag(user).values(
            "pk",
            "title",
            "slug",
            "year",
            "release_date",
            "is_favorite",
            cover_image_id=F("cover__image_id"),
            cover_file=F("cover__file"),
            # Served by rom_game_idx (game, missing_since): the card's Play button.
            has_files=Exists(present),
        )

    def continue_playing(self, user, limit=6):
        """Cards of the games the user has a save of, the latest save first."""
        return (
            self.for_cards(user)
            .filter(roms__saves__user=user)
            .annotate(last_saved=Max("roms__saves__saved_at"))
            .order_by("-last_saved")[:limit]
        )

    def favorites_of(self, user):
        return self.filter(Exists(Favorite.objects.filter(user=user, game=OuterRef("pk"))))

    def developed_by(self, company_id):
        # Served by involvement_developer_idx (company, developer).
        return self.filter(
            Exists(
                Involvement.objects.filter(
                    game=OuterRef("pk"), company_id=company_id, developer=True
                )
            )
        )

    def published_by(self, company_id):
        # Served by involvement_publisher_idx (company, publisher).
        return self.filter(
            Exists(
                Involvement.objects.filter(
                    game=OuterRef("pk"), company_id=company_id, publisher=True
                )
            )
        )

    def released_from(self, year):
        """Games of `year` or later: the filename's year, else IGDB's release date."""
        return self.filter(Q(year__gte=year) | Q(year__isnull=True, release_date__year__gte=year))

    def released_until(self, year):
        return self.filter(Q(year__lte=year) | Q(year__isnull=True, release_date__year__lte=year))


class Game(models.Model):
    class MatchStatus(models.TextChoices):
        UNMATCHED = "unmatched", "Not matched yet"
        MATCHED = "matched", "Matched"
        NO_MATCH = "no_match", "No confident match"
        FAILED = "failed", "Failed (retried next run)"
        IGNORED = "ignored", "Do not match"

    title = models.CharField(max_length=255)
    sort_title = models.CharField(max_length=255, editable=False)
    # Not indexed: a game is found by its pk, the slug only makes its URL readable.
    slug = models.SlugField(max_length=255, blank=True, db_index=False)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    # The parsed filename's normalized title: files with the same key and year form one game.
    # Not indexed: the scanner reads every game's key and year once per scan, no query looks
    # one up, and an index on it cost every batch of new games a rewrite of its pages.
    match_key = models.CharField(max_length=255, blank=True)

    igdb_id = models.PositiveIntegerField(null=True, blank=True)
    igdb_url = models.URLField(max_length=500, blank=True)
    summary = models.TextField(blank=True)
    storyline = models.TextField(blank=True)
    release_date = models.DateField(null=True, blank=True)
    rating = models.FloatField(null=True, blank=True, help_text="IGDB user rating, 0-100")
    rating_count = models.PositiveIntegerField(default=0)
    aggregated_rating = models.FloatField(null=True, blank=True, help_text="Critics, 0-100")
    aggregated_rating_count = models.PositiveIntegerField(default=0)
    cover = models.ForeignKey(
        "Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    match_status = models.CharField(
        max_length=16, choices=MatchStatus.choices, default=MatchStatus.UNMATCHED
    )
    match_score = models.FloatField(null=True, blank=True)
    match_locked = models.BooleanField(
        default=False, help_text="Chosen by hand: later scrapes keep this match."
    )
    match_error = models.TextField(blank=True)
    match_candidates = models.JSONField(default=list, blank=True)
    # The IGDB fields a super user changed in the admin (GameAdmin.save_model): the importer
    # leaves them as they are, so a re-fetch or a scrape cannot silently undo a correction.
    edited_fields = models.JSONField(
        default=list,
        blank=True,
        editable=False,
        help_text="Fields edited by hand; re-fetches and scrapes keep them.",
    )
    # How to start the game, set by a super user when the chooser (scraper/launch.py) gets it
    # wrong. Scans and scrapes never write these, so they survive both, like a locked match.
    start_path = models.CharField(
        max_length=255,
        blank=True,
        help_text="The program to run, as a path inside the archive (e.g. GAME/GAME.EXE); "
        "empty: romvault's choice.",
    )
    start_args = models.CharField(
        max_length=255, blank=True, help_text="Arguments for the program (e.g. -nosound)."
    )
    dosbox_conf = models.TextField(
        blank=True,
        help_text="Extra dosbox.conf lines: [cpu] cycles=max, [dosbox] memsize=32, sound...",
    )
    boot_disk = models.CharField(
        max_length=255,
        blank=True,
        help_text="A disk image inside the archive to boot from instead of running a program.",
    )
    scraped_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # What search matches (catalog/search.py), derived from the title, the alternative names,
    # the companies and the series; indexed for LIKE by migration 0008 on both databases.
    search_title = models.CharField(max_length=255, blank=True, editable=False)
    search_names = models.TextField(blank=True, editable=False)
    search_related = models.TextField(blank=True, editable=False)

    genres = models.ManyToManyField(Genre, blank=True, related_name="games")
    themes = models.ManyToManyField(Theme, blank=True, related_name="games")
    keywords = models.ManyToManyField(Keyword, blank=True, related_name="games")
    game_modes = models.ManyToManyField(GameMode, blank=True, related_name="games")
    player_perspectives = models.ManyToManyField(
        PlayerPerspective, blank=True, related_name="games"
    )
    franchises = models.ManyToManyField(Franchise, blank=True, related_name="games")
    collections = models.ManyToManyField(Collection, blank=True, related_name="games")
    companies = models.ManyToManyField(
        Company, through="Involvement", blank=True, related_name="games"
    )

    objects = GameQuerySet.as_manager()

    class Meta:
        ordering = ["sort_title", "year"]
        permissions = [("play_game", "Can play games in the browser")]
        constraints = [
            # One game per IGDB record; the importer merges files that resolve to the same id.
            models.UniqueConstraint(
                fields=["igdb_id"], condition=Q(igdb_id__isnull=False), name="game_igdb_id_unique"
            ),
        ]
        indexes = [
            # Catalogue ordering by title (the default) and by year.
            models.Index(fields=["sort_title", "year"], name="game_sort_title_idx"),
            models.Index(fields=["year", "sort_title"], name="game_year_idx"),
            # "Recently added" ordering.
            models.Index(fields=["-created_at"], name="game_created_idx"),
            # The scraper's queue of games to identify, and the matched/unmatched filter.
            models.Index(fields=["match_status"], name="game_match_status_idx"),
        ]

    def __str__(self):
        return f"{self.title} ({self.year})" if self.year else self.title

    def get_absolute_url(self):
        return reverse("catalog:game-detail", kwargs={"pk": self.pk, "slug": self.slug or "-"})

    title_fields = staticmethod(title_fields)  # catalog/titles.py

    def set_title(self, title: str) -> None:
        """The title and what derives from it. The search columns of a game with other names
        are search.refresh()'s to write, after the names are saved: here only a new game's."""
        self.title, self.sort_title, self.slug = self.title_fields(title)
        found = game_search.columns(self.title)
        self.search_title = found["search_title"][:255]
        if not self.search_names:
            self.search_names = found["search_names"]

    @property
    def igdb_link(self) -> str:
        """The IGDB page to link to, checked again: rows stored before the importer checked."""
        return igdb_page_url(self.igdb_url)


class Involvement(models.Model):
    """A company's part in a game, as IGDB's involved_companies records it."""

    # No single-column indexes: the unique (game, company) and the (company, ...) indexes
    # below lead with these columns.
    game = models.ForeignKey(
        Game, on_delete=models.CASCADE, related_name="involvements", db_index=False
    )
    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="involvements", db_index=False
    )
    developer = models.BooleanField(default=False)
    publisher = models.BooleanField(default=False)
    porting = models.BooleanField(default=False)
    supporting = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["game", "company"], name="involvement_unique")
        ]
        indexes = [
            # The catalogue's developer and publisher filters start from the company.
            models.Index(fields=["company", "developer"], name="involvement_developer_idx"),
            models.Index(fields=["company", "publisher"], name="involvement_publisher_idx"),
        ]

    def __str__(self):
        roles = [r for r in ("developer", "publisher", "porting", "supporting") if getattr(self, r)]
        return f"{self.company} ({', '.join(roles) or 'involved'}) in {self.game}"


class AlternativeName(models.Model):
    # Indexed by the unique (game, name) constraint.
    game = models.ForeignKey(
        Game, on_delete=models.CASCADE, related_name="alternative_names", db_index=False
    )
    name = models.CharField(max_length=255)
    comment = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["game", "name"], name="alternative_name_unique")
        ]

    def __str__(self):
        return self.name


class Image(models.Model):
    class Kind(models.TextChoices):
        COVER = "cover"
        SCREENSHOT = "screenshot"
        ARTWORK = "artwork"

    # Indexed by the unique (game, kind, image_id) constraint.
    game = models.ForeignKey(Game, on_delete=models.CASCADE, related_name="images", db_index=False)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    image_id = models.CharField(max_length=64, help_text="IGDB's image hash")
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    file = models.FileField(upload_to="igdb/", blank=True, help_text="Locally cached copy")

    class Meta:
        ordering = ["kind", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["game", "kind", "image_id"], name="image_unique_per_game"
            )
        ]

    def __str__(self):
        return f"{self.kind} {self.image_id}"

    def url(self, size: str = "cover_big") -> str:
        return image_url(self.kind, self.image_id, self.file.name, size)


class Rom(models.Model):
    """One file (or one game folder) on disk, found by the scanner."""

    # Indexed by rom_game_idx (game, missing_since).
    game = models.ForeignKey(Game, on_delete=models.CASCADE, related_name="roms", db_index=False)
    path = models.TextField(help_text="Absolute path under one of the ROM folders")
    size = models.BigIntegerField()
    mtime_ns = models.BigIntegerField()
    parsed_title = models.CharField(max_length=255)
    parsed_year = models.PositiveSmallIntegerField(null=True, blank=True)
    tags = models.JSONField(default=dict, blank=True)
    crc32 = models.CharField(max_length=8, blank=True)
    md5 = models.CharField(max_length=32, blank=True)
    sha1 = models.CharField(max_length=40, blank=True)
    missing_since = models.DateTimeField(null=True, blank=True)
    # What the scan found inside the archive (scraper/archives.py): [[path, size], ...] of its
    # programs (.exe, .com, .bat) and disk and CD images, the members that decide how to start
    # the game; file_count counts every member. Both stay empty for a file that is not an
    # archive, and listing_error says why one could not be read.
    members = models.JSONField(default=list, blank=True)
    file_count = models.PositiveIntegerField(null=True, blank=True)
    listing_error = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["path"]
        permissions = [("download_rom", "Can download ROM files")]
        constraints = [models.UniqueConstraint(fields=["path"], name="rom_path_unique")]
        indexes = [
            # A game's files on its page, present ones first.
            models.Index(fields=["game", "missing_since"], name="rom_game_idx"),
        ]

    def __str__(self):
        return self.filename

    @property
    def filename(self) -> str:
        """The name to show and to download as, without characters that would make it display
        as another (the file itself is `path`)."""
        return strip_invisible(self.path.rsplit("/", 1)[-1])

    @property
    def is_missing(self) -> bool:
        return self.missing_since is not None

    def _folder_set_name(self) -> tuple[str, str] | None:
        """(folder, file) for a file named only for its place in a set whose folder names the
        game ("Dune II/DISK1.ZIP"): the scan took the game's title from that folder."""
        folder, _, name = self.path.rpartition("/")
        folder = folder.rpartition("/")[2]
        parsed = parse_filename(name)
        if not folder or not (is_generic(parsed.title) or not parsed.key):
            return None
        if parse_filename(folder).key != match_key(self.parsed_title):
            return None  # a file straight in a ROM folder: no folder names its game
        return strip_invisible(folder), strip_invisible(name)

    @property
    def disk_label(self) -> str:
        """ "Disk 2 of 3", "Disk 2" or "": from the parsed name ("Dune (Disk 2 of 3).zip"), or
        from the name of a file in a folder set ("DISK2.ZIP"), also for rows scanned before the
        scan kept that number."""
        disk, total = self.tags.get("disk"), self.tags.get("disk_total")
        if disk is None and self._folder_set_name():
            disk, total = disk_only(parse_filename(self.filename).title)
        if disk is None:
            return ""
        return f"Disk {disk} of {total}" if total else f"Disk {disk}"

    @property
    def download_name(self) -> str:
        """The name to download as: the file's own, or for a file of a folder set its folder's
        before it ("Dune II - DISK1.ZIP"), so that the disks of several games neither overwrite
        each other in a downloads folder nor lose the name of their game."""
        if names := self._folder_set_name():
            return " - ".join(names)
        return self.filename

    def start(self) -> GameStart:
        """How to start this file: the game's overrides where they apply, else romvault's pick."""
        game = self.game
        return start_file(
            game.title, self.path, self.size, self.members, self.file_count, self.listing_error,
            start_path=game.start_path, start_args=game.start_args, boot_disk=game.boot_disk,
            dosbox_conf=game.dosbox_conf,
        )  # fmt: skip


class Favorite(models.Model):
    # Indexed by the unique (user, game) constraint.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="favorites", db_index=False
    )
    game = models.ForeignKey(Game, on_delete=models.CASCADE, related_name="favorites")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # Also serves "is this game a favourite of mine" and the "my favourites" filter.
            models.UniqueConstraint(fields=["user", "game"], name="favorite_unique")
        ]

    def __str__(self):
        return f"{self.user} ♥ {self.game}"


class CatalogueVersion(models.Model):
    """One row whose number changes with anything a catalogue page shows: games, covers,
    metadata, favourites. It keys the page cache (catalog/pagecache.py), so a change made by
    any process (a scrape, the admin, another web worker) retires every cached page at once."""

    value = models.BigIntegerField(default=0)

    class Meta:
        default_permissions = ()  # internal: nobody edits it, the admin does not list it

    def __str__(self):
        return f"catalogue version {self.value}"


class Save(models.Model):
    """One user's saved files of one game file: the zip js-dos returns of the files the game
    changed (usually a few KB), applied over the file on the next play. Kept in the database,
    so every app server sees it and a failed upload leaves the previous save whole."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saves", db_index=False
    )
    rom = models.ForeignKey(Rom, on_delete=models.CASCADE, related_name="saves")
    data = models.BinaryField()
    size = models.PositiveIntegerField()
    saved_at = models.DateTimeField()

    class Meta:
        ordering = ["-saved_at"]
        constraints = [models.UniqueConstraint(fields=["user", "rom"], name="save_unique")]

    def __str__(self):
        return f"{self.user}: save of {self.rom}"


class Played(models.Model):
    """When a user last started a game, for "Continue playing" and the game page."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="played", db_index=False
    )
    game = models.ForeignKey(Game, on_delete=models.CASCADE, related_name="played")
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at"]
        verbose_name_plural = "played"
        constraints = [models.UniqueConstraint(fields=["user", "game"], name="played_unique")]

    def __str__(self):
        return f"{self.user} played {self.game}"
