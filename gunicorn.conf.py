"""gunicorn settings for romvault: `gunicorn -c gunicorn.conf.py` (it names the app).

Every value can be changed through the environment (README, "Configuration").
"""

import os


def _int(name, default, low, high):
    raw = os.environ.get(name, "").strip() or str(default)
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise SystemExit(f"{name} must be a whole number from {low} to {high}, not {raw!r}.")
    return value


# 127.0.0.1 on a bare server (nginx in front); the Docker image sets BIND=0.0.0.0:8000.
bind = os.environ.get("BIND", "").strip() or "127.0.0.1:8000"

# The app through ASGI, on gunicorn's asyncio worker: the connections themselves cost no thread.
# A client that reads a download slowly, or never, and one that trickles its request headers
# a byte at a time (slowloris) each hold a socket on the event loop, not a thread, so they
# cannot stall page views for everyone (a thread pool of 16, the old gthread setup, was held
# by 16 such clients: bench/slowclients.py). Django runs each request's view in a thread of its
# own, and file bodies are read in small steps between sends (catalog/downloads.py).
wsgi_app = "romvault.asgi:application"
worker_class = "asgi"
workers = _int("WEB_CONCURRENCY", 2, 1, 64)
# Open connections per worker process, idle and slow ones included; past it, new ones wait.
worker_connections = _int("WORKER_CONNECTIONS", 1000, 10, 100_000)

# The worker's event loop tells the arbiter it is alive while requests run, so `timeout` only
# kills a worker that is really stuck: a long download is not cut off.
timeout = _int("GUNICORN_TIMEOUT", 60, 5, 3600)
# On SIGTERM (docker stop, systemctl stop) running requests get this long to finish.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30, 1, 3600)
keepalive = 5

# Every log line to stdout, for docker logs and journald: gunicorn's access log (combined
# format), its error log (which "-" alone would send to stderr) and the app's own logging.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "generic": {
            "format": "%(asctime)s [%(process)d] [%(levelname)s] %(message)s",
            "datefmt": "[%Y-%m-%d %H:%M:%S %z]",
        },
        "access": {"format": "%(message)s"},
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "formatter": "generic",
            "stream": "ext://sys.stdout",
        },
        "access": {
            "class": "logging.StreamHandler",
            "formatter": "access",
            "stream": "ext://sys.stdout",
        },
    },
    "root": {"level": "INFO", "handlers": ["stdout"]},
    "loggers": {
        "gunicorn.error": {"level": loglevel.upper(), "handlers": ["stdout"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["access"], "propagate": False},
    },
}
# romvault/settings.py logs to stderr by default, so that a management command's stdout is
# only its report; under gunicorn its lines join the server's on stdout.
os.environ.setdefault("LOG_STREAM", "stdout")

# The runtime control socket is not used; without this gunicorn would create ~/.gunicorn/,
# which the container user or a read-only home may not allow.
control_socket_disable = True
