"""The web benchmark's server settings: romvault's own, plus the trivial views it compares to."""

from romvault.settings import *  # noqa: F403

ROOT_URLCONF = "baseline_urls"
