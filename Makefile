# `make run`: set up, serve on http://127.0.0.1:8000, then scan the library beside the server.
# `make test`: set up and run the tests.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install browser-deps run serve test lint format clean css

# The development venv gets the runtime pins plus the test and lint tools; the Docker image
# installs requirements.txt only.
$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# Every target that sets up also makes sure a SECRET_KEY exists (in the XDG config file), so
# that `.venv/bin/python manage.py ...` works after any of them with DEBUG off.
install: $(VENV)/.installed
	@$(PY) -m romvault.config --ensure-secret-key > /dev/null

# The port is checked first, with the system Python: a taken port is said in a second, not after
# the install. Then romvault/run.py asks for the settings when nothing is configured (on a
# terminal only), migrates, serves, and once the site answers scans the library beside it.
run:
	@$(PYTHON) -m romvault.run --check-port --host '$(HOST)' --port '$(PORT)'
	@$(MAKE) --no-print-directory install
	@$(PY) -m romvault.run --host '$(HOST)' --port '$(PORT)'

# gunicorn.conf.py holds the worker model; HOST and PORT say where to listen. collectstatic
# first: pages link to the hashed file names it writes.
serve: install
	@$(PY) -m romvault.run --check-port --target serve --host '$(HOST)' --port '$(PORT)'
	$(PY) manage.py collectstatic --noinput --verbosity 0
	BIND=$(HOST):$(PORT) $(VENV)/bin/gunicorn -c gunicorn.conf.py

# The browser tests drive Debian's Chromium: `playwright install` cannot download browsers here.
# The player's tests also assemble small DOS programs with nasm.
browser-deps:
	@if [ ! -x /usr/bin/chromium ] || ! command -v nasm > /dev/null; then \
	  if [ "$$(id -u)" -eq 0 ]; then \
	    echo "Installing Chromium and nasm for the browser tests"; \
	    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium nasm; \
	  else \
	    echo "The browser tests need /usr/bin/chromium and nasm. Install them as root with:" >&2; \
	    echo "  apt-get update && apt-get install -y chromium nasm" >&2; \
	    echo "or skip them with: $(VENV)/bin/pytest -m 'not browser'" >&2; \
	    exit 1; \
	  fi; \
	fi

test: install browser-deps
	$(VENV)/bin/pytest -n 2

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/hadolint Dockerfile

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Rebuild the committed CSS and vendored Alpine.js, its CSP build: no eval, so the Content
# Security Policy can forbid it (needs Node.js; users of the app do not). Also vendors js-dos,
# the player page's emulator: its page script and style, and of its emulators only what the
# dosbox backend loads (wlibzip serves js-dos's bundle and config code paths), no DOSBox-X.
# static/vendor/js-dos/LICENSE.txt, the GPL-2.0 they are under, is committed beside them.
JSDOS := node_modules/js-dos/dist
css:
	npm ci
	npx @tailwindcss/cli -i static/src/app.css -o static/css/app.css --minify
	mkdir -p static/js
	cp node_modules/@alpinejs/csp/dist/cdn.min.js static/js/alpine.min.js
	rm -rf static/vendor/js-dos/emulators
	mkdir -p static/vendor/js-dos/emulators
	install -m 644 $(JSDOS)/js-dos.js $(JSDOS)/js-dos.css static/vendor/js-dos/
	install -m 644 $(addprefix $(JSDOS)/emulators/,emulators.js wdosbox.js wdosbox.wasm wlibzip.js wlibzip.wasm) \
	  static/vendor/js-dos/emulators/

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
