"""The provider never imports the emulator: with the emulator, FastAPI and uvicorn made unimportable,
every provider module imports and the example DAGs parse (on Airflow 2.x, tests/dags).

Airflow 3 installs FastAPI itself, so "not installed" cannot be observed on it; blocking the imports
(tests/packaging/blocked_imports.py) is the proof that holds on every Airflow: on Airflow 3 the
provider's imports are refused (Airflow 3.0 imports FastAPI as it starts), on 2.x everyone's.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.packaging.blocked_imports import EMULATOR, blocking_env, dag_folder

ROOT = Path(__file__).resolve().parents[2]
# The modules a DAG author or Airflow itself reaches; every other provider module is imported too.
NAMED = (
    "hooks",
    "operators",
    "sensors",
    "triggers",
    "sync",
    "client",
    "links",
    "get_provider_info",
    "connection_form",
    "masking",
    "compat",
)

SCRIPT = """
import importlib, json, pkgutil, sys

import airflow_connections_provider as provider
from tests.support.dags import dag_bag

names = sorted(
    m.name for m in pkgutil.walk_packages(provider.__path__, provider.__name__ + ".")
    if not m.name.startswith(provider.__name__ + ".emulator")
)
for name in names:
    importlib.import_module(name)
from airflow_connections_provider.get_provider_info import get_provider_info
get_provider_info()
bag = dag_bag(sys.argv[1])
try:
    import fastapi  # noqa: F401
    blocked = False
except ImportError:
    blocked = True
print(json.dumps({
    "imported": names,
    "import_errors": {str(k): str(v) for k, v in bag.import_errors.items()},
    "dags": sorted(bag.dag_ids),
    "emulator_modules": sorted(m for m in sys.modules if m.startswith(provider.__name__ + ".emulator")),
    "blocked": blocked,
}))
"""


def test_the_provider_imports_and_parses_dags_with_the_emulator_unimportable(tmp_path: Path) -> None:
    from airflow_connections_provider.compat import AIRFLOW_V_3_0_PLUS

    # Airflow 3 imports FastAPI itself (3.0 as it starts): refuse it to the provider and this test's
    # script only. Airflow 2.x needs neither, so there nobody may import them.
    importers = ("airflow_connections_provider", "__main__", "tests") if AIRFLOW_V_3_0_PLUS else ()
    env = blocking_env(tmp_path / "site", (EMULATOR, "fastapi", "uvicorn"), importers)
    env["AIRFLOW_HOME"] = str(tmp_path / "airflow-home")
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(dag_folder())],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["blocked"], "the block did not hold: the test would prove nothing"
    imported = {name.removeprefix("airflow_connections_provider.") for name in report["imported"]}
    assert all(any(m == n or m.startswith(n + ".") for m in imported) for n in NAMED), sorted(imported)
    assert report["import_errors"] == {}
    assert len(report["dags"]) == len(list(dag_folder().glob("*.py")))
    assert report["emulator_modules"] == []
