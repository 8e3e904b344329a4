# The project's two commands are `make test` and `make demo`. Both build their own virtual
# environments from nothing but python3 (uv is bootstrapped inside each: it installs Airflow in
# seconds where pip takes a minute).
PYTHON ?= python3
# This machine sets PYTHONDONTWRITEBYTECODE=1; without compiled bytecode Airflow imports 3x slower.
UV_FLAGS := --compile-bytecode --quiet

# Airflow minors, the latest patch of each. MINORS is the supported range: pyproject declares exactly
# it (apache-airflow>=2.11.0,<4) and `make test-matrix` proves every line of it. UNPROVEN is where a
# new minor goes while its suite is being brought up: it gets its venv and `make pytest-<minor>` rule
# (installed with uv's --override, since pyproject does not declare it yet) and is not in the matrix.
AIRFLOW_2.11 := 2.11.2
AIRFLOW_3.0  := 3.0.6
AIRFLOW_3.1  := 3.1.8
AIRFLOW_3.2  := 3.2.2
AIRFLOW_3.3  := 3.3.2
MINORS  := 2.11 3.0 3.1 3.2 3.3
UNPROVEN :=
LOWEST  := 2.11
HIGHEST := 3.3
# Pins a minor needs that Airflow's constraints files would have given it; they live here, never in
# our dependencies (uv resolves freely otherwise). 3.0 reads the connection form from the hook only
# when wtforms is importable; 3.1 without it drops a provider's form fields when that hook was loaded
# before the form (the Test button does). Real deployments get wtforms with the FAB provider: install
# it there so the tests see the form those users see. 3.0.6's constraints also pin what its code needs:
# fastapi 0.116.1 (its task SDK sends task-API requests without a Content-Type, which FastAPI >= 0.132
# refuses: HTTP 422, every task fails) with cadwyn 5.4.4 (newer ones need a newer FastAPI), and
# PyJWT 2.10.1 (newer ones refuse its tokens' empty issuer: every API login fails with HTTP 500).
PINS_2.11 :=
PINS_3.0  := wtforms fastapi==0.116.1 cadwyn==5.4.4 pyjwt==2.10.1
PINS_3.1  := wtforms
# 3.2: the web stack as Airflow 3.2.2's constraints file pins it: what was current at its release (uv
# --exclude-newer 2026-05-29 resolves these; the same since its first candidate, 2026-05-21). Two are
# needed: a newer fastapi fails every task ("Model 'TITerminalStatePayload' needs a discriminator
# field"); svcs 26 answers every task-API call with 500 ("'State' object has no attribute
# 'svcs_registry'"). The others keep the set the one Airflow tested.
PINS_3.2  := pydantic==2.13.4 pydantic-core==2.46.4 cadwyn==6.2.2 fastapi==0.136.3 starlette==1.2.0 \
	sqlalchemy==2.0.50 svcs==25.1.0
PINS_3.3  :=

# The highest Airflow lives in .venv (the one editors, `make lint` and `make demo` use); every
# other minor in .venv-af<minor>.
venv_dir = $(if $(filter $(HIGHEST),$(1)),.venv,.venv-af$(1))
VENV  := $(call venv_dir,$(HIGHEST))
BIN   := $(VENV)/bin
STAMP := $(VENV)/.installed
UV_INSTALL := $(BIN)/uv pip install --python $(BIN)/python $(UV_FLAGS)

export AIRFLOW__CORE__LOAD_EXAMPLES := False

.PHONY: venv venvs test test-matrix test-clients test-deploy test-deploy-args reliability-report lint pytest demo demo-stop clean bench $(addprefix pytest-,$(MINORS) $(UNPROVEN))

# One venv per minor: `make .venv-af3.1/.installed` (re)builds that one when pyproject changes.
# pyproject excludes the UNPROVEN minors, so their venvs override that one requirement (uv's
# --override) to install the provider beside an Airflow it does not declare yet.
define venv_rule
$(call venv_dir,$(1))/.installed: pyproject.toml
	test -x $(call venv_dir,$(1))/bin/python || $(PYTHON) -m venv $(call venv_dir,$(1))
	$(call venv_dir,$(1))/bin/python -m pip install --quiet --disable-pip-version-check uv
	echo 'apache-airflow==$(AIRFLOW_$(1))' > $(call venv_dir,$(1))/overrides.txt
	$(call venv_dir,$(1))/bin/uv pip install --python $(call venv_dir,$(1))/bin/python $(UV_FLAGS) \
		$(if $(filter $(1),$(UNPROVEN)),--override $(call venv_dir,$(1))/overrides.txt) \
		-e '.[dev]' 'apache-airflow==$(AIRFLOW_$(1))' $(PINS_$(1))
	touch $$@

pytest-$(1): $(call venv_dir,$(1))/.installed
	@echo "== pytest on Airflow $(AIRFLOW_$(1)) ($(call venv_dir,$(1)))"
	$(call venv_dir,$(1))/bin/python -m pytest -q $(PYTEST_ARGS)
endef
$(foreach minor,$(MINORS) $(UNPROVEN),$(eval $(call venv_rule,$(minor))))

