# Two entry points for a fresh machine: `make serve` and `make test`.
# Each creates the virtual environment and installs what it needs first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: serve test lint bench mutate schema clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

serve: $(STAMP)
	$(BIN)/meshapi-mock serve --host 127.0.0.1 --port 8000 --fixtures default

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python bench/bench_server.py
	$(BIN)/python bench/bench_instructions.py
	$(BIN)/python bench/bench_plugin.py

# On demand, never in CI: make mutate MODULE=sdk/meshapi/_sse.py TESTS=tests/sdk
mutate: $(STAMP)
	$(BIN)/python dev/mutate.py $(MODULE) $(TESTS)

schema: $(STAMP)
	$(BIN)/meshapi-mock schema > fixtures/meshapi_fixtures/scenario.schema.json

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
