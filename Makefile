# altavoz — the two commands a newcomer needs are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export ALTAVOZ_HOME ?= $(CURDIR)/var
PG_URL ?= postgresql://postgres@127.0.0.1:5432/altavoz

.PHONY: demo test test-sqlite test-postgres lint system-deps messages clean fuzz axe bench

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
test: $(VENV)/.installed-test system-deps axe lint test-sqlite test-postgres

lint: $(VENV)/.installed-test
	$(BIN)/ruff check altavoz tests bench fuzz

test-sqlite: $(VENV)/.installed-test
	env -u ALTAVOZ_DATABASE_URL $(BIN)/pytest

# The browser tests drive one live server; running them twice adds nothing.
test-postgres: $(VENV)/.installed-test
	ALTAVOZ_DATABASE_URL=$(PG_URL) $(BIN)/pytest -m "not browser"

## system-deps: Debian's Chromium (browser tests), gettext (catalog tests), nginx and wrk (edge benchmarks), rsync and openssh-server (mirror pushes and their tests)
system-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v xgettext >/dev/null || missing="$$missing gettext"; \
	command -v nginx >/dev/null || missing="$$missing nginx"; \
	command -v wrk >/dev/null || missing="$$missing wrk"; \
	command -v rsync >/dev/null || missing="$$missing rsync"; \
	test -x /usr/sbin/sshd || missing="$$missing openssh-server"; \
	if [ -n "$$missing" ]; then \
		echo "installing from Debian:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

## messages: refresh the gettext catalogs from the code and compile them
messages: $(VENV)/.installed-test
	cd altavoz && ../$(BIN)/altavoz manage makemessages -l es -l en --no-obsolete --no-location
	cd altavoz && ../$(BIN)/altavoz manage compilemessages

## axe: axe-core from the npm registry, pinned, for the accessibility tests (tests/browser)
AXE_VERSION := 4.14.1
AXE_STAMP := .cache/axe/axe-core-$(AXE_VERSION)
axe: $(AXE_STAMP)

$(AXE_STAMP):
	@command -v npm >/dev/null || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; }
	npm install --prefix .cache/axe --no-save --no-package-lock --no-audit --no-fund \
		--ignore-scripts axe-core@$(AXE_VERSION)
	touch $@

## fuzz: each atheris target (fuzz/) for FUZZ_SECONDS, from fuzz/corpus/; finds go to .cache/fuzz/
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= edge_requests sanitize uploads
$(VENV)/.installed-fuzz: pyproject.toml $(VENV)/.installed-test
	$(BIN)/pip install -q -e '.[test,fuzz]'
	touch $@

fuzz: $(VENV)/.installed-fuzz
	@for target in $(FUZZ_TARGETS); do \
		mkdir -p .cache/fuzz/$$target; \
		echo "fuzzing $$target for $(FUZZ_SECONDS) s"; \
		$(BIN)/python -m fuzz $$target .cache/fuzz/$$target fuzz/corpus/$$target \
			-max_total_time=$(FUZZ_SECONDS) -timeout=30 -print_final_stats=1 \
			-artifact_prefix=.cache/fuzz/$$target- || exit 1; \
	done

## bench: every script in bench/ in turn, at modest sizes, printing its figures (docs/BENCHMARKS.md has full-size runs)
BENCH_ARTICLES ?= 300
bench: $(VENV)/.installed-test system-deps
	@set -e; home=$$(mktemp -d /tmp/altavoz-bench-home.XXXXXX); trap 'rm -rf "$$home"' EXIT; \
	run() { echo; echo "== $$*"; "$$@"; }; \
	run $(BIN)/python bench/seed_speed.py 2000; \
	run $(BIN)/python bench/search_latency.py 5000 --queries 100; \
	run $(BIN)/python bench/edition_build.py 1000; \
	ALTAVOZ_HOME=$$home $(BIN)/altavoz init >/dev/null; \
	ALTAVOZ_HOME=$$home $(BIN)/altavoz seed --articles $(BENCH_ARTICLES) >/dev/null; \
	ALTAVOZ_HOME=$$home $(BIN)/altavoz build >/dev/null; \
	run env ALTAVOZ_HOME=$$home $(BIN)/python bench/publish_latency.py --runs 10; \
	run $(BIN)/python bench/edge_request_path.py; \
	run $(BIN)/python bench/edge_limits.py --clients 200000; \
	run $(BIN)/python bench/edge_challenge.py --bits 16,18 --trials 7; \
	run $(BIN)/python bench/edge_vs_nginx.py --runs 3 --duration 5; \
	run $(BIN)/python bench/flood.py --home $$home --attackers 500 --readers 20 \
		--duration 10 --slow 500

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
