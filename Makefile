# The two commands: `make demo` runs the main job, `make test` runs the whole suite.
# Both create or update .venv and install what they need, so they work on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The theme's notice about its successor is not a problem with our pages.
MKDOCS := NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs
# pytest-xdist with two workers per core: about half of the suite's time is spent waiting on the
# processes it starts (emulators, servers, workers, schedules), so one worker per core leaves the
# cores half idle (docs/development.md has the runs). A test file stays on one worker (its module
# fixtures are built once). Each worker has its own PostgreSQL server and Chromium;
# `make test PYTEST_WORKERS=auto` runs one per core, `PYTEST_WORKERS=0` in one process.
PYTEST_WORKERS ?= $(shell echo $$(( 2 * $$(nproc 2>/dev/null || echo 1) )))
PYTEST_PARALLEL := -n $(PYTEST_WORKERS) --dist loadfile

.PHONY: demo test test-fast lint docs typecheck catalog bench install postgres chromium clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/ashby-connector demo

# PostgreSQL comes from Debian's packages when it is not on the machine; the test session starts
# a private server in a temporary folder and stops it at the end.
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  echo "installing PostgreSQL from Debian's packages"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }

# Chromium (for the Connect page tests) comes from Debian's packages too; playwright drives it.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Chromium from Debian's packages"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

test: $(STAMP) postgres chromium
	$(BIN)/ruff check src tests scripts benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(MKDOCS) build --strict --quiet
	$(BIN)/python -m pytest $(PYTEST_PARALLEL)

# The edit loop: tests/unit and tests/integration, one worker per core (they compute rather than
# wait: two per core made them slower); no emulator, server, subprocess or browser; the
# PostgreSQL variants of store tests use the private server, as in `make test`.
test-fast: $(STAMP) postgres
	$(BIN)/python -m pytest tests/unit tests/integration -n auto --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check src tests scripts benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

# The documentation site (docs/ + mkdocs.yml) in build/site/; --strict turns a broken link into an error.
docs: $(STAMP)
	$(MKDOCS) build --strict

catalog: $(STAMP)
	$(BIN)/python scripts/derive_catalog.py

clean:
	rm -rf $(VENV) build/site ashby.db ashby.db-wal ashby.db-shm ashby-master.key
