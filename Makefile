# The README's two commands: `make run` and `make test`. Everything they need, they install.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.stamp-install
PYTEST_ARGS ?=
PORT ?=
UV ?= uv
LOCK_FLAGS := --generate-hashes --python-version 3.11 --python-platform x86_64-manylinux_2_28 --index-strategy unsafe-best-match --no-header --quiet

.PHONY: run test install lint typecheck pytest eval bench clean lock

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The dependencies come from the hashed lock file (as in the image); the project itself is installed on top.
$(STAMP): pyproject.toml requirements-dev.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	scripts/install-system-deps.sh
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/thidua migrate
	$(BIN)/thidua ingest --if-stale
	$(BIN)/thidua serve $(if $(PORT),--port $(PORT))

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
	$(BIN)/thidua eval

bench: install
	$(BIN)/thidua bench

# Re-resolve the lock files from pyproject.toml (needs uv: `pip install uv`).
lock:
	$(UV) pip compile pyproject.toml $(LOCK_FLAGS) -o requirements.lock
	$(UV) pip compile pyproject.toml --extra dev $(LOCK_FLAGS) -o requirements-dev.lock

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
