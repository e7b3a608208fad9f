# Wayfinder. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= wayfinder.settings.dev

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	touch $@

# npm brings the browser tests' tools (axe-core), locked in package-lock.json.
# Without npm the step is skipped: those checks skip locally and fail in CI.
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null; then \
		npm ci --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: skipping node_modules (axe-core for tests/e2e)"; fi

.PHONY: install
install: $(VENV)/.installed node_modules/.installed ## Create the virtual environment, install the locked Python and npm dependencies

.PHONY: setup
setup: install ## Migrate, load the starter catalog, ensure the demo curator (idempotent)
	mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py import_catalog --only-if-empty --rebuild-references data/catalog.json
	$(PY) manage.py demo_pages
	$(PY) manage.py demo_curator

.PHONY: run
run: setup ## Set up and start the web server and a Huey worker on http://$(HOST):$(PORT)/
	@echo "Wayfinder: http://$(HOST):$(PORT)/   curator admin: http://$(HOST):$(PORT)/admin/"
	HOST=$(HOST) PORT=$(PORT) WEB_PORT=$(PORT) $(VENV)/bin/honcho -f Procfile.dev start

# pytest runs on the test settings whatever DJANGO_SETTINGS_MODULE says: this
# Makefile exports the dev one, and pytest-django prefers the environment.
# Two processes by default (pytest-xdist): the suite is too long to run
# serially within CI's budget. PYTEST_ARGS="-n 0" runs it in one.
PYTEST_ARGS ?= -n 2

.PHONY: test
test: install ## Run the whole suite (PostgreSQL and Redis when DATABASE_URL / REDIS_URL are set)
	$(PY) manage.py makemigrations --check --dry-run --settings=wayfinder.settings.test
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports
	DJANGO_SETTINGS_MODULE=wayfinder.settings.test $(PY) -m pytest $(PYTEST_ARGS)

.PHONY: lint
lint: install ## ruff check, format check and the layer contracts (lint-imports)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports

.PHONY: format
format: install ## Format the code and sort imports
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

# BENCH_RUNS (default 3) runs of each benchmark, BENCH_ONLY=a,b a subset,
# BENCH_QUICK=1 a smoke run; a full run writes bench/results/latest.json and
# the tables of docs/performance.md, the others write under var/bench/.
.PHONY: bench
bench: install ## Time the reference workload and every benchmark, then write docs/performance.md's tables
	$(PY) bench/run.py; status=$$?; $(PY) bench/report.py && exit $$status

.PHONY: bench-report
bench-report: ## Rewrite docs/performance.md's tables from bench/results/latest.json
	$(PY) bench/report.py

.PHONY: lock
lock: ## Re-resolve requirements.lock from pyproject.toml (needs network to PyPI)
	rm -rf .lockenv && $(PYTHON) -m venv .lockenv
	.lockenv/bin/pip install --quiet --upgrade pip
	.lockenv/bin/pip install --quiet ".[dev]"
	.lockenv/bin/pip freeze --exclude-editable | grep -v '^wayfinder' > requirements.lock
	rm -rf .lockenv
