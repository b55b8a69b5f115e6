# Two entry points for a fresh machine: `make serve` and `make test`.
# Each creates the virtual environment and installs what it needs first:
# `serve` only the runtime, `test` the test toolchain as well.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
# The port meshapi-mock itself would pick: $MESHAPI_MOCK_PORT when set, else 8000.
PORT ?= $(or $(MESHAPI_MOCK_PORT),8000)
# FIXTURES= (empty) serves without scenarios.
FIXTURES ?= default

# A .venv made by another Python (older, removed, or a different PYTHON=) is rebuilt.
WANTED_PY := $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
VENV_PY := $(shell $(BIN)/python -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
PY_STAMP := $(VENV)/.python-stamp
RUN_STAMP := $(VENV)/.run-stamp
TEST_STAMP := $(VENV)/.test-stamp

.PHONY: serve test lint bench mutate schema clean FORCE

ifneq ($(VENV_PY),$(WANTED_PY))
$(PY_STAMP): FORCE
endif

$(PY_STAMP):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "meshapi-mock needs Python 3.10 or newer; $(PYTHON) is %d.%d: run make PYTHON=python3.12 (or another)" % sys.version_info[:2])'
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	touch $@

$(RUN_STAMP): pyproject.toml $(PY_STAMP)
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml $(PY_STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

serve: $(RUN_STAMP)
	$(BIN)/meshapi-mock serve --host $(HOST) --port $(PORT)$(if $(strip $(FIXTURES)), --fixtures $(FIXTURES))

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest

bench: $(TEST_STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python bench/bench_server.py
	$(BIN)/python bench/bench_peers.py
	$(BIN)/python bench/bench_request_path.py
	$(BIN)/python bench/bench_instructions.py
	$(BIN)/python bench/bench_plugin.py
	$(BIN)/python bench/bench_memory.py
	$(BIN)/python bench/bench_timing.py

# On demand, never in CI: make mutate MODULE=sdk/meshapi/_sse.py TESTS=tests/sdk
mutate: $(TEST_STAMP)
	$(BIN)/python dev/mutate.py $(MODULE) $(TESTS)

schema: $(RUN_STAMP)
	$(BIN)/meshapi-mock schema > fixtures/meshapi_fixtures/scenario.schema.json

FORCE:

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
