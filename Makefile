# The two commands of the README: `make run` and `make test`. Both create the
# virtualenv on first use and reinstall requirements only when they change.
# With DATABASE_URL and REDIS_URL unset, portal.stack starts an embedded
# PostgreSQL and Redis under .data/; with them set, it uses those servers.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.requirements-installed
# axe-core for the browser tests' accessibility checks, pinned in package-lock.json.
NODE_STAMP := node_modules/.installed
STACK := $(PY) -m portal.stack
PORT ?= 8000
export PORT
# Tests get embedded servers and files of their own: `make test` while
# `make run` is up neither touches the portal's data nor shares its broker.
TEST_DATA_DIR ?= $(CURDIR)/.data/test

.PHONY: run test bench lint shell

run: $(STAMP)
	$(STACK) run

# make exits 2 when pytest fails; `portal.stack exec` itself returns pytest's code.
test: $(STAMP) $(NODE_STAMP)
	PORTAL_DATA_DIR=$(TEST_DATA_DIR) $(STACK) exec -- $(PY) -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(STACK) exec -- $(PY) bench/run.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(STACK) exec -- $(PY) manage.py makemigrations --check --dry-run

shell: $(STAMP)
	$(STACK) exec -- $(PY) manage.py shell

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt | $(PY)
	$(PY) -m pip install --disable-pip-version-check -r requirements.txt
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@
