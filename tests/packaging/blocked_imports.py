"""Run a Python process in which some imports fail, as when a package is not installed.

`blocking_env` writes a `sitecustomize.py` that puts a meta-path finder first: it raises ImportError
for the blocked top-level names (and their submodules), and an ``__import__`` wrapper refuses them
when they were loaded already. Python runs `sitecustomize` at start-up, so the block holds in a console
script or a pytest run as much as in `python -c`. Blocking is the only honest way to check these on
Airflow 3, which installs FastAPI and uvicorn itself and, on 3.0, imports FastAPI as it starts
(through its task runner and cadwyn): there the block can be confined to named importers (the
provider, the test's own script), so that Airflow and its dependencies import what they need.
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
import builtins
import sys

BLOCKED = {blocked!r}
# Whose imports are refused; empty: everyone's. The provider's own modules are refused to everyone
# (pkgutil.walk_packages, for one, imports every package it walks).
REFUSED_IMPORTERS = {importers!r}
OWN = "airflow_connections_provider"


def _within(name, packages):
    return any(name == p or name.startswith(p + ".") for p in packages)


def _admitted(name, importer):
    if not REFUSED_IMPORTERS or _within(name, (OWN,)):
        return _within(importer, BLOCKED)  # a blocked package's own imports of its parts (never run)
    return not _within(importer, REFUSED_IMPORTERS) or _within(importer, BLOCKED)


def _importer():
    """The module whose code runs the import (the first frame outside the import machinery)."""
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_globals.get("__name__", "")
        if not (name.startswith(("importlib", "_frozen_importlib")) or name == __name__):
            return name
        frame = frame.f_back
    return ""


class _Blocked:
    """Refuses the blocked modules as if they were not installed."""

    def find_spec(self, name, path=None, target=None):
        if _within(name, BLOCKED) and not _admitted(name, _importer()):
            raise ModuleNotFoundError(f"{{name}} is blocked for this test", name=name)
        return None


_real_import = builtins.__import__


def _import(name, globals=None, locals=None, fromlist=(), level=0):
    # A module Airflow imported already is found in sys.modules without asking the finder above.
    if level == 0 and _within(name, BLOCKED) and not _admitted(name, (globals or {{}}).get("__name__", "")):
        raise ModuleNotFoundError(f"{{name}} is blocked for this test", name=name)
    return _real_import(name, globals, locals, fromlist, level)


sys.meta_path.insert(0, _Blocked())
builtins.__import__ = _import
'''


def blocking_env(directory: Path, blocked: Iterable[str], importers: Iterable[str] = ()) -> dict[str, str]:
    """The environment of a process in which `blocked` cannot be imported: by the modules (and their
    submodules) named in `importers`, or by anyone when none are named."""
    directory.mkdir(parents=True, exist_ok=True)
    script = _SITECUSTOMIZE.format(blocked=tuple(blocked), importers=tuple(importers))
    (directory / "sitecustomize.py").write_text(script)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(directory), env.get("PYTHONPATH", "")) if p)
    return env


def dag_folder() -> Path:
    """The DAGs a user's deployment would parse: the example DAGs on Airflow 3 (they are written for its
    `airflow.sdk`); on 2.x, tests/dags, which use the provider's operators and sensor the same way
    through common-compat."""
    from airflow_connections_provider.compat import AIRFLOW_V_3_0_PLUS

    return ROOT / ("dags_examples" if AIRFLOW_V_3_0_PLUS else "tests/dags")
