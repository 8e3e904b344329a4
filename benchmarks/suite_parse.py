"""Token economy through one hook, and what importing our operators and sensor adds to DAG parsing."""

from __future__ import annotations

import statistics
import subprocess
import sys
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


def _import_seconds(imports: str) -> tuple[float, float]:
    """(CPU, wall) seconds of ``imports`` in a fresh interpreter that already imported airflow.sdk."""
    out = subprocess.run(
        [sys.executable, "-c", _IMPORT_PROBE.format(imports=imports)],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    ).stdout
    cpu, wall = out.strip().splitlines()[-1].split()
    return float(cpu), float(wall)


def import_cost(*, quick: bool) -> dict[str, Any]:
    reps = 2 if quick else 11
    statement = "; ".join(f"import {module}" for module in OPERATOR_MODULES)
    samples = [_import_seconds(statement) for _ in range(reps)]
    cpu_ms = [1000 * cpu for cpu, _ in samples]
    wall_ms = [1000 * wall for _, wall in samples]
    median = statistics.median(cpu_ms)
    return {
        "name": "import_cost",
        "title": "DAG-parse cost: importing the operators and the sensor",
        "parameters": {"modules": list(OPERATOR_MODULES), "after": "import airflow.sdk", "repetitions": reps},
        "figures": {
            "extra_import_cpu_ms": summary(cpu_ms, digits=2),
            "extra_import_wall_ms": summary(wall_ms, digits=2),
        },
        "goals": [{"goal": "<= 10 ms (CPU) over airflow.sdk", "value": round(median, 2), "met": median <= 10}],
    }
