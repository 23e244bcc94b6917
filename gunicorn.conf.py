"""gunicorn settings for romvault: `gunicorn -c gunicorn.conf.py romvault.wsgi`.

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

# Threads, not just processes: a download without DOWNLOAD_ACCEL streams its file from a worker
# thread for as long as the client takes, minutes for a big CD image on a slow line. With the
# sync worker two such downloads would leave no worker for page views. gthread gives each
# process a pool of threads, so WEB_CONCURRENCY x GUNICORN_THREADS requests (2 x 8 = 16 by
# default) run at once, and pages stay quick while a few downloads are going: the app's page
# work is short database reads, so threads share a process well despite the GIL.
worker_class = "gthread"
workers = _int("WEB_CONCURRENCY", 2, 1, 64)
threads = _int("GUNICORN_THREADS", 8, 1, 256)

# With gthread the worker keeps telling the arbiter it is alive while its threads serve, so
# `timeout` only kills a worker that is really stuck: a long download is not cut off.
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
