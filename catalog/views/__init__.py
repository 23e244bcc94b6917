"""The catalogue's pages, one module per concern; the URLconfs import the views from here."""

from catalog.views.browse import favorites, index
from catalog.views.games import game_detail
from catalog.views.health import healthz
from catalog.views.suggest import suggest
from catalog.views.toggles import favorite_toggle

__all__ = ["favorite_toggle", "favorites", "game_detail", "healthz", "index", "suggest"]
