#!/bin/sh
# Start-up of the romvault image (and of any install that wants the same steps): make sure a
# SECRET_KEY exists, bring the database up to date, then run the command (gunicorn by default).
# Works outside a container too: romvault/tests/test_entrypoint.py runs it with a temporary
# DATA_DIR and XDG folders.
set -eu
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python}

# Stored in $XDG_CONFIG_HOME/romvault/romvault.env (in the image: /data/config, on the data
# volume), so sessions survive a restart. Does nothing when SECRET_KEY is set.
"$PYTHON" -m romvault.config --ensure-secret-key
# Upgrading is pulling the new image and starting it: migrations run here, every start.
"$PYTHON" manage.py migrate --noinput

exec "$@"
