from django import template

from catalog import cards

register = template.Library()
register.filter("initials", cards.initials)
register.filter("release_year", cards.release_year)


@register.simple_tag(takes_context=True)
def game_cards(context, games):
    """The cover cards of a page of games (see catalog/cards.py for why not an include)."""
    return cards.CardRenderer(context["request"]).cards(games)


@register.simple_tag(takes_context=True)
def favorite_button(context, game):
    """The heart of a game page, for users who may keep favourites."""
    request = context["request"]
    if not request.user.has_perm("catalog.add_favorite"):
        return ""
    return cards.favorite_button(request, game, game.is_favorite)


@register.filter
def image_url(image, size):
    """An IGDB image at one of IGDB's sizes ("cover_big", "screenshot_huge", ...)."""
    return image.url(size) if image else ""


@register.filter
def thousands(number):
    """1234 -> "1,234" (without enabling django.contrib.humanize for one filter)."""
    try:
        return f"{int(number):,}"
    except (TypeError, ValueError):
        return number
