# The README's two commands: `make run` and `make test`. Everything they need, they install.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.stamp-install
PYTEST_ARGS ?=

.PHONY: run test install lint typecheck pytest eval bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	scripts/install-system-deps.sh
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/thidua migrate
	$(BIN)/thidua ingest --if-stale
	$(BIN)/thidua serve

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@# No function of the bot above cyclomatic complexity 10: radon lists C and worse, and must list nothing.
	@out="$$($(BIN)/radon cc -n C bot/)"; if [ -n "$$out" ]; then echo "$$out"; echo "radon: too complex"; exit 1; fi

typecheck: install
	$(BIN)/mypy

pytest: install
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck pytest

eval: install
	$(BIN)/thidua eval ../shared/eval/dev.jsonl

bench: install
	$(BIN)/thidua bench

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
