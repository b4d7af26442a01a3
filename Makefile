# The README's two commands: `make run` and `make test`. `make bench` prints the benchmarks.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000
# Every link in emails, calendar files and PDFs is built from this: the address served below.
export PUBLIC_URL ?= http://$(HOST):$(PORT)

.PHONY: run test bench setup setup-test migrate lint browser-deps

TEST_STAMP := $(VENV)/.installed-test

# `make run` installs what running needs; `make test` adds the test tools.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(STAMP)

$(TEST_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(TEST_STAMP)

setup: $(STAMP)

setup-test: $(TEST_STAMP)

migrate: setup
	$(FLASK) db upgrade

run: migrate
	$(FLASK) first-run
	@echo "Open $(PUBLIC_URL)/ in your browser."
	$(FLASK) run --host $(HOST) --port $(PORT)

node_modules/axe-core/axe.min.js: package.json
	npm install --no-audit --no-fund --silent
	touch $@

browser-deps: node_modules/axe-core/axe.min.js

test: setup-test browser-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: setup-test
	@for script in bench/[!_]*.py; do name=$$(basename $$script .py); echo "== bench/$$name.py"; $(BIN)/python -m bench.$$name || exit 1; done

lint: setup-test
	$(BIN)/ruff check app tests bench
