"""IBM's watsonx.data integration SDK in an environment of its own, never in the project's.

``make bench`` reuses the SDK venv of ``make test-clients`` (``.venv-clients/wdi``, pinned in
``tests/clients/requirements-wdi.txt``); run directly, the benchmark makes ``benchmarks/.venv-ibm-sdk``
from the same pin (uv when our venv has it, else pip). Its dependencies (kfp, kubernetes,
google-cloud-storage, ...) never enter the project's environment.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from benchmarks.measure import parse_result

HERE = Path(__file__).resolve().parent
PIN = HERE.parent / "tests" / "clients" / "requirements-wdi.txt"
SHARED = HERE.parent / ".venv-clients" / "wdi"
VENV = HERE / ".venv-ibm-sdk"


def sdk_version() -> str:
    return PIN.read_text().strip().splitlines()[0]


def sdk_python() -> Path:
    """The SDK venv's interpreter, creating and filling a venv when none is there."""
    if (SHARED / ".installed").exists():
        return SHARED / "bin" / "python"
    python = VENV / "bin" / "python"
    stamp = VENV / ".installed"
    if python.exists() and stamp.exists() and stamp.read_text() == PIN.read_text():
        return python
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    uv = shutil.which("uv", path=str(Path(sys.executable).parent))
    if uv:
        command = [uv, "pip", "install", "--quiet", "--python", str(python), "-r", str(PIN)]
    else:
        command = [str(python), "-m", "pip", "install", "--quiet", "-r", str(PIN)]
    subprocess.run(command, check=True)
    stamp.write_text(PIN.read_text())
    return python


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
