"""The catalog's admin: the library's games (game.py, with "Match manually" in match.py) and the
other catalog models (library.py). Importing the modules registers them."""

from catalog.admin import game, library  # noqa: F401
