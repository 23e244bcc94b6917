from django import template

register = template.Library()


@register.filter
def initials(title):
    """Up to two initials for a cover placeholder: "Commander Keen" -> "CK"."""
    words = [w for w in str(title).split() if w[:1].isalnum()]
    return "".join(w[0] for w in words[:2]).upper() or "?"


@register.filter
def image_url(image, size):
    """An IGDB image at one of IGDB's sizes ("cover_big", "screenshot_huge", ...)."""
    return image.url(size) if image else ""


@register.filter
def release_year(game):
    """The filename's year, else the year of IGDB's release date, else ""."""
    if game.year:
        return game.year
    return game.release_date.year if game.release_date else ""


@register.filter
def thousands(number):
    """1234 -> "1,234" (without enabling django.contrib.humanize for one filter)."""
    try:
        return f"{int(number):,}"
    except (TypeError, ValueError):
        return number
