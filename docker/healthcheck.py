"""The image's HEALTHCHECK: exit 0 when /healthz answers 200 (the database answers), 1 otherwise.

Standard library only (the slim image has no curl). The request goes to gunicorn's own port with
a Host header from ALLOWED_HOSTS, so Django accepts it whatever host names the site uses.
"""

import os
import sys
import urllib.request


def host() -> str:
    for name in os.environ.get("ALLOWED_HOSTS", "").split(","):
        name = name.strip().lstrip(".")
        if name and "*" not in name:
            return name
    return "localhost"


def main() -> int:
    port = os.environ.get("BIND", "127.0.0.1:8000").rpartition(":")[2]
    request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={"Host": host()})
    try:
        with urllib.request.urlopen(request, timeout=4) as response:  # noqa: S310 - fixed http URL
            return 0 if response.status == 200 else 1
    except OSError as exc:  # URLError, HTTPError (a 503), timeouts
        print(f"unhealthy: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
