# One command per workflow; CI runs the same ones (.ci/run -> make test).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test test-sqlite test-postgres bench lint system-deps venv compiled clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

venv: $(BIN)/.installed

## make demo: set up and run the whole product on SQLite with demo traffic
demo: venv
	$(BIN)/roadie demo

## make test: set up everything (venv, PostgreSQL, Chromium, mail tools) and run the whole suite on SQLite and PostgreSQL
test: venv system-deps
	scripts/run-tests

system-deps:
	scripts/system-deps

test-sqlite: venv
	$(BIN)/pytest

test-postgres: venv system-deps
	scripts/run-tests postgres

## make bench: every benchmark, each against its named peer
bench: venv
	bench/run

## make compiled: a second venv, .venv-compiled, with roadie installed (not editable) and its routing core compiled by Cython (docs/routing.md)
compiled:
	$(PYTHON) -m venv .venv-compiled
	.venv-compiled/bin/pip install --quiet --upgrade pip
	ROADIE_COMPILE=1 .venv-compiled/bin/pip install --quiet '.[compiled]'
	.venv-compiled/bin/python -c "import roadie.engine.routing.router as r; print('compiled routing core:', r.__file__)"

lint: venv
	$(BIN)/ruff check src tests bench

clean:
	rm -rf $(VENV) .venv-compiled var build *.egg-info
