# mdprod: the README's two commands are `make run` and `make test`; CI uses the same targets.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help install install-dev migrate seed messages static run serve serve-environment test fuzz browser screenshots lint format check-migrations clean bench security audit faults transitions

help:
	@echo "make run    install, migrate, seed demo data, serve UI + API + Celery worker and beat"
	@echo "make test   install dev requirements and run the whole suite"
	@echo "make serve  production: gunicorn, a Celery worker and beat on DATABASE_URL and CELERY_BROKER_URL"
	@echo "make fuzz   schemathesis against the API schema, as each role"
	@echo "make faults  killed workers, Redis down, dropped database sessions, two beats"
	@echo "make browser  the browser tests alone (Playwright, headless /usr/bin/chromium)"
	@echo "make screenshots  regenerate docs/screenshots/*.png from a throwaway demo"
	@echo "make lint   ruff check and format check, and the import contract (lint-imports)"
	@echo "make transitions  regenerate docs/transitions.md (what each transition checks and does)"
	@echo "make security  bandit (medium and up); make audit  pip-audit (needs network)"

$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt $(VENV)/bin/activate
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

migrate: install
	$(PY) manage.py migrate --noinput

# The local demo: embedded mode (SQLite, filesystem broker, console e-mail) over plain http.
# Target-specific exports reach the prerequisites too, so migrate and seed see them.
run seed: export DJANGO_DEBUG := 1
run: export MDPROD_INSECURE_HTTP := 1

seed: migrate
	$(PY) manage.py seed_demo

# The Chinese UI: locale/*/LC_MESSAGES/*.po compiled to .mo in Python (polib; no gettext needed).
messages: install
	$(PY) -m mdprod.catalogues

static: install
	$(PY) manage.py collectstatic --noinput --verbosity 0

run: seed messages static
	HOST=$(HOST) PORT=$(PORT) PY=$(PY) bin/run-dev

# Production (see the README): migrate, collect static files, then gunicorn, a Celery worker and
# the one beat on the servers in DATABASE_URL and CELERY_BROKER_URL (bin/serve refuses without).
serve-environment:
	@bin/serve --check

serve: serve-environment migrate messages static
	HOST=$(HOST) PORT=$(PORT) bin/serve

test: install-dev
	$(PY) -m pytest $(PYTEST_ARGS)

# Schemathesis against the generated OpenAPI schema, as each role (minutes; not in `make test`).
fuzz: install-dev
	$(PY) -m pytest -m fuzz tests/mdprod/test_schema_fuzz.py $(PYTEST_ARGS)

# The fault tests: a Celery worker killed mid-sweep, Redis stopped, a database session
# terminated, two beats (about a minute; PostgreSQL and redis-server; not in `make test`).
faults: install-dev
	$(PY) -m pytest -m fault tests/faults $(PYTEST_ARGS)

# The browser tests (also part of `make test`): Playwright driving Debian's /usr/bin/chromium.
browser: install-dev
	$(PY) -m pytest -m browser tests/browser $(PYTEST_ARGS)

# The README's screenshots, from a throwaway seeded demo in var/screenshots/ (needs chromium and
# fonts-noto-cjk from apt).
screenshots: install-dev
	$(PY) bin/screenshots.py

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

# bandit, medium severity and confidence and up (CI runs it). A finding that is not a flaw gets
# `# nosec <test id>` on its line after a comment saying why.
security: install-dev
	$(VENV)/bin/bandit -q -r . -x ./.venv,./var,./tests,./locale --severity-level medium --confidence-level medium

# Known vulnerabilities in the pinned requirements. pip-audit asks an online vulnerability
# database (PyPI / OSV), so this runs only where one is reachable; CI cannot, and does not run it.
PIP_AUDIT_VERSION ?= 2.10.1
audit: install-dev
	$(PIP) install --quiet pip-audit==$(PIP_AUDIT_VERSION)
	$(VENV)/bin/pip-audit --progress-spinner off -r requirements.txt -r requirements-dev.txt

format: install-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# The pages and endpoints at 1,000 and 100,000 generated projects (databases <name>_1k and
# <name>_100k, generated once by `manage.py generate_load` and reused), the reminder sweep at
# 1,000 and 100,000 open deadlines, the metrics import of 10,000 and 1,000,000 rows (PostgreSQL,
# databases of their own; never the dev one). Writes docs/benchmarks.md; fails if a budget is
# missed (after running them all).
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/mdprod_bench
bench: install
	@psql "$(dir $(BENCH_DATABASE_URL))postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$(notdir $(BENCH_DATABASE_URL))'" | grep -q 1 \
		|| psql "$(dir $(BENCH_DATABASE_URL))postgres" -qc "CREATE DATABASE $(notdir $(BENCH_DATABASE_URL))"
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) manage.py migrate --noinput --verbosity 0
	@status=0; \
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) bench/scale.py || status=1; \
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) bench/sweep.py || status=1; \
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) bench/metrics_import.py || status=1; \
	DATABASE_URL=$(BENCH_DATABASE_URL)_100k $(PY) bench/lists.py || status=1; \
	exit $$status

# What each project transition checks and does, in order (tests/workflow/test_describe_transitions.py
# fails when the checked-in file is stale).
transitions: install
	$(PY) manage.py describe_transitions > docs/transitions.md

check-migrations: install
	$(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
