# romvault: gunicorn serving the catalogue.
#   data (SQLite database, config file with the SECRET_KEY, images): the /data volume
#   ROM folders: mount them read-only under /roms (ROM_DIRS=/roms by default)
# README, "Docker", has the commands; docker-compose.yml adds PostgreSQL.

# Build stage: the runtime requirements (no test or lint tools) in a venv copied below.
FROM python:3.12.13-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
COPY requirements.txt /tmp/requirements.txt
RUN python -m venv /venv && /venv/bin/pip install --no-cache-dir -r /tmp/requirements.txt

FROM python:3.12.13-slim-bookworm
RUN groupadd --gid 1000 romvault \
    && useradd --uid 1000 --gid 1000 --create-home --shell /usr/sbin/nologin romvault
COPY --from=build /venv /venv
WORKDIR /app
# The code stays owned by root: the app user can read it, not change it. .dockerignore leaves
# out tests, benchmarks, the fake IGDB and other development files.
COPY . .
ENV PATH="/venv/bin:$PATH" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DATA_DIR=/data \
    XDG_DATA_HOME=/data \
    XDG_CONFIG_HOME=/data/config \
    ROM_DIRS=/roms \
    STATIC_ROOT=/app/staticfiles \
    BIND=0.0.0.0:8000
# Hashed, compressed static files, built once here and readable by the app user. The settings
# need a SECRET_KEY to load: a throwaway one for this step only (the real one is made at first
# start, on the data volume). The data folder is the app user's alone (0700): a new named
# volume takes this mode and owner.
RUN SECRET_KEY=collectstatic-only-not-used-at-run-time \
    python manage.py collectstatic --noinput --verbosity 0 \
    && rm -rf /data && install -d -m 0700 -o 1000 -g 1000 /data && mkdir -p /roms
USER 1000:1000
# /roms is no VOLUME: an unmounted one would be an empty writable volume; bind-mount yours :ro.
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "/app/docker/healthcheck.py"]
ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["gunicorn", "-c", "gunicorn.conf.py"]
