# guanxi — `make run` starts it, `make test` tests it.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
export GUANXI_HOME ?= $(CURDIR)/var

.PHONY: run test lint format install demo benchmark vendor messages clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "guanxi needs Python 3.11 or newer")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

## run: install, migrate, load the demo data on first start and serve http://127.0.0.1:8000
run: $(STAMP)
	$(BIN)/guanxi migrate --noinput -v0
	$(BIN)/guanxi demo --size small --if-empty
	$(BIN)/guanxi serve --host 127.0.0.1 --port 8000

## test: the whole suite on SQLite, then on PostgreSQL when one is reachable
test: $(STAMP)
	$(BIN)/python scripts/run_tests.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

demo: $(STAMP)
	$(BIN)/guanxi demo --size $(or $(SIZE),small)

benchmark: $(STAMP)
	$(BIN)/python benchmarks/core.py --db both --size $(or $(SIZE),large)

## vendor: refresh the front-end libraries in web/static/vendor (needs npm; not needed to install)
vendor:
	sh scripts/vendor.sh

## messages: extract strings and compile the zh-Hans catalogue
messages: $(STAMP)
	cd src/guanxi && ../../$(BIN)/guanxi makemessages -l zh_Hans --no-obsolete --no-location
	$(BIN)/python scripts/compile_messages.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
