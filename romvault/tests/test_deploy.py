"""Production settings, each in a fresh interpreter: the environment decides them at import."""

import hashlib
import json
import os
import re
import subprocess
import sys

from romvault import config

# Variables of the developer's shell (or CI's) that would change what is being tested.
CLEARED = {"SECRET_KEY", "DEBUG", "HTTPS", "ALLOWED_HOSTS", "DATABASE_URL", "DATA_DIR"}
CLEARED |= {k for k in os.environ if k.startswith(("SECURE_", "CSRF_"))}

PRODUCTION = {
    "DEBUG": "false",
    "HTTPS": "true",
    "SECRET_KEY": "production-like-" + "s3Cr" * 15,
    "ALLOWED_HOSTS": "games.example.org",
}


def run_python(tmp_path, code="", *args, **env):
    base = {k: v for k, v in os.environ.items() if k not in CLEARED}
    base.update(
        HOME=str(tmp_path),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        STATIC_ROOT=str(tmp_path / "static"),
        DJANGO_SETTINGS_MODULE="romvault.settings",
    )
    base.update(env)
    command = [sys.executable, "-c", code] if code else [sys.executable, *args]
    return subprocess.run(
        command, cwd=config.BASE_DIR, env=base, capture_output=True, text=True, timeout=120,
        umask=0o022,  # the usual one, whatever this test run's is
    )  # fmt: skip


def test_the_deployment_checks_pass_in_production_with_https(tmp_path):
    result = run_python(tmp_path, "", "manage.py", "check", "--deploy", "--fail-level", "WARNING",
                        **PRODUCTION)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_without_https_the_deployment_checks_name_the_insecure_cookies(tmp_path):
    result = run_python(tmp_path, "", "manage.py", "check", "--deploy", "--fail-level", "WARNING",
                        **{**PRODUCTION, "HTTPS": "false"})  # fmt: skip
    assert result.returncode != 0
    assert "security.W012" in result.stderr  # SESSION_COOKIE_SECURE
    assert "security.W016" in result.stderr  # CSRF_COOKIE_SECURE


# Logs in through the real middleware and reports the cookies and headers a browser would get.
BROWSE = """
import json, django
django.setup()
from django.core.management import call_command
from django.test import Client
from django.contrib.auth import get_user_model
call_command("migrate", verbosity=0)
get_user_model().objects.create_user("ada", password="correct horse battery")
client = Client(HTTP_HOST="games.example.org", **json.loads(EXTRA))
plain = client.get("/accounts/login/", secure=False)
health = client.get("/healthz", secure=False)
page = client.get("/accounts/login/", secure=SECURE)
token = page.cookies["csrftoken"].value
login = client.post("/accounts/login/", {"username": "ada", "password": "correct horse battery",
                    "csrfmiddlewaretoken": token}, secure=SECURE)
def flags(morsel):
    return {"secure": bool(morsel["secure"]), "httponly": bool(morsel["httponly"]),
            "samesite": morsel["samesite"]}
print(json.dumps({
    "plain": [plain.status_code, plain.get("Location")],
    "health": health.status_code,
    "hsts": page.get("Strict-Transport-Security"),
    "headers": {h: page.get(h) for h in ("X-Frame-Options", "X-Content-Type-Options",
                                         "Referrer-Policy")},
    "login": login.status_code,
    "csrftoken": flags(page.cookies["csrftoken"]),
    "sessionid": flags(login.cookies["sessionid"]),
}))
"""


def browse(tmp_path, secure=True, extra=None, **env):
    code = BROWSE.replace("EXTRA", repr(json.dumps(extra or {}))).replace("SECURE", str(secure))
    result = run_python(tmp_path, code, **{**PRODUCTION, **env})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_with_https_cookies_are_secure_http_only_and_same_site_and_http_is_redirected(tmp_path):
    seen = browse(tmp_path)
    assert seen["login"] == 302
    assert seen["sessionid"] == {"secure": True, "httponly": True, "samesite": "Lax"}
    assert seen["csrftoken"] == {"secure": True, "httponly": True, "samesite": "Lax"}
    assert seen["plain"] == [301, "https://games.example.org/accounts/login/"]
    assert seen["health"] == 200  # the container's health check speaks plain HTTP
    assert seen["hsts"] == "max-age=31536000; includeSubDomains"
    assert seen["headers"] == {
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    }


