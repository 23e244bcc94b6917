"""Static files with content-hashed, compressed names, served by whitenoise."""

from django.contrib.staticfiles.finders import FileSystemFinder
from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """`collectstatic` writes app.<hash>.css (+ .gz) and a manifest, so browsers may cache each
    file for a year and still get a new one after an upgrade.

    Before `collectstatic` has run there is no manifest, and the plain storage would fail every
    page that uses `{% static %}`. Then the plain names are used: the test suite (static files
    come from the finders), a fresh clone, the benchmarks. Once a manifest exists, a name missing
    from it is still an error.
    """

    # js-dos names files it does not ship (source maps, an old loader image), which would stop
    # collectstatic, and loads its emulators by their plain names from its `pathPrefix`: its
    # files keep their references as written. They are still hashed and kept under their plain
    # names (which whitenoise serves with a short cache life and revalidation).
    verbatim = ("vendor/js-dos/",)

    def stored_name(self, name):
        if not self.hashed_files:
            return name
        return super().stored_name(name)

    def url_converter(self, name, hashed_files, template=None):
        if name.replace("\\", "/").startswith(self.verbatim):
            return lambda match: match["matched"]
        return super().url_converter(name, hashed_files, template)


class ProjectFinder(FileSystemFinder):
    """STATICFILES_DIRS, less static/src/: the Tailwind input that `make css` compiles into
    static/css/app.css. It is no file for browsers, and its `@import "tailwindcss"` (no URL)
    would stop the manifest storage in collectstatic."""

    def list(self, ignore_patterns):
        return super().list([*(ignore_patterns or []), "src"])
