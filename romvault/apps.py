from django.contrib.staticfiles.apps import StaticFilesConfig


class RomvaultStaticFilesConfig(StaticFilesConfig):
    # static/src/ holds the Tailwind input (`make css` builds static/css/app.css from it): its
    # `@import "tailwindcss"` is no URL, and the manifest storage would fail on it.
    ignore_patterns = [*StaticFilesConfig.ignore_patterns, "src"]
