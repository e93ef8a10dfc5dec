# Two commands do everything on a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
HOST ?= 127.0.0.1
PORT ?= 5000
SANDBOX_PORT ?= 5001

.PHONY: demo test install translations extract-messages chromium postgresql redis benchmark bench clean

demo: install translations
	$(BIN)/flask --app wsgi demo --host $(HOST) --port $(PORT) --sandbox-port $(SANDBOX_PORT)

test: install translations chromium postgresql redis
	$(BIN)/pytest

benchmark: install translations
	$(BIN)/pytest tests/benchmarks --benchmark-only -p no:cacheprovider

# The whole product under load as production runs it; issue 12's targets, met or missed
# (README "Benchmark"). Options: BENCH_ARGS='--managers 20 --databases sqlite', or BENCH_*.
bench: install translations postgresql
	$(BIN)/python -m tests.benchmarks.harness $(BENCH_ARGS)

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# Compiled catalogs are build artefacts; they ship in the wheel (see pyproject).
translations: install
	$(BIN)/pybabel compile -d wizard/translations --statistics

# Re-extract marked strings and merge them into the catalogs (developers run this).
extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k _l --no-location --sort-output \
	  --project wizard -o wizard/translations/messages.pot .
	$(BIN)/pybabel update -i wizard/translations/messages.pot -d wizard/translations \
	  --no-fuzzy-matching --ignore-obsolete -w 100

# Browser tests drive Debian's chromium; Playwright cannot download browsers here.
chromium:
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium; }

# The test suite starts its own throw-away PostgreSQL cluster from these binaries.
postgresql:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq postgresql; }

# Rate limits shared by several processes live in Redis: the tests start a throw-away
# redis-server from this binary (no service needs to run).
redis:
	@test -x /usr/bin/redis-server || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq redis-server; }

clean:
	rm -rf $(VENV) build dist .pytest_cache wizard/translations/*/LC_MESSAGES/*.mo
