# altavoz — the two commands a newcomer needs are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export ALTAVOZ_HOME ?= $(CURDIR)/var
PG_URL ?= postgresql://postgres@127.0.0.1:5432/altavoz

.PHONY: demo test test-sqlite test-postgres lint system-deps messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install -q -e '.[test]'
	touch $@

## demo: install, initialise $ALTAVOZ_HOME, seed when empty, serve at http://127.0.0.1:8000
demo: $(VENV)/.installed
	$(BIN)/altavoz init
	$(BIN)/altavoz seed --if-empty
	$(BIN)/altavoz serve

## test: lint, then the whole suite on SQLite and on PostgreSQL
test: $(VENV)/.installed-test system-deps lint test-sqlite test-postgres

lint: $(VENV)/.installed-test
	$(BIN)/ruff check altavoz tests bench

test-sqlite: $(VENV)/.installed-test
	env -u ALTAVOZ_DATABASE_URL $(BIN)/pytest

# The browser tests drive one live server; running them twice adds nothing.
test-postgres: $(VENV)/.installed-test
	ALTAVOZ_DATABASE_URL=$(PG_URL) $(BIN)/pytest -m "not browser"

## system-deps: Debian's Chromium (browser tests), gettext (catalog tests), nginx and wrk (edge benchmarks)
system-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v xgettext >/dev/null || missing="$$missing gettext"; \
	command -v nginx >/dev/null || missing="$$missing nginx"; \
	command -v wrk >/dev/null || missing="$$missing wrk"; \
	if [ -n "$$missing" ]; then \
		echo "installing from Debian:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

## messages: refresh the gettext catalogs from the code and compile them
messages: $(VENV)/.installed-test
	cd altavoz && ../$(BIN)/altavoz manage makemessages -l es -l en --no-obsolete --no-location
	cd altavoz && ../$(BIN)/altavoz manage compilemessages

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
