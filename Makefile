# The project's two commands are `make test` and `make demo`. Both build their own virtual
# environments from nothing but python3, each exactly as its lock under locks/ says (every package
# pinned, like Airflow's constraints files): the same install on any day. `make lock` regenerates the
# locks (tools/locks.py holds the table: which Airflow, which extras, resolved as of which date).
PYTHON ?= python3
# uv installs Airflow in seconds where pip takes a minute; it is itself pinned, in a venv of its own.
UV_VERSION := 0.13.9
UV_HOME := .venv-uv
UV := $(UV_HOME)/bin/uv
UV_STAMP := $(UV_HOME)/.installed-$(UV_VERSION)
# This machine sets PYTHONDONTWRITEBYTECODE=1; without compiled bytecode Airflow imports 3x slower.
UV_FLAGS := --compile-bytecode --quiet
# The system python3 is the one interpreter: uv never downloads another.
export UV_PYTHON_DOWNLOADS := never
LOCKS := $(PYTHON) tools/locks.py

# Airflow minors. MINORS is the supported range: pyproject declares exactly it
# (apache-airflow>=2.11.0,<4), `make test-matrix` proves every line of it, and each has its lock
# (locks/af<minor>.txt, its latest patch: the versions are in tools/locks.py).
MINORS  := 2.11 3.0 3.1 3.2 3.3
LOWEST  := 2.11
HIGHEST := 3.3

# The highest Airflow lives in .venv (the one editors, `make lint` and `make demo` use); every
# other minor in .venv-af<minor>.
venv_dir = $(if $(filter $(HIGHEST),$(1)),.venv,.venv-af$(1))
VENV  := $(call venv_dir,$(HIGHEST))
BIN   := $(VENV)/bin
STAMP := $(VENV)/.installed

export AIRFLOW__CORE__LOAD_EXAMPLES := False

.PHONY: venv venvs test test-matrix test-latest test-clients test-deploy test-deploy-args reliability-report \
	lint pytest demo demo-stop clean bench lock lock-check $(addprefix pytest-,$(MINORS))

$(UV_STAMP):
	rm -rf $(UV_HOME)
	$(PYTHON) -m venv $(UV_HOME)
	$(UV_HOME)/bin/python -m pip install --quiet --disable-pip-version-check 'uv==$(UV_VERSION)'
	touch $@

# A lock that no longer matches pyproject.toml (or tools/locks.py) stops every build here, with what
# changed and the fix, before any resolver runs.
lock-check:
	@$(LOCKS) check

lock: $(UV_STAMP)
	$(LOCKS) lock --uv $(UV) $(LOCK_ARGS)

# $(call install_locked,<venv>,<lock name>,<editable?>): the venv holds exactly locks/<lock name>.txt
# (uv pip sync removes anything else), then the project itself, editable, without dependencies (its
# build backend pinned by locks/build.txt); then proves the result equals the lock.
define install_locked
	test -x $(1)/bin/python || $(UV) venv --quiet --python $(PYTHON) $(1)
	$(UV) pip sync --python $(1)/bin/python $(UV_FLAGS) locks/$(2).txt
	$(if $(3),$(UV) pip install --python $(1)/bin/python $(UV_FLAGS) --no-deps --build-constraints locks/build.txt -e .)
	$(LOCKS) verify --uv $(UV) --python $(1)/bin/python $(2)
endef

# One venv per minor: `make .venv-af3.1/.installed` (re)builds that one when its lock changes.
define venv_rule
$(call venv_dir,$(1))/.installed: locks/af$(1).txt locks/build.txt pyproject.toml | lock-check $(UV_STAMP)
	$(call install_locked,$(call venv_dir,$(1)),af$(1),editable)
	touch $$@

pytest-$(1): lock-check $(call venv_dir,$(1))/.installed
	@$(LOCKS) verify --uv $(UV) --python $(call venv_dir,$(1))/bin/python af$(1)
	@echo "== pytest on $$$$(grep -m1 '^apache-airflow==' locks/af$(1).txt) ($(call venv_dir,$(1)))"
	$(call venv_dir,$(1))/bin/python -m pytest -q $(PYTEST_ARGS)
endef
$(foreach minor,$(MINORS),$(eval $(call venv_rule,$(minor))))

venv: $(VENV)/.installed
venvs: $(foreach minor,$(MINORS),$(call venv_dir,$(minor))/.installed)

# Lint once (types are checked against the highest Airflow), then the whole suite on the lowest and
# the highest supported Airflow, side by side: the suites wait on servers and subprocesses as much as
# on the CPU (one after the other: ~13 min here; together about the longer one's time). Each one's
# output is printed whole when it ends.
test: lint
	@echo "== the suite on Airflow $(HIGHEST) and $(LOWEST) side by side; each one's output when it ends"
	$(MAKE) -j2 --output-sync=target pytest-$(HIGHEST) pytest-$(LOWEST)

# The whole suite on every supported minor (CI runs it): lint once, then the suites three at a time
# (MATRIX_JOBS), each one's output printed whole when it ends. The suites wait on servers and
# subprocesses as much as on the CPU: on 2 cores three at a time take about half as long as one
# after another. Every test picks its own ports and AIRFLOW_HOME, so the runs cannot collide.
MATRIX_JOBS ?= 3
test-matrix: lint
	$(MAKE) -j$(MATRIX_JOBS) --output-sync=target $(addprefix pytest-,$(MINORS))

