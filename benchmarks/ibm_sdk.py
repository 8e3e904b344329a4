"""IBM's watsonx.data integration SDK in an environment of its own (``benchmarks/.venv-ibm-sdk``).

Installed from PyPI by the benchmark the first time (uv when our venv has it, else pip); its
dependencies (kfp, kubernetes, google-cloud-storage, ...) never enter the project's environment.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from benchmarks.measure import parse_result

SDK = "ibm-watsonx-data-integration"
SDK_VERSION = "2.1.0"
HERE = Path(__file__).resolve().parent
VENV = HERE / ".venv-ibm-sdk"


def sdk_python() -> Path:
    """The SDK venv's interpreter, creating and filling the venv when needed."""
    python = VENV / "bin" / "python"
    stamp = VENV / f".installed-{SDK_VERSION}"
    if python.exists() and stamp.exists():
        return python
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    uv = shutil.which("uv", path=str(Path(sys.executable).parent))
    if uv:
        command = [uv, "pip", "install", "--quiet", "--python", str(python), f"{SDK}=={SDK_VERSION}"]
    else:
        command = [str(python), "-m", "pip", "install", "--quiet", f"{SDK}=={SDK_VERSION}"]
    subprocess.run(command, check=True)
    stamp.touch()
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
