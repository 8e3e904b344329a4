"""Measuring: repetitions summarised as median with min/max, the machine, jobs run in a fresh process.

A job's wall time, CPU time (user + system, all threads) and peak RSS are taken inside the child
process around the job itself, so interpreter start-up and imports are not counted as work, and the
emulator (another process) is never counted as the client's.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from importlib import metadata
from typing import Any


def summary(values: Sequence[float], *, digits: int = 4) -> dict[str, Any]:
    """Median, min and max of repeated measurements (and how many there were)."""
    if not values:
        return {"median": None, "min": None, "max": None, "n": 0}
    return {
        "median": round(statistics.median(values), digits),
        "min": round(min(values), digits),
        "max": round(max(values), digits),
        "n": len(values),
    }


def machine() -> dict[str, Any]:
    cpu = ""
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), "")
    except OSError:
        pass
    memory_mb = None
    try:
        with open("/proc/meminfo") as info:
            first = info.readline().split()
            memory_mb = int(first[1]) // 1024
    except (OSError, IndexError, ValueError):
        pass
    versions = {}
    for dist in ("apache-airflow", "httpx", "requests", "fastapi", "uvicorn"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = None
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "memory_mb": memory_mb,
        "packages": versions,
    }


def rss_mb() -> float:
    """Current resident set size of this process in MB (Linux)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


@contextmanager
def measured() -> Iterator[dict[str, float]]:
    """Wall and CPU seconds of the block, RSS before it and the process's peak RSS after it (MB)."""
    figures: dict[str, float] = {"rss_before_mb": rss_mb()}
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu0 = usage.ru_utime + usage.ru_stime
    wall0 = time.perf_counter()
    try:
        yield figures
    finally:
        figures["wall_s"] = time.perf_counter() - wall0
        usage = resource.getrusage(resource.RUSAGE_SELF)
        figures["cpu_s"] = usage.ru_utime + usage.ru_stime - cpu0
        figures["peak_rss_mb"] = usage.ru_maxrss / 1024


def run_job(job: dict[str, Any], *, timeout: float = 1800, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``benchmarks.jobs`` in a fresh interpreter with ``job`` on stdin; its result from stdout."""
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.jobs"],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=False,
    )
    return parse_result(proc, what=f"job {job.get('kind')!r}")


def parse_result(proc: subprocess.CompletedProcess[str], *, what: str) -> dict[str, Any]:
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr or "")[-2000:]
        raise RuntimeError(f"{what} failed (exit {proc.returncode}): {tail}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def repeat(times: int, run: Callable[[int], dict[str, Any]]) -> list[dict[str, Any]]:
    return [run(i) for i in range(times)]


def figures_of(runs: list[dict[str, Any]], *keys: str, digits: int = 4) -> dict[str, Any]:
    """For each key: the median/min/max over runs."""
    return {key: summary([float(r[key]) for r in runs if r.get(key) is not None], digits=digits) for key in keys}
