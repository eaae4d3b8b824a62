# QuantaDB developer commands. `make install` is idempotent and fast once done.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5432
HTTP_PORT ?= 8432
DATA_DIR ?= ./data
PYTEST_ARGS ?=

.PHONY: install test-deps run test clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# Client programs the suite drives (pgbouncer, node-postgres, JDBC, pgAdmin, Chromium, ...).
test-deps: install
	bash scripts/setup/run_all.sh

run: install
	$(PY) -m quantadb serve --data-dir $(DATA_DIR) --host $(HOST) --port $(PORT) --http-port $(HTTP_PORT)

# Exit code 5 (no tests collected) is a failure like any other.
test: install test-deps
	$(PY) -m pytest -n 2 -q $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
