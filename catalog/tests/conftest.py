import pytest


@pytest.fixture
def rom_dir(tmp_path, settings):
    """An empty ROM folder, the only one configured; downloads sent by romvault itself."""
    folder = tmp_path / "roms"
    folder.mkdir()
    settings.ROM_DIRS = [folder]
    settings.DOWNLOAD_ACCEL = ""
    return folder


@pytest.fixture
def normal_client(client, normal_user):
    client.force_login(normal_user)
    return client
