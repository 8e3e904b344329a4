"""IBM's watsonx.data integration SDK in an environment of its own, never in the project's.

``make bench`` runs it from the venv of ``make test-clients`` (``.venv-clients/wdi``, exactly
``locks/clients-wdi.txt``). Its dependencies (kfp, kubernetes, google-cloud-storage, ...) never
enter the project's environment.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from benchmarks.measure import parse_result

HERE = Path(__file__).resolve().parent
LOCK = HERE.parent / "locks" / "clients-wdi.txt"
VENV = HERE.parent / ".venv-clients" / "wdi"


def sdk_version() -> str:
    """The SDK's pin, as its lock names it (``ibm-watsonx-data-integration==...``)."""
    return next(line.removeprefix("#   ") for line in LOCK.read_text().splitlines() if line.startswith("#   "))


def sdk_python() -> Path:
    if not (VENV / ".installed").exists():
        raise RuntimeError(f"{VENV} is not built: run the benchmark through `make bench`, which builds it")
    return VENV / "bin" / "python"


def run_sdk_job(job: dict[str, Any], *, timeout: float = 1800) -> dict[str, Any]:
    proc = subprocess.run(
        [str(sdk_python()), str(HERE / "ibm_sdk_job.py")],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return parse_result(proc, what="IBM SDK job")
