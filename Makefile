# Single Permit Portal. `make run` serves the portal with demo data; `make test` runs everything.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
PYTHON ?= python3

.PHONY: run test test-sqlite test-postgres bench bench-postgres bench-parts soak translations extract lint format system-deps clean \
	fuzz fuzz-forms fuzz-api serve scaleout

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Runtime packages; re-installed when pyproject.toml changes.
$(VENV)/.runtime: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

# Test packages on top.
$(VENV)/.test: pyproject.toml $(VENV)/.runtime
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

# honcho, for `make serve`.
$(VENV)/.serve: pyproject.toml $(VENV)/.runtime
	$(PY) -m pip install --quiet -e ".[serve]"
	touch $@

node_modules/axe-core/axe.min.js: package.json
	npm install --no-audit --no-fund --silent
	touch $@

translations: $(VENV)/.runtime
	$(VENV)/bin/pybabel compile --statistics -d translations 2>&1 | grep -v "^compiling" || true
	@ls translations/*/LC_MESSAGES/messages.mo >/dev/null

extract: $(VENV)/.test
	$(VENV)/bin/pybabel extract -F translations/babel.cfg -k _l -k lazy_gettext --no-location \
		--sort-output --project="Single Permit Portal" -o translations/messages.pot .
	$(VENV)/bin/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete

run: $(VENV)/.runtime translations
	$(FLASK) db upgrade
	$(FLASK) demo load
	$(FLASK) run --host 127.0.0.1 --port 5000

system-deps:
	bash .ci/system-deps.sh

lint: $(VENV)/.test
	$(VENV)/bin/ruff check portal onboarding tests wsgi.py
	$(VENV)/bin/ruff format --check portal onboarding tests wsgi.py

format: $(VENV)/.test
	$(VENV)/bin/ruff format portal onboarding tests wsgi.py
	$(VENV)/bin/ruff check --fix portal onboarding tests wsgi.py

test-sqlite: $(VENV)/.test translations node_modules/axe-core/axe.min.js
	$(PY) -m pytest

test-postgres: $(VENV)/.test translations
	bash .ci/with-postgres.sh $(PY) -m pytest -m "not e2e"
	bash .ci/with-postgres.sh $(PY) -m tests.scaleout

# The scale-out proof alone (part of `make test`): 2 gunicorn instances and 3 workers on a
# throwaway PostgreSQL and redis-server; every e-mail and DVZ message exactly once.
scaleout: $(VENV)/.test translations
	bash .ci/with-postgres.sh $(PY) -m tests.scaleout

# The production process model locally: the Procfile under honcho (gunicorn with
# gunicorn.conf.py, and `flask worker`) on a throwaway PostgreSQL and redis-server.
serve: $(VENV)/.serve translations
	VENV=$(VENV) bash .ci/serve.sh

test: system-deps lint test-sqlite test-postgres

# In-process page rates, PDF, tracking, intake and stats, then the pages behind gunicorn
# (2 sync workers) and wrk against a bare Flask app: BENCH_SCALES (default 10000,100000;
# add 1000000 for the optional run), BENCH_SECONDS (5 a page), BENCH_CLIENTS (8); BENCH_SPLIT=1
# adds where each request's CPU time goes (the app, serving it), timed in the workers.
bench: $(VENV)/.test translations
	$(PY) -m tests.bench

# The HTTP benchmark on PostgreSQL, the database production uses: a throwaway server on
# 127.0.0.1 (.ci/with-postgres.sh), a database per scale on it. The same BENCH_* settings.
bench-postgres: $(VENV)/.test translations
	bash .ci/with-postgres.sh sh -c 'BENCH_DATABASE_URL="$$DATABASE_URL" $(PY) -m tests.bench.http_bench'

# Where each page's time goes inside the app, in-process: the sign-in check, the view (its
# templates, what it writes apart) and the rest (Flask, the cookie session, the hooks),
# beside the floors. BENCH_PARTS_FILES (10000) files are seeded on a throwaway database.
BENCH_PARTS_FILES ?= 10000
bench-parts: $(VENV)/.test translations
	$(PY) -m tests.bench.parts --files $(BENCH_PARTS_FILES)

fuzz: fuzz-forms fuzz-api

# Schemathesis against /api/v1/openapi.json, every phase, in-process on a throwaway SQLite
# database (DATABASE_URL for a throwaway PostgreSQL): zero 5xx, every error in the JSON shape.
FUZZ_API_EXAMPLES ?= 300
fuzz-api: $(VENV)/.test translations
	$(PY) -m tests.fuzz_api --examples $(FUZZ_API_EXAMPLES)

# Property-based fuzzing in full (a sample runs in `make test`). Each part is its own target;
# `fuzz` runs them all and reports the counts.
FUZZ_EXAMPLES ?= 200

fuzz-forms: $(VENV)/.test translations
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_REPORT=1 $(PY) -m pytest tests/test_fuzz_forms.py -m fuzz -q

clean:
	rm -rf $(VENV) node_modules translations/*/LC_MESSAGES/*.mo

# Not part of `make test`: the portal under gunicorn with 50 clients, on SQLite, then on a
# throwaway PostgreSQL. SOAK_SECONDS (default 60) and SOAK_CLIENTS (default 50) tune it.
soak: $(VENV)/.test translations
	env -u DATABASE_URL $(PY) -m tests.soak
	bash .ci/with-postgres.sh $(PY) -m tests.soak
