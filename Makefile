# The README's commands. Everything a fresh machine needs is installed from here.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MEMBERS := libs/common libs/platform libs/register-synthetic $(wildcard services/*)
INFRA_ENV := .cache/test-infra.env
PYTEST_ARGS ?=

.PHONY: help install run test lint typecheck format infra infra-down bench lock clean compose-test screenshots

help:
	@echo "make run        every service on http://127.0.0.1:8000 (embedded PostgreSQL, in-process events)"
	@echo "make test       install, start PostgreSQL + Kafka, run ruff, mypy and the whole test suite"
	@echo "make compose-test  boot docker-compose.yml with podman and drive it (deploy/README.md)"
	@echo "make screenshots   refresh docs/dashboards/*.png from the browser tests"
	@echo "make lint | typecheck | format | bench | infra | infra-down | lock"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	$(PYTHON) -m venv $(VENV)

# Pinned, address-free requirements exported from uv (see `make lock`), then the workspace.
$(VENV)/.installed: $(BIN)/python requirements.lock requirements-dev.lock $(addsuffix /pyproject.toml,$(MEMBERS))
	$(BIN)/python -m pip --version >/dev/null 2>&1 || $(BIN)/python -m ensurepip --upgrade >/dev/null
	$(BIN)/python -m pip install --quiet --upgrade pip uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements.lock -r requirements-dev.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps $(addprefix -e ,$(MEMBERS))
	touch $@

# Bytecode compiled once, whatever PYTHONDONTWRITEBYTECODE says: without it every `make run`
# (and every test process) compiles ~600 modules from source again, ~3 s of CPU per start.
$(VENV)/.compiled: $(VENV)/.installed
	$(BIN)/python -m compileall -q -j 0 $(VENV)/lib libs services >/dev/null
	touch $@

install: $(VENV)/.installed $(VENV)/.compiled

run: install
	$(BIN)/housing run

infra: install
	@mkdir -p .cache
	$(BIN)/python -m common.testing.infra up --env-file $(INFRA_ENV)

infra-down: install
	$(BIN)/python -m common.testing.infra down

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

typecheck: install
	$(BIN)/mypy bench libs/common/common libs/platform/housing libs/register-synthetic/register_synthetic $(foreach s,$(wildcard services/*),$(s)/$(notdir $(subst -,_,$(s))))

test: infra lint typecheck
	source $(INFRA_ENV) && $(BIN)/pytest $(PYTEST_ARGS)

# docker-compose.yml booted for real with podman and locally built images (tests/compose); root
# on a Debian machine. Not part of `make test`: a cold run builds every image (see README).
compose-test: install
	$(BIN)/pytest -p no:cacheprovider -m compose tests/compose $(PYTEST_ARGS)

# The dashboards' screenshots in docs/; a plain test run writes them to a temporary folder.
screenshots: infra
	source $(INFRA_ENV) && DASHBOARD_SCREENSHOTS=docs/dashboards $(BIN)/pytest -p no:cacheprovider tests/e2e/test_dashboards_browser.py

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: infra
	source $(INFRA_ENV) && $(BIN)/python -m bench

# Re-resolve and re-export the pins (uv.lock itself names registry hosts and is not committed).
lock:
	uv lock
	uv export --no-hashes --format requirements-txt --all-packages --no-dev --no-emit-workspace --no-header -q > requirements.lock
	uv export --no-hashes --format requirements-txt --all-packages --only-dev --no-emit-workspace --no-header -q > requirements-dev.lock

clean:
	rm -rf $(VENV) .cache .pytest_cache .mypy_cache .ruff_cache
