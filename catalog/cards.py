"""The catalogue's cover cards and favourite buttons, rendered in Python.

A catalogue page shows 48 cards, the hottest markup of the site: a template per card would cost
more than the rest of the page. Here the things every card shares (the URL prefixes, the CSRF
field, the return address, whether the user may keep favourites) are worked out once per page
and each card is one format string over a row of `Game.objects.for_cards()`. Every value goes
through `escape()` (the standard library's, which escapes the same five characters as Django's
without its lazy-string wrapper).
"""

from html import escape

from django.conf import settings
from django.core.files.storage import default_storage
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.safestring import mark_safe

HEART_PATH = (
    "M12 21s-7.5-4.6-9.6-9.2C.9 8.4 3 4.5 6.6 4.5c2.1 0 3.9 1.2 5.4 3.1 1.5-1.9 3.3-3.1 "
    "5.4-3.1 3.6 0 5.7 3.9 4.2 7.3C19.5 16.4 12 21 12 21z"
)

BUTTON = (
    '<form method="post" action="{url}" hx-post="{url}" hx-target="this" hx-swap="outerHTML" '
    'class="inline-flex">{csrf}<input type="hidden" name="next" value="{next}">'
    '<button type="submit" class="favorite-button inline-flex size-8 cursor-pointer items-center '
    'justify-center rounded-full {colour} hover:bg-slate-800 hover:text-rose-300" '
    'aria-pressed="{pressed}" title="{action}">'
    '<svg aria-hidden="true" viewBox="0 0 24 24" class="size-5" fill="{fill}" '
    'stroke="currentColor" stroke-width="2" stroke-linejoin="round"><path d="' + HEART_PATH + '"/>'
    '</svg><span class="sr-only">Favourite: {title}</span></button></form>'
)

COVER = (
    '<img src="{src}" alt="" loading="lazy" decoding="async" width="264" height="352" '
    'class="size-full object-cover">'
)
PLACEHOLDER = (
    '<div class="flex size-full items-center justify-center bg-gradient-to-br from-slate-700 '
    'to-slate-900 text-4xl font-black tracking-wider text-slate-300" aria-hidden="true">'
    "{initials}</div>"
)
# One link per card; the cover is decorative (alt="") because the title is the link's text.
# A title cut to two lines shows whole in the link's tooltip, and in the card while the link has
# the keyboard's focus (a tooltip never shows for a keyboard).
CARD = (
    '<li class="group flex flex-col">'
    '<a href="{url}" title="{title}" '
    'class="group/link block text-slate-100 no-underline hover:no-underline">'
    '<div class="aspect-[3/4] overflow-hidden rounded-lg bg-slate-800 ring-1 ring-slate-800 '
    'transition group-hover:ring-2 group-hover:ring-amber-300">{cover}</div>'
    '<span class="card-title mt-2 line-clamp-2 text-sm font-semibold group-hover:text-amber-300 '
    'group-focus-visible/link:line-clamp-none">{title}</span></a>'
    '<div class="mt-1 flex min-h-8 items-center justify-between gap-2 text-xs text-slate-400">'
    '<span class="card-year">{year}</span>'
    '<span class="inline-flex items-center gap-1">{play}{button}</span></div></li>'
)
PLAY = (
    '<a href="{url}" class="play-button inline-flex size-8 items-center justify-center '
    'rounded-full text-slate-400 no-underline hover:bg-slate-800 hover:text-amber-300" '
    'title="Play"><svg aria-hidden="true" viewBox="0 0 24 24" class="size-5" fill="currentColor">'
    '<path d="M8 5v14l11-7z"/></svg><span class="sr-only">Play {title}</span></a>'
)


def initials(title):
    """Up to two initials for a cover placeholder: "Commander Keen" -> "CK"."""
    words = [w for w in str(title).split() if w[:1].isalnum()]
    return "".join(w[0] for w in words[:2]).upper() or "?"


def _year(year, release_date):
    return year or (release_date.year if release_date else "")


def release_year(game):
    """The filename's year, else the year of IGDB's release date, else ""."""
    return _year(game.year, game.release_date)


MARK, SLUG_MARK = 987654321, "slug-marker"


def _pattern(name, **kwargs):
    """reverse() once per page, with markers where each card's values go."""
    url = reverse(name, kwargs=kwargs).replace("{", "{{").replace("}", "}}")
    return url.replace(str(MARK), "{pk}").replace(SLUG_MARK, "{slug}")


class CardRenderer:
    """What the cards of one page share, computed once for the request."""

    def __init__(self, request):
        self.can_favorite = request.user.has_perm("catalog.add_favorite")
        if self.can_favorite:
            self.csrf = (
                f'<input type="hidden" name="csrfmiddlewaretoken" value="{get_token(request)}">'
            )
            self.next = escape(request.get_full_path())
            self.toggle_url = _pattern("catalog:favorite-toggle", pk=MARK)
        self.can_play = request.user.has_perm("catalog.play_game")
        self.play_url = _pattern("catalog:play-game", pk=MARK)
        self.detail_url = _pattern("catalog:game-detail", pk=MARK, slug=SLUG_MARK)
        self.igdb_cover = escape(f"{settings.IGDB_IMAGE_URL}/t_cover_big/")

    def button(self, pk, title, is_favorite):
        return BUTTON.format(
            url=self.toggle_url.format(pk=pk),
            csrf=self.csrf,
            next=self.next,
            colour="text-rose-400" if is_favorite else "text-slate-400",
            pressed="true" if is_favorite else "false",
            action="Remove from favourites" if is_favorite else "Add to favourites",
            fill="currentColor" if is_favorite else "none",
            title=escape(title),
        )

    def cover(self, row):
        if row["cover_file"]:  # a local copy (scrape --images)
            return COVER.format(src=escape(default_storage.url(row["cover_file"])))
        if row["cover_image_id"]:
            return COVER.format(src=f"{self.igdb_cover}{escape(row['cover_image_id'])}.jpg")
        return PLACEHOLDER.format(initials=escape(initials(row["title"])))

    def card(self, row):
        pk, title = row["pk"], row["title"]
        return CARD.format(
            url=self.detail_url.format(pk=pk, slug=escape(row["slug"] or "-")),
            cover=self.cover(row),
            title=escape(title),
            year=_year(row["year"], row["release_date"]),
            button=self.button(pk, title, row["is_favorite"]) if self.can_favorite else "",
            play=self.play(pk, title) if self.can_play and row["has_files"] else "",
        )

    def play(self, pk, title):
        return PLAY.format(url=self.play_url.format(pk=pk), title=escape(title))

    def cards(self, rows):
        return mark_safe("".join(self.card(row) for row in rows))  # noqa: S308 - escaped above


def favorite_button(request, game, is_favorite, next_url=None):
    """One favourite button (game pages, and the htmx answer to a toggle)."""
    renderer = CardRenderer(request)
    if next_url is not None:
        renderer.next = escape(next_url)
    return mark_safe(renderer.button(game.pk, game.title, is_favorite))  # noqa: S308 - escaped in button()