def test_behind_a_proxy_its_forwarded_proto_header_counts_as_https(tmp_path):
    seen = browse(
        tmp_path,
        secure=False,
        extra={"HTTP_X_FORWARDED_PROTO": "https"},
        SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto",
        SECURE_HSTS_SECONDS="3600",
        SECURE_HSTS_PRELOAD="true",
    )
    assert seen["login"] == 302  # not redirected: the proxy said the visitor used HTTPS
    assert seen["sessionid"]["secure"] is True
    assert seen["hsts"] == "max-age=3600; includeSubDomains; preload"


def test_the_ssl_redirect_can_be_left_to_the_proxy(tmp_path):
    seen = browse(tmp_path, SECURE_SSL_REDIRECT="false")
    assert seen["plain"] == [200, None]
    assert seen["sessionid"]["secure"] is True


COLLECT_AND_LINK = """
import django
django.setup()
from django.core.management import call_command
from django.templatetags.static import static
call_command("collectstatic", interactive=False, verbosity=0)
print(static("css/app.css"))
"""


def test_collectstatic_writes_hashed_compressed_files_that_pages_link_to(tmp_path):
    result = run_python(tmp_path, COLLECT_AND_LINK, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    url = result.stdout.strip().splitlines()[-1]
    assert url != "/static/css/app.css"
    assert url.startswith("/static/css/app.") and url.endswith(".css")
    hashed = tmp_path / "static" / url.removeprefix("/static/")
    assert hashed.is_file()
    assert hashed.with_name(hashed.name + ".gz").is_file()
    assert (tmp_path / "static" / "staticfiles.json").is_file()
    # Unlike the private data folder, static files stay readable by everyone: a web server
    # running as another user may serve them, and the image builds them as root for its app user.
    for path in [tmp_path / "static", hashed.parent, hashed, hashed.with_name(hashed.name + ".gz")]:
        assert path.stat().st_mode & 0o004, path


SERVE_JS_DOS = """
import django, gzip, hashlib, json
django.setup()
from django.core.management import call_command
from django.templatetags.static import static
from django.test import Client
call_command("collectstatic", interactive=False, verbosity=0)
client = Client(HTTP_HOST="games.example.org")
seen = {}
for url in (static("vendor/js-dos/js-dos.js"), "/static/vendor/js-dos/emulators/wdosbox.wasm"):
    response = client.get(url, secure=True, HTTP_ACCEPT_ENCODING="gzip")
    body = b"".join(response.streaming_content)
    if response.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    seen[url] = [response.status_code, response["Content-Type"], response.get("Content-Encoding"),
                 hashlib.sha256(body).hexdigest()]
print(json.dumps(seen))
"""


def test_js_dos_is_served_unchanged_its_webassembly_compressed_and_typed(tmp_path):
    """collectstatic leaves js-dos's files as they are (it names files it does not ship, and
    loads its emulators by their plain names), and whitenoise serves WebAssembly as such, which
    browsers require to compile it as it arrives."""
    result = run_python(tmp_path, SERVE_JS_DOS, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    vendor = config.BASE_DIR / "static/vendor/js-dos"

    def digest(path):
        return hashlib.sha256((vendor / path).read_bytes()).hexdigest()

    (script_url, script), (_, wasm) = seen.items()
    assert re.fullmatch(r"/static/vendor/js-dos/js-dos\.[0-9a-f]{12}\.js", script_url)
    assert script == [200, 'text/javascript; charset="utf-8"', "gzip", digest("js-dos.js")]
    assert wasm == [200, "application/wasm", "gzip", digest("emulators/wdosbox.wasm")]


LOG = (
    "import django, logging; django.setup(); "
    "logging.getLogger('romvault').warning('hello from the log')"
)


def test_commands_log_to_stderr_so_their_stdout_stays_their_report(tmp_path):
    result = run_python(tmp_path, LOG, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "WARNING romvault: hello from the log" in result.stderr
    assert "hello" not in result.stdout


def test_under_gunicorn_the_app_logs_to_stdout(tmp_path):
    result = run_python(tmp_path, LOG, LOG_STREAM="stdout", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "WARNING romvault: hello from the log" in result.stdout
    assert "hello" not in result.stderr