# The canary: the suite on the newest Airflow with every dependency resolved today, no lock (PRE=1
# admits a pre-release of Airflow). Run it on purpose to see an upstream release break us before
# the locks move (docs/development.md); it is not part of CI's gate.
LATEST_VENV := .venv-latest
test-latest: $(UV_STAMP)
	rm -rf $(LATEST_VENV)
	$(UV) venv --quiet --python $(PYTHON) $(LATEST_VENV)
	@# With PRE=1 the newest Airflow, pre-releases included, is looked up first and pinned: a bare
	@# pre-release specifier leaves uv on the last stable release, whose core and SDK it can resolve.
	airflow=apache-airflow; \
	if [ -n "$(filter-out 0,$(PRE))" ]; then \
		airflow=$$(echo apache-airflow | $(UV) pip compile --quiet --refresh --prerelease allow \
			--no-deps --no-header --no-annotate -); \
	fi; \
	echo "Installing $$airflow with every dependency resolved today"; \
	$(UV) pip install --python $(LATEST_VENV)/bin/python $(UV_FLAGS) --refresh \
		--prerelease if-necessary-or-explicit -e '.[emulator,dev,deploy]' "$$airflow"
	@$(LOCKS) drift --uv $(UV) --python $(LATEST_VENV)/bin/python af$(HIGHEST)
	$(LATEST_VENV)/bin/python -m pytest -q $(PYTEST_ARGS)

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

# IBM's own SDKs against the emulator (tests/clients/README.md). Each SDK gets its own venv, exactly
# locks/clients-<name>.txt, so its dependencies stay out of ours; rebuilt when that lock changes.
CLIENTS_DIR := .venv-clients
CLIENT_VENVS := $(CLIENTS_DIR)/wdi/.installed $(CLIENTS_DIR)/wxai/.installed

$(CLIENTS_DIR)/%/.installed: locks/clients-%.txt | lock-check $(UV_STAMP)
	rm -rf $(CLIENTS_DIR)/$*
	$(call install_locked,$(CLIENTS_DIR)/$*,clients-$*,)
	touch $@

test-clients: $(STAMP) $(CLIENT_VENVS)
	$(BIN)/python tests/clients/run.py

# The provider in a real deployment (tests/deploy): api-server, scheduler, dag-processor and triggerer as
# separate processes on SQLite/LocalExecutor, plus the emulator; then Debian's Chromium, headless, for the
# connection form and the extra link (installed with apt when missing: no browser download works here).
# Screenshots and the metadata dump land in build/deploy/. Every test venv holds the `deploy` extra
# (Playwright), locked with the rest.
# AIRFLOW=2.11: the same on another supported minor (its venv): on 2.11 webserver, scheduler and triggerer
# with the SequentialExecutor (Airflow 2 runs no other on SQLite); the browser checks the Flask form the
# webserver renders from the hook. Output in build/deploy-2.11/.
# EXECUTOR=celery: the same tests on the CeleryExecutor (docs/deployment.md; Airflow 3 only): Debian's
# redis-server (apt, when missing) as the broker and `airflow celery worker` as a fifth process. The Celery
# provider and Celery live in a venv of their own (locks/af3.3-celery.txt), never in the package's
# dependencies nor in the venvs the other tests use.
EXECUTOR ?= local
AIRFLOW ?= $(HIGHEST)
CELERY_VENV := .venv-af$(HIGHEST)-celery
DEPLOY_VENV := $(if $(filter celery,$(EXECUTOR)),$(CELERY_VENV),$(call venv_dir,$(AIRFLOW)))
DEPLOY_BIN := $(DEPLOY_VENV)/bin
DEPLOY_OUTPUT ?= build/deploy$(if $(filter-out $(HIGHEST),$(AIRFLOW)),-$(AIRFLOW))
# Checked before the venv is built (prerequisites run in order).
test-deploy-args:
	@case '$(EXECUTOR)' in local|celery) ;; *) echo "EXECUTOR must be local or celery, not '$(EXECUTOR)'" >&2; exit 2;; esac
	@case ' $(MINORS) ' in *' $(AIRFLOW) '*) ;; *) echo "AIRFLOW must be one of $(MINORS), not '$(AIRFLOW)'" >&2; exit 2;; esac
	@case '$(EXECUTOR):$(AIRFLOW)' in celery:$(HIGHEST)|local:*) ;; *) echo "EXECUTOR=celery runs on Airflow $(HIGHEST) only (Airflow 2 refuses the CeleryExecutor on SQLite)" >&2; exit 2;; esac

$(CELERY_VENV)/.installed: locks/af$(HIGHEST)-celery.txt locks/build.txt pyproject.toml | lock-check $(UV_STAMP)
	$(call install_locked,$(CELERY_VENV),af$(HIGHEST)-celery,editable)
	touch $@

test-deploy: test-deploy-args $(DEPLOY_VENV)/.installed
	@command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)
ifeq ($(EXECUTOR),celery)
	@command -v redis-server >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null)
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
# charts (docs/benchmarks/). Its own venv (the test venv of the highest Airflow plus matplotlib,
# locks/af3.3-bench.txt); IBM's SDK runs from the test-clients venv. One benchmark:
# make bench BENCH_ARGS="--only sync_peers" (the others' last results are kept). After merging results.json
# by hand (keep each benchmark's newest object): make bench BENCH_ARGS=--render-only rewrites the doc only.
BENCH_VENV := .venv-af$(HIGHEST)-bench
$(BENCH_VENV)/.installed: locks/af$(HIGHEST)-bench.txt locks/build.txt pyproject.toml | lock-check $(UV_STAMP)
	$(call install_locked,$(BENCH_VENV),af$(HIGHEST)-bench,editable)
	touch $@

bench: $(BENCH_VENV)/.installed $(CLIENTS_DIR)/wdi/.installed
	$(BENCH_VENV)/bin/python -m benchmarks $(BENCH_ARGS)

clean:
	rm -rf .venv .venv-* .pytest_cache .mypy_cache .ruff_cache build dist .demo
