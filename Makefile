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

.PHONY: venv test lint pytest demo demo-stop clean

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

# The example DAGs in a real local Airflow (api-server, scheduler, dag-processor, triggerer) against
# the emulator; state under .demo/. KEEP=1 leaves the UI up until `make demo-stop`.
demo: $(STAMP)
	$(BIN)/python -m tools.demo $(if $(filter-out 0,$(KEEP)),--keep)

demo-stop:
	@if [ -x $(BIN)/python ]; then $(BIN)/python -m tools.demo stop; else echo "no demo environment"; fi

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build dist .demo
