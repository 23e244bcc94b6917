"""Loaded by pytest (`-p romvault.testing` in pytest.ini) before Django settings are read.

It gives the test run a throwaway SECRET_KEY and private XDG folders, so tests never read a
developer's own `romvault.env` or write into their data folder. DATABASE_URL from the
environment still wins, which is how CI runs the suite on PostgreSQL.
"""

import atexit
import os
import shutil
import tempfile

_home = tempfile.mkdtemp(prefix="romvault-test-")
atexit.register(shutil.rmtree, _home, ignore_errors=True)
os.environ.setdefault("SECRET_KEY", "test-only-" + "x" * 40)
os.environ["XDG_CONFIG_HOME"] = os.path.join(_home, "config")
os.environ["XDG_DATA_HOME"] = os.path.join(_home, "data")
os.environ["STATIC_ROOT"] = os.path.join(_home, "static")
os.makedirs(os.environ["STATIC_ROOT"])
