"""Run a Python process in which some imports fail, as when a package is not installed.

`blocking_env` writes a `sitecustomize.py` that puts a meta-path finder first: it raises ImportError
for the blocked top-level names (and their submodules). Python runs `sitecustomize` at start-up, so
the block holds in a console script or a pytest run as much as in `python -c`. Blocking is the only
honest way to check these on Airflow 3, which installs FastAPI and uvicorn itself.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EMULATOR = "airflow_connections_provider.emulator"
# The packages of the provider's `emulator` extra (their import names).
EXTRA_MODULES = ("fastapi", "uvicorn", "jsonpatch", "trustme")

_SITECUSTOMIZE = '''
import sys

BLOCKED = {blocked!r}


class _Blocked:
    """Refuses the blocked modules as if they were not installed."""

    def find_spec(self, name, path=None, target=None):
        if any(name == b or name.startswith(b + ".") for b in BLOCKED):
            raise ModuleNotFoundError(f"{{name}} is blocked for this test", name=name)
        return None


sys.meta_path.insert(0, _Blocked())
'''


def blocking_env(directory: Path, blocked: Iterable[str]) -> dict[str, str]:
    """The environment of a process in which `blocked` cannot be imported."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "sitecustomize.py").write_text(_SITECUSTOMIZE.format(blocked=tuple(blocked)))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(directory), env.get("PYTHONPATH", "")) if p)
    return env


def dag_folder() -> Path:
    """The DAGs a user's deployment would parse: the example DAGs on Airflow 3 (they are written for its
    `airflow.sdk`); on 2.x, tests/dags, which use the provider's operators and sensor the same way
    through common-compat."""
    from airflow_connections_provider.compat import AIRFLOW_V_3_0_PLUS

    return ROOT / ("dags_examples" if AIRFLOW_V_3_0_PLUS else "tests/dags")
