# One command per task; CI (.ci/run) calls `make test`, as the README says.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
export NO_MKDOCS_2_WARNING := 1

.PHONY: setup run build serve test test-fast check eval bench load clean

$(BIN)/kb: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[test]'
	touch $@

setup: $(BIN)/kb
	./scripts/install-system-deps.sh

run: setup build serve        ## install everything, build every artifact, serve on $(HOST):$(PORT)

build: setup
	$(BIN)/kb build

serve: setup
	$(BIN)/kb serve --host $(HOST) --port $(PORT)

test: setup                   ## install everything, then run the whole test suite (browser tests included)
	$(BIN)/python -m pytest

test-fast: setup
	$(BIN)/python -m pytest -m "not slow"

check: setup                  ## the KB, lint and types
	$(BIN)/kb check
	$(BIN)/ruff check kbbuild search_api tests bench
	$(BIN)/mypy kbbuild search_api

eval: setup                   ## search quality of the KB: dev and frozen test splits
	$(BIN)/kb eval

bench: setup                  ## speed figures (not part of the tests)
	$(BIN)/python bench/search_bench.py
	$(BIN)/python bench/searchlog_bench.py
	$(BIN)/python bench/qa_bench.py
	$(BIN)/python bench/widget_latency.py

load: setup                   ## 60 s at concurrency 50 against a local server
	$(BIN)/python bench/load.py

clean:
	rm -rf build site .pytest_cache .ruff_cache .mypy_cache
