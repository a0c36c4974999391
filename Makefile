# Two commands: `make run` and `make test`. Everything else is a helper for them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RUNTIME := $(VENV)/.runtime
HOST ?= 127.0.0.1
PORT ?= 8000
# DATABASE_URL: unset means the checkout's var/sodiary.db (src/sodiary/config.py); set it to use another.
export HOST PORT

.PHONY: run test lint bench soak fuzz install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# `make run` needs the server only: the runtime dependencies, not the test and lint toolchain.
$(RUNTIME): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $(RUNTIME)

# The demo users are loaded only into a database without users, whatever DATABASE_URL names.
run: $(RUNTIME)
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

# The long schemathesis run (docs/fuzzing.md): every phase, about FUZZ_REQUESTS requests per engine.
FUZZ_REQUESTS ?= 70000
FUZZ_ENGINES ?= sqlite
fuzz: $(STAMP)
	SODIARY_FUZZ_REQUESTS=$(FUZZ_REQUESTS) SODIARY_FUZZ_PHASES=examples,coverage,fuzzing,stateful \
		$(BIN)/pytest tests/e2e/test_schemathesis.py -k '$(FUZZ_ENGINES)' -s -q -p no:cacheprovider

clean:
	rm -rf $(VENV) var tests/client/node_modules tests/web/node_modules
