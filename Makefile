# `make run`: set up and serve on http://127.0.0.1:8000.  `make test`: set up and run the tests.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run serve test lint format clean css

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

install: $(VENV)/.installed

run: install
	$(PY) -m romvault.config --ensure-secret-key
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createadmin
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py scrape
	$(MAKE) serve

serve: install
	$(VENV)/bin/gunicorn romvault.wsgi --bind $(HOST):$(PORT) --workers 2 --threads 4 --access-logfile -

test: install
	$(VENV)/bin/pytest -n 2

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Rebuild the committed CSS and vendored Alpine.js (needs Node.js; users of the app do not).
css:
	npm ci
	npx @tailwindcss/cli -i static/src/app.css -o static/css/app.css --minify
	mkdir -p static/js
	cp node_modules/alpinejs/dist/cdn.min.js static/js/alpine.min.js

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
