# Flowbook: `make run` starts the app, `make test` runs every test. Both set everything up.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
TOOLS_BIN := $(CURDIR)/.tools/node_modules/.bin
BUN_VERSION := 1.4.4

export PATH := $(TOOLS_BIN):$(CURDIR)/$(VENV)/bin:$(PATH)
export REFLEX_USE_SYSTEM_BUN := 1
export REFLEX_TELEMETRY_ENABLED := false
export LITELLM_LOCAL_MODEL_COST_MAP := True
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run serve test test-unit test-e2e check bench bench-canvas migrate setup browser clean

## set-up ------------------------------------------------------------------------------------

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

$(TOOLS_BIN)/bun:
	npm install --silent --no-audit --no-fund --prefix .tools bun@$(BUN_VERSION)

setup: $(VENV)/.installed $(TOOLS_BIN)/bun

# Headless Chromium for the end-to-end tests (Playwright cannot download browsers here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }

migrate: setup
	$(PY) -m app.cli migrate

## the two commands --------------------------------------------------------------------------

run: migrate
	$(VENV)/bin/reflex run

# The unit tests run on one worker per CPU (each worker has its own databases), then the
# few that assert a wall-clock bound run alone (only their files are collected), then the
# browser tests on two workers (each with its own app and Chromium; an idle worker takes
# queued tests from a busy one). Three browsers on two cores crashed one of them.
TIMING_TESTS = $(shell grep -rl --include='test_*.py' 'pytest.mark.timing' tests)

test: setup browser
	$(PY) -m pytest tests -q -p no:cacheprovider -n auto -m "not timing"
	$(PY) -m pytest $(TIMING_TESTS) -q -p no:cacheprovider -m timing
	$(PY) -m pytest e2e -q -p no:cacheprovider -n 2 --dist worksteal

## more --------------------------------------------------------------------------------------

serve: migrate
	$(VENV)/bin/flowbook serve

test-unit: setup
	$(PY) -m pytest tests -q -n auto -m "not timing"
	$(PY) -m pytest $(TIMING_TESTS) -q -m timing

test-e2e: setup browser
	$(PY) -m pytest e2e -q -n 2 --dist worksteal

check: setup
	$(VENV)/bin/ruff check app tests e2e bench
	$(VENV)/bin/ruff format --check app tests e2e bench
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy app/engine app/services app/models app/llm app/api

bench: setup
	$(PY) bench/engine.py
	$(PY) bench/llm.py

bench-canvas: setup browser
	$(PY) bench/canvas.py --prod

# `flowbook serve` on a scratch SQLite database under load (quick: bench/http_api.py --duration 5).
.PHONY: bench-http
bench-http: setup
	$(PY) bench/http_api.py

clean:
	rm -rf .web .states .data/*.db*
