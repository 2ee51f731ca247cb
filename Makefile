# dmzwatch: every target sets itself up first; nothing needs installing by hand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
WEB_STAMP := src/dmzwatch/web/vendor/.installed
DEMO_OUT ?= build/demo

.PHONY: setup web load demo test check lint typecheck pytest clean

setup: $(STAMP) $(WEB_STAMP)

# The web map's JavaScript library (Leaflet) from npm, copied where the API serves it from.
web: $(WEB_STAMP)

$(WEB_STAMP): package.json package-lock.json | $(STAMP)
	npm ci --ignore-scripts --no-audit --no-fund
	rm -rf src/dmzwatch/web/vendor
	mkdir -p src/dmzwatch/web/vendor/leaflet
	cp -R node_modules/leaflet/dist src/dmzwatch/web/vendor/leaflet/
	touch $@

$(STAMP): pyproject.toml scripts/setup.sh scripts/setup-system.sh
	bash scripts/setup.sh "$(PYTHON)" "$(VENV)"
	touch $(STAMP)

# Load test of the HTTP API on loopback (60 s; not part of `make test`).
load: setup
	$(BIN)/python scripts/load_test.py --duration 60

demo: setup
	$(BIN)/dmzwatch demo --scenario idlib-2018 --out $(DEMO_OUT)

test: setup
	$(MAKE) check

check: lint typecheck pytest

lint:
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts

typecheck:
	$(BIN)/mypy

pytest:
	$(BIN)/pytest

clean:
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache .hypothesis node_modules src/dmzwatch/web/vendor

.PHONY: bench
BENCH_STAMP := $(VENV)/.bench-installed
BENCH_ARGS ?=

$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	touch $(BENCH_STAMP)

# Speed, memory and exactness of classification against shapely, geopandas and DuckDB.
# `make bench BENCH_ARGS=--quick` for N = 100k and 1M instead of 1M and 10M.
bench: $(BENCH_STAMP)
	$(BIN)/python bench/run.py $(BENCH_ARGS)
	$(BIN)/dmzwatch patrol bench  # patrol SSE solver vs HiGHS MILP, 2,000 sectors x 20 units
