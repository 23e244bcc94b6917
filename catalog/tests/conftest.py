import pytest


@pytest.fixture
def roms(tmp_path, settings):
    """An empty ROM folder, the only one configured; downloads sent by romvault itself."""
    folder = tmp_path / "roms"
    folder.mkdir()
    settings.ROM_DIRS = [folder]
    settings.DOWNLOAD_ACCEL = ""
    return folder
