import pytest


@pytest.fixture
def library_dir(tmp_path, dataset):
    """The fake IGDB dataset's library as files on disk: the folder a scrape reads."""
    root = tmp_path / "roms"
    dataset.write_library(root)
    return root


# The browser tests' Chromium and page, as the catalogue's browser tests have them.
from catalog.tests.conftest import browser, page, users  # noqa: E402, F401
