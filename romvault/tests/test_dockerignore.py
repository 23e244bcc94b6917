"""What `docker build` copies into the image (`COPY . .` less .dockerignore), without Docker.

The patterns are applied as Docker applies them (moby/patternmatcher): a leading `/` is ignored,
`*` and `?` stay within one path segment, `**` spans any number of them, a pattern that matches
a folder drops everything in it, and the last matching line wins, `!` lines keeping files again.
Character classes and escapes are not implemented: the file uses none, and a test says so.
"""

import os
import posixpath
import re
import shutil
import subprocess
import sys

import pytest

from romvault import config

ROOT = config.BASE_DIR
# The product: its apps (less their tests), what it serves, what starts it in the image, and the
# licences a copy of it must carry.
PRODUCT_DIRS = {"accounts", "catalog", "scraper", "romvault", "templates", "static", "docker"}
PRODUCT_FILES = {
    "manage.py",
    "gunicorn.conf.py",
    "requirements.txt",
    "LICENSE",
    "THIRD_PARTY_NOTICES.md",
}


def rules(text):
    compiled = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keep = line.startswith("!")
        pattern = posixpath.normpath(line.removeprefix("!").strip()).lstrip("/")
        assert not set(pattern) & set("[]\\"), f"not implemented here: {line}"
        regex, i = "", 0
        while i < len(pattern):
            if pattern.startswith("**", i):
                i += 2 + pattern.startswith("/", i + 2)
                regex += ".*" if i >= len(pattern) else "(?:.*/)?"
                continue
            regex += {"*": "[^/]*", "?": "[^/]"}.get(pattern[i], re.escape(pattern[i]))
            i += 1
        compiled.append((keep, re.compile(regex)))
    return compiled


def ignored(path, compiled):
    parts = path.split("/")
    candidates = [path] + ["/".join(parts[: i + 1]) for i in range(len(parts) - 1)]
    dropped = False
    for keep, regex in compiled:
        if keep == dropped and any(regex.fullmatch(c) for c in candidates):
            dropped = not keep
    return dropped


def checkout_files():
    """The files of this checkout that git does not ignore, as `docker build .` would see them."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT, capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("needs a git checkout")
    return {path for path in out.splitlines() if (ROOT / path).exists()}


def image_files():
    compiled = rules((ROOT / ".dockerignore").read_text())
    return {path for path in checkout_files() if not ignored(path, compiled)}


def is_product(path):
    parts = path.split("/")
    if len(parts) == 1:
        return path in PRODUCT_FILES
    return (
        parts[0] in PRODUCT_DIRS
        and "tests" not in parts
        and path != "romvault/testing.py"  # the test run's pytest plugin
        and not path.startswith("static/src/")  # the Tailwind input of static/css/app.css
    )


def test_the_matching_follows_dockers_rules():
    compiled = rules("/bench\n**/tests\n*.md\n!KEEP.md\nstatic/**/*.map\n")
    assert ignored("bench/scan.py", compiled) and not ignored("benchmark.py", compiled)
    assert ignored("tests/x.py", compiled) and ignored("catalog/tests/data/a.json", compiled)
    assert not ignored("catalog/testsuite.py", compiled)
    assert ignored("README.md", compiled) and not ignored("KEEP.md", compiled)
    assert not ignored("docs/a.md", compiled)  # `*` does not cross a `/`
    assert ignored("static/a.map", compiled) and ignored("static/js/x/a.map", compiled)


def test_the_image_gets_the_product_and_nothing_for_development():
    files = checkout_files()
    kept = image_files()
    assert {"manage.py", "romvault/settings.py", "templates/base.html", "static/css/app.css",
            "docker/entrypoint.sh", "docker/healthcheck.py"} <= kept  # fmt: skip
    development = ("bench/", "fake_igdb/", "static/src/", "conftest.py", "pytest.ini")
    assert not [p for p in kept if "tests" in p.split("/") or p.startswith(development)]
    # Both ways, so that a new file anywhere needs a decision: the image, or development only.
    assert sorted(kept - {p for p in files if is_product(p)}) == []
    assert sorted({p for p in files if is_product(p)} - kept) == []


IMPORT_ALL = """
import importlib, pathlib, runpy, sys
import django
django.setup()
for path in sorted(pathlib.Path().rglob("*.py")):
    parts = path.with_suffix("").parts
    if len(parts) == 1 or parts[0] == "docker":
        runpy.run_path(str(path), run_name="image_check")  # scripts
    else:
        importlib.import_module(".".join(p for p in parts if p != "__init__"))
checkout = sys.argv[1]
installed = (sys.prefix, sys.base_prefix)  # the venv may sit inside the checkout (.venv)
print([m for m in sys.modules.values()
       if (f := getattr(m, "__file__", "") or "").startswith(checkout)
       and not f.startswith(installed)])
"""


def test_the_app_builds_and_starts_from_the_image_files_alone(tmp_path):
    app = tmp_path / "app"
    for path in image_files():
        (app / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / path, app / path)
    env = {k: v for k, v in os.environ.items()
           if k not in {"SECRET_KEY", "DATABASE_URL", "DEBUG", "PYTHONPATH"}}  # fmt: skip
    env.update(
        PATH=f"{os.path.dirname(sys.executable)}{os.pathsep}{env.get('PATH', '')}",
        HOME=str(tmp_path),
        DATA_DIR=str(tmp_path / "data"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        XDG_CONFIG_HOME=str(tmp_path / "data" / "config"),
        STATIC_ROOT=str(tmp_path / "staticfiles"),
        PYTHONDONTWRITEBYTECODE="1",
    )

    def run(*command, **extra):
        result = subprocess.run(command, cwd=app, env={**env, **extra}, capture_output=True,
                                text=True, timeout=120)  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    # The Dockerfile's build step, then its ENTRYPOINT with every module of the app imported.
    run(sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0",
        SECRET_KEY="collectstatic-only-not-used-at-run-time")  # fmt: skip
    assert (tmp_path / "staticfiles" / "staticfiles.json").exists()
    out = run("docker/entrypoint.sh", sys.executable, "-c", IMPORT_ALL, str(ROOT) + os.sep)
    assert out.strip().splitlines()[-1] == "[]"  # nothing was imported from the checkout
