# The two front-door commands (README): `make demo` and `make test`.
# Both need only Python >= 3.11 and git; everything else is installed into .venv.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DIR ?= demo-service
# Pass extra pytest arguments with `make test PYTEST_ARGS="-m 'not slow'"`.
PYTEST_ARGS ?=

.PHONY: setup demo test test-fast lint bench bench-quick clean

$(BIN)/apiseed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet uv
	# --compile-bytecode, as pip does by default: uv leaves it off, and every command then
	# compiles its imports from source on each run (2-3x slower where bytecode is not written).
	$(BIN)/uv pip install --python $(BIN)/python --quiet --compile-bytecode -e '.[dev]'
	@touch $@

setup: $(BIN)/apiseed ## Create .venv with apiseed and its development tools

demo: setup ## Generate a FastAPI service with default answers into ./demo-service and start it
	@if [ -e "$(DEMO_DIR)" ]; then echo "$(DEMO_DIR) exists; remove it or pass DEMO_DIR=other-dir" >&2; exit 1; fi
	$(BIN)/apiseed new $(DEMO_DIR) --preset fastapi --defaults -d project_name="Demo Service"
	cd $(DEMO_DIR) && ../$(BIN)/uv run python -m demo_service

test: setup ## Run the whole test suite in parallel
	$(BIN)/python -m pytest -n auto --dist loadgroup $(PYTEST_ARGS)

test-fast: setup ## The quick subset: no rendered project's tests, linters or servers
	$(BIN)/python -m pytest -n auto --dist loadgroup -m "not slow" $(PYTEST_ARGS)

bench: setup ## The whole benchmark (35-40 min on 2 cores; needs wrk and PostgreSQL): benchmarks/README.md
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

bench-quick: setup ## The benchmark's quick mode (under 2 min)
	$(BIN)/python -m benchmarks --quick $(BENCH_ARGS)

lint: setup
	$(BIN)/ruff check generator tests benchmarks
	$(BIN)/ruff format --check generator tests benchmarks
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
