# Two commands do all the set-up on a fresh machine with Python 3.11+:
#   make run    install into .venv, then serve Beacon (the web chat on 127.0.0.1:8080 without
#               BOT_TOKEN; make chat talks to it in this terminal)
#   make test   install into .venv, then check content, lint, type-check and run the tests
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PO := $(wildcard locales/*/LC_MESSAGES/beacon.po)
MO := $(PO:.po=.mo)

.PHONY: install run chat test check lint typecheck pytest catalog clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Beacon needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# Each language's compiled catalog, rebuilt when its .po changes (never committed).
%.mo: %.po | $(STAMP)
	$(VENV)/bin/pybabel compile --statistics -D beacon -i $< -o $@

install: $(STAMP) $(MO)

run: install
	$(PY) -m bot run

chat: install
	$(PY) -m bot chat

check: install
	$(PY) -m bot content check
	$(PY) -m bot content catalogs

lint: install
	$(PY) -m ruff check bot tests bench
	$(PY) -m ruff format --check bot tests bench
	$(VENV)/bin/lint-imports --no-cache --no-logo

typecheck: install
	$(PY) -m mypy

pytest: install
	$(PY) -m pytest -q

test: check lint typecheck pytest

# After a content or interface change: refresh the template, then merge it into every
# language (near matches are kept as fuzzy for a translator to review).
catalog: install
	$(VENV)/bin/pybabel extract -F babel.cfg -k pgettext:1c,2 --no-wrap --sort-by-file \
		--project=Beacon --copyright-holder="The Beacon contributors" \
		-o locales/beacon.pot .
	$(VENV)/bin/pybabel update -i locales/beacon.pot -d locales -D beacon --no-wrap --previous

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache $(MO)