venv: $(VENV)/.installed
venvs: $(foreach minor,$(MINORS),$(call venv_dir,$(minor))/.installed)

# Lint once (types are checked against the highest Airflow), then the whole suite on the lowest and
# the highest supported Airflow.
test: lint pytest-$(HIGHEST) pytest-$(LOWEST)

# The whole suite on every supported minor (CI runs it): lint once, then the suites three at a time
# (MATRIX_JOBS), each one's output printed whole when it ends. The suites wait on servers and
# subprocesses as much as on the CPU: on 2 cores three at a time take about half as long as one
# after another. Every test picks its own ports and AIRFLOW_HOME, so the runs cannot collide.
MATRIX_JOBS ?= 3
test-matrix: lint
	$(MAKE) -j$(MATRIX_JOBS) --output-sync=target $(addprefix pytest-,$(MINORS))

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

pytest: pytest-$(HIGHEST)

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
# AIRFLOW=2.11: the same on the lowest supported Airflow (any minor of MINORS; its venv, the `deploy` extra
# added): webserver, scheduler and triggerer with the SequentialExecutor (Airflow 2 runs no other on
# SQLite); the browser checks the Flask form the webserver renders from the hook. Output in build/deploy-2.11/.
# EXECUTOR=celery: the same tests on the CeleryExecutor (docs/deployment.md; Airflow 3 only): Debian's
# redis-server (apt, when missing) as the broker and `airflow celery worker` as a fifth process. The Celery
# provider goes into this venv only, never into the package's dependencies; celery 5.7 breaks provider 3.26,
# hence the cap.
EXECUTOR ?= local
AIRFLOW ?= $(HIGHEST)
DEPLOY_VENV := $(call venv_dir,$(AIRFLOW))
DEPLOY_BIN := $(DEPLOY_VENV)/bin
DEPLOY_OUTPUT ?= build/deploy$(if $(filter-out $(HIGHEST),$(AIRFLOW)),-$(AIRFLOW))
CELERY_PACKAGES := 'apache-airflow-providers-celery==3.26.0' 'celery>=5.5,<5.7'
# Checked before the venv is built (prerequisites run in order).
test-deploy-args:
	@case '$(EXECUTOR)' in local|celery) ;; *) echo "EXECUTOR must be local or celery, not '$(EXECUTOR)'" >&2; exit 2;; esac
	@case ' $(MINORS) ' in *' $(AIRFLOW) '*) ;; *) echo "AIRFLOW must be one of $(MINORS), not '$(AIRFLOW)'" >&2; exit 2;; esac
	@case '$(EXECUTOR):$(AIRFLOW)' in celery:2.*) echo "EXECUTOR=celery needs Airflow 3: Airflow 2 refuses the CeleryExecutor on SQLite" >&2; exit 2;; esac

test-deploy: test-deploy-args $(DEPLOY_VENV)/.installed
	@command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)
	$(DEPLOY_BIN)/uv pip install --python $(DEPLOY_BIN)/python $(UV_FLAGS) -e '.[dev,deploy]' 'apache-airflow==$(AIRFLOW_$(AIRFLOW))'
ifeq ($(EXECUTOR),celery)
	@command -v redis-server >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null)
	$(DEPLOY_BIN)/uv pip install --python $(DEPLOY_BIN)/python $(UV_FLAGS) $(CELERY_PACKAGES)
endif
	ACP_DEPLOY_TESTS=1 ACP_DEPLOY_EXECUTOR=$(EXECUTOR) DEPLOY_OUTPUT=$(DEPLOY_OUTPUT) \
		$(DEPLOY_BIN)/python -m pytest tests/deploy -p no:cacheprovider $(PYTEST_ARGS)

# The example DAGs in a real local Airflow (api-server, scheduler, dag-processor, triggerer) against
# the emulator; state under .demo/. KEEP=1 leaves the UI up until `make demo-stop`.
demo: $(STAMP)
	$(BIN)/python -m tools.demo $(if $(filter-out 0,$(KEEP)),--keep)

demo-stop:
	@if [ -x $(BIN)/python ]; then $(BIN)/python -m tools.demo stop; else echo "no demo environment"; fi

# Every benchmark at full size (~30 min on 2 cores): benchmarks/results.json, docs/benchmarks.md and its
# charts (docs/benchmarks/). IBM's SDK runs from the test-clients venv. One benchmark:
# make bench BENCH_ARGS="--only sync_peers" (the others' last results are kept). After merging results.json
# by hand (keep each benchmark's newest object): make bench BENCH_ARGS=--render-only rewrites the doc only.
BENCH_STAMP := $(VENV)/.bench-installed
$(BENCH_STAMP): $(STAMP)
	$(UV_INSTALL) -e '.[dev,bench]' 'apache-airflow==$(AIRFLOW_$(HIGHEST))'
	touch $@

bench: $(BENCH_STAMP) $(CLIENTS_DIR)/wdi/.installed
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

clean:
	rm -rf .venv .venv-af* $(CLIENTS_DIR) .pytest_cache .mypy_cache .ruff_cache build dist .demo
