"""Token economy through one hook, and what importing our operators and sensor adds to DAG parsing."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from typing import Any

from benchmarks.airflow_names import CONN_ARG, OPERATOR_MODULES, airflow_conn_env
from benchmarks.emulator_proc import PROJECT, EmulatorProcess, summarise_counts
from benchmarks.measure import run_job, summary

CONN_ID = "ibm_bench"


def tokens(*, quick: bool) -> dict[str, Any]:
    calls = 50 if quick else 1000
    with EmulatorProcess(latency_ms=0.0) as emu:
        env = airflow_conn_env(CONN_ID, url=emu.url, api_key=emu.api_key, project=PROJECT)
        job = {"kind": "hook_calls", "conn_arg": CONN_ARG, "conn_id": CONN_ID, "calls": calls}
        result = run_job(job, env=env)
        requests = summarise_counts(emu.counts())
    return {
        "name": "tokens",
        "title": "Token economy through one hook",
        "parameters": {"calls": calls, "call": "hook.client.version()", "token_ttl_s": 3600},
        "figures": {
            "token_requests": requests["token"],
            "requests": requests["total"],
            "by_method": requests["by_method"],
            "wall_s": round(result["wall_s"], 3),
            "cpu_ms_per_call": round(result["cpu_s"] / calls * 1000, 3),
        },
        "goals": [
            {"goal": "1 token request per token lifetime", "value": requests["token"], "met": requests["token"] == 1}
        ],
    }


_IMPORT_PROBE = """
import time, airflow.sdk
cpu, wall = time.process_time(), time.perf_counter()
{imports}
print(time.process_time() - cpu, time.perf_counter() - wall)
"""


def _import_seconds(imports: str, *, pycache: str | None = None) -> tuple[float, float]:
    """(CPU, wall) seconds of ``imports`` in a fresh interpreter that already imported airflow.sdk.

    ``pycache``: a directory for compiled bytecode (as an installed wheel has it); without it this
    checkout's modules are compiled from source at every import (the machine may forbid .pyc files).
    """
    env = dict(os.environ)
    if pycache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = pycache
    out = subprocess.run(
        [sys.executable, "-c", _IMPORT_PROBE.format(imports=imports)],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
        env=env,
    ).stdout
    cpu, wall = out.strip().splitlines()[-1].split()
    return float(cpu), float(wall)


def import_cost(*, quick: bool) -> dict[str, Any]:
    reps = 2 if quick else 11
    statement = "; ".join(f"import {module}" for module in OPERATOR_MODULES)
    with tempfile.TemporaryDirectory(prefix="bench-pycache-") as pycache:
        _import_seconds(statement, pycache=pycache)  # writes the bytecode the measured runs read
        samples: dict[str, list[tuple[float, float]]] = {"source": [], "bytecode": []}
        for _ in range(reps):  # interleaved, so a busy moment hits both forms
            samples["source"].append(_import_seconds(statement))
            samples["bytecode"].append(_import_seconds(statement, pycache=pycache))
    cpu_ms = {form: [1000 * cpu for cpu, _ in runs] for form, runs in samples.items()}
    wall_ms = {form: [1000 * wall for _, wall in runs] for form, runs in samples.items()}
    median = {form: statistics.median(values) for form, values in cpu_ms.items()}
    return {
        "name": "import_cost",
        "title": "DAG-parse cost: importing the operators and the sensor",
        "parameters": {"modules": list(OPERATOR_MODULES), "after": "import airflow.sdk", "repetitions": reps},
        "figures": {
            "extra_import_cpu_ms": summary(cpu_ms["source"], digits=2),
            "extra_import_wall_ms": summary(wall_ms["source"], digits=2),
            "extra_import_cpu_ms_bytecode": summary(cpu_ms["bytecode"], digits=2),
            "extra_import_wall_ms_bytecode": summary(wall_ms["bytecode"], digits=2),
        },
        "goals": [
            {
                "goal": "<= 10 ms (CPU) over airflow.sdk, compiled from source",
                "value": round(median["source"], 2),
                "met": median["source"] <= 10,
            },
            {
                "goal": "<= 10 ms (CPU) over airflow.sdk, as installed (bytecode)",
                "value": round(median["bytecode"], 2),
                "met": median["bytecode"] <= 10,
            },
        ],
    }
