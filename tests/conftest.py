"""Test-wide setup. Airflow reads its configuration at import time, so this runs before any test
module imports it: a throw-away AIRFLOW_HOME, no example DAGs, no metadata database needed."""

from __future__ import annotations

import os
import tempfile
import uuid
from importlib import metadata

import pytest

_HOME = tempfile.mkdtemp(prefix="acp-airflow-home-")
os.environ["AIRFLOW_HOME"] = _HOME
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "True"
os.environ.setdefault("AIRFLOW__CORE__TEST_CONNECTION", "Enabled")
# dag.test() only runs DAGs that live in the configured DAGs folder.
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = os.path.join(os.path.dirname(__file__), "dags")
if metadata.version("apache-airflow").startswith("2."):
    # Airflow 2.x's unit-test mode picks the LocalExecutor, which refuses SQLite.
    os.environ["AIRFLOW__CORE__EXECUTOR"] = "SequentialExecutor"

# The emulator's fixtures (ibm_emulator, ibm_emulator_session) are opt-in: installing the package
# does not load them into every pytest session. Our suite opts in here, as users do.
# tests.support.termination: SIGTERM to pytest (a CI timeout) stops every process the tests started.
pytest_plugins = ["airflow_connections_provider.emulator.pytest_plugin", "tests.support.termination"]

# The deployment tests start a whole Airflow (four processes) and a browser: `make test-deploy` runs them.
collect_ignore = [] if os.environ.get("ACP_DEPLOY_TESTS") else ["deploy"]


@pytest.fixture(autouse=True)
def fresh_task_identity() -> None:
    """Each test's task instances are new ones: a create marker one test leaves (in this process, or in an
    Airflow Variable once a test made a metadata database) is never found by another test."""
    from airflow_connections_provider.tasks.lookups import LOCAL_MARKERS
    from tests.support import task_fixtures

    task_fixtures.RUN_ID[0] = f"run-{uuid.uuid4().hex[:8]}"
    LOCAL_MARKERS.clear()


@pytest.fixture(autouse=True)
def bounded_secrets_masker():
    """Each test leaves Airflow's process-wide secrets masker as it found it.

    Every test masks secrets of its own; kept all together, a whole suite's secrets make one regex past
    what Airflow 2.11's re2 can run ("DFA out of memory" at ~115,000 characters of pattern), after which
    its masking is no longer what a single task would see. A task masks its own secrets, not a
    suite's: so does each test here.
    """
    from airflow.providers.common.compat.sdk import mask_secret

    from airflow_connections_provider.compat import live_masker

    masker = live_masker(mask_secret)
    if masker is None:
        yield
        return
    patterns, replacer = set(masker.patterns), masker.replacer
    yield
    if masker.patterns != patterns:
        masker.patterns.clear()
        masker.patterns.update(patterns)
        masker.replacer = replacer
