# dmzwatch: every target sets itself up first; nothing needs installing by hand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_OUT ?= build/demo

.PHONY: setup demo test check lint typecheck pytest clean

setup: $(STAMP)

$(STAMP): pyproject.toml scripts/setup.sh
	bash scripts/setup.sh "$(PYTHON)" "$(VENV)"
	touch $(STAMP)

demo: setup
	$(BIN)/dmzwatch demo --scenario idlib-2018 --out $(DEMO_OUT)

test: setup
	$(MAKE) check

check: lint typecheck pytest

lint:
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests

typecheck:
	$(BIN)/mypy

pytest:
	$(BIN)/pytest

clean:
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache .hypothesis
