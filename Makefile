# The project's two commands are `make test` and `make demo`. Both build their own virtual
# environment from nothing but python3 (uv is bootstrapped inside it: it installs Airflow in
# seconds where pip takes a minute).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Tests run on the lowest Airflow the package declares (pyproject: apache-airflow>=3.3.2), so the
# floor we promise is the one CI proves. Override to try another: make test AIRFLOW_VERSION=3.4.0
AIRFLOW_VERSION ?= 3.3.2
# This machine sets PYTHONDONTWRITEBYTECODE=1; without compiled bytecode Airflow imports 3x slower.
UV_INSTALL := $(BIN)/uv pip install --python $(BIN)/python --compile-bytecode --quiet

export AIRFLOW__CORE__LOAD_EXAMPLES := False

.PHONY: venv test lint pytest test-clients test-deploy reliability-report demo demo-stop clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv
	$(UV_INSTALL) -e '.[dev]' 'apache-airflow==$(AIRFLOW_VERSION)'
	touch $@

venv: $(STAMP)

test: lint pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# docs/reliability.md is generated: the reliability tests record what they injected and observed.
reliability-report: $(STAMP)
	mkdir -p build
	RELIABILITY_REPORT=build/reliability.json $(BIN)/python -m pytest tests/reliability -q -p no:cacheprovider
	$(BIN)/python -m tests.reliability.report build/reliability.json docs/reliability.md

# IBM's own SDKs against the emulator (tests/clients/README.md). Each SDK gets its own venv, every
# package pinned in tests/clients/requirements-<name>.txt (compiled from requirements-<name>.in), so
# its dependencies stay out of ours; cached until that file changes.
CLIENTS_DIR := .venv-clients
CLIENT_VENVS := $(CLIENTS_DIR)/wdi/.installed $(CLIENTS_DIR)/wxai/.installed

# Order-only on our venv (it brings uv): a change to our dependencies does not rebuild the SDKs' venvs.
$(CLIENTS_DIR)/%/.installed: tests/clients/requirements-%.txt | $(STAMP)
	rm -rf $(CLIENTS_DIR)/$*
	$(BIN)/uv venv --quiet --python $(PYTHON) $(CLIENTS_DIR)/$*
	$(BIN)/uv pip install --python $(CLIENTS_DIR)/$*/bin/python --compile-bytecode --quiet -r $<
	touch $@

test-clients: $(STAMP) $(CLIENT_VENVS)
	$(BIN)/python tests/clients/run.py

# The provider in a real deployment (tests/deploy): api-server, scheduler, dag-processor and triggerer as
# separate processes on SQLite/LocalExecutor, plus the emulator; then Debian's Chromium, headless, for the
# connection form and the extra link (installed with apt when missing: no browser download works here).
# Screenshots and the metadata dump land in build/deploy/.
# EXECUTOR=celery: the same tests on the CeleryExecutor (docs/deployment.md): Debian's redis-server (apt,
# when missing) as the broker and `airflow celery worker` as a fifth process. The Celery provider goes into
# this venv only, never into the package's dependencies; celery 5.7 breaks provider 3.26, hence the cap.
EXECUTOR ?= local
CELERY_PACKAGES := 'apache-airflow-providers-celery==3.26.0' 'celery>=5.5,<5.7'
test-deploy: $(STAMP)
	@case '$(EXECUTOR)' in local|celery) ;; *) echo "EXECUTOR must be local or celery, not '$(EXECUTOR)'" >&2; exit 2;; esac
	@command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)
	$(UV_INSTALL) -e '.[dev,deploy]'
ifeq ($(EXECUTOR),celery)
	@command -v redis-server >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null)
	$(UV_INSTALL) $(CELERY_PACKAGES)
endif
	ACP_DEPLOY_TESTS=1 ACP_DEPLOY_EXECUTOR=$(EXECUTOR) $(BIN)/python -m pytest tests/deploy -p no:cacheprovider $(PYTEST_ARGS)

# The example DAGs in a real local Airflow (api-server, scheduler, dag-processor, triggerer) against
# the emulator; state under .demo/. KEEP=1 leaves the UI up until `make demo-stop`.
demo: $(STAMP)
	$(BIN)/python -m tools.demo $(if $(filter-out 0,$(KEEP)),--keep)

demo-stop:
	@if [ -x $(BIN)/python ]; then $(BIN)/python -m tools.demo stop; else echo "no demo environment"; fi

clean:
	rm -rf $(VENV) $(CLIENTS_DIR) .pytest_cache .mypy_cache .ruff_cache build dist .demo
