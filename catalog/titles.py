"""A game's title and what derives from it: plain functions, no models, so that the scan's
worker process (scraper/prepare.py) uses them without setting Django up."""

from django.utils.text import slugify

from romvault.text import strip_invisible

ARTICLES = ("the ", "a ", "an ")


def sort_title_for(title: str) -> str:
    """Case-folded title without a leading English article: "The Dig" sorts under D."""
    folded = title.casefold().strip()
    for article in ARTICLES:
        if folded.startswith(article):
            return folded[len(article) :].lstrip()
    return folded


def title_fields(title: str) -> tuple[str, str, str]:
    """(title, sort_title, slug): the sort title and slug are derived from the title.

    Every stored title comes through here (scan, IGDB import, admin), so here it loses the
    characters that would make it display as something else (romvault/text.py)."""
    title = strip_invisible(title)[:255]
    return title, sort_title_for(title)[:255], slugify(title)[:255]
