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

# Translation catalogues: each .mo is compiled from its .po when the .po changes.
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/django.po))

.PHONY: run test bench lint shell messages

run: $(STAMP) $(CATALOGUES)
	$(STACK) run

# make exits 2 when pytest fails; `portal.stack exec` itself returns pytest's code.
test: $(STAMP) $(CATALOGUES) $(NODE_STAMP)
	PORTAL_DATA_DIR=$(TEST_DATA_DIR) $(STACK) exec -- $(PY) -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(STACK) exec -- $(PY) bench/run.py

lint: $(STAMP) $(CATALOGUES)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(STACK) exec -- $(PY) manage.py makemigrations --check --dry-run

shell: $(STAMP)
	$(STACK) exec -- $(PY) manage.py shell

$(PY):
	$(PYTHON) -m venv $(VENV)

%.mo: %.po | $(STAMP)
	$(VENV)/bin/pybabel -q compile --input-file $< --output-file $@

# Every string marked in the sources into locale/<language>/LC_MESSAGES/django.po (GNU
# gettext's xgettext and msgmerge do it): new ones come in untranslated, gone ones leave.
# Then translate them; tests/i18n fails while one is missing or untranslated.
# Translations made elsewhere (say, on branches merged since) fill what is still
# untranslated, one language at a time:
#   make messages MESSAGE_LANGUAGES=de COMPENDIA="a.po b.po"
# Two different translations of one string come back fuzzy, for a person to choose.
MESSAGE_LANGUAGES ?= $(filter-out en,$(notdir $(wildcard locale/*)))
COMPENDIA ?=
messages: $(STAMP)
	$(STACK) exec -- $(PY) manage.py makemessages $(addprefix -l ,$(MESSAGE_LANGUAGES)) \
		--no-location --no-obsolete -i ".venv/*" -i ".data/*" -i "node_modules/*" -i "staticfiles/*"
	$(if $(COMPENDIA),for po in $(patsubst %,locale/%/LC_MESSAGES/django.po,$(MESSAGE_LANGUAGES)); do \
		msgmerge --quiet --no-fuzzy-matching --no-location $(addprefix --compendium=,$(COMPENDIA)) \
			--output-file=$$po $$po $$po || exit 1; done)

$(STAMP): requirements.txt | $(PY)
	$(PY) -m pip install --disable-pip-version-check -r requirements.txt
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@
