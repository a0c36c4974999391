# Two commands: `make run` and `make test`. Everything else is a helper for them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# DATABASE_URL: unset means the checkout's var/sodiary.db (src/sodiary/config.py); set it to use another.
export HOST PORT

.PHONY: run test lint bench soak install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# The demo users are loaded only into a database without users, whatever DATABASE_URL names.
run: $(STAMP)
	$(BIN)/sodiary serve --demo

tests/client/node_modules/.package-lock.json: tests/client/package-lock.json
	cd tests/client && npm ci --no-audit --no-fund --loglevel=error

tests/web/node_modules/.package-lock.json: tests/web/package-lock.json
	cd tests/web && npm ci --no-audit --no-fund --loglevel=error

test: $(STAMP) $(if $(wildcard tests/client/package-lock.json),tests/client/node_modules/.package-lock.json) \
      $(if $(wildcard tests/web/package-lock.json),tests/web/node_modules/.package-lock.json)
	$(BIN)/ruff check src tests $(wildcard bench)
	$(BIN)/mypy
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests $(wildcard bench)
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/pip install --quiet -r bench/requirements.txt
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# Mixed load with 10 % hostile requests and slow clients, both engines, about 3.5 minutes (bench/soak.py).
soak: $(STAMP)
	cd bench && ../$(BIN)/python soak.py $(SOAK_ARGS)

clean:
	rm -rf $(VENV) var tests/client/node_modules tests/web/node_modules
