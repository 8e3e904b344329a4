"""Creates from an empty project with bounded concurrency, under the emulator's rate limit.

The sync applies writes with at most ``max_concurrency`` requests in flight. From the same empty
state each time, the sync creates every declared connection; afterwards the state must hold each
name exactly once. 429 replies (the rate limit) are counted as request overhead.
"""

from __future__ import annotations

from typing import Any

from benchmarks.emulator_proc import EmulatorProcess, summarise_counts
from benchmarks.measure import figures_of, run_job

CONCURRENCY = [1, 2, 4, 8, 16]


def creates(*, quick: bool) -> dict[str, Any]:
    sizes = [20] if quick else [200, 1000]
    levels = [1, 4] if quick else CONCURRENCY
    latency = 0.0 if quick else 20.0
    rate_limit = 50.0 if quick else 500.0
    curves = []
    with EmulatorProcess(latency_ms=latency, rate_limit=rate_limit) as emu:
        for size in sizes:
            reps = 1 if quick or size >= 1000 else 3
            points = []
            for level in levels:
                runs = []
                for _ in range(reps):
                    emu.reset()
                    job = {
                        "kind": "sync",
                        "url": emu.url,
                        "api_key": emu.api_key,
                        "project_id": emu.project_id,
                        "count": size,
                        "max_concurrency": level,
                        "airflow_masker": False,
                    }
                    result = run_job(job)
                    statuses = emu.call("statuses")
                    requests = summarise_counts(emu.counts())
                    check = emu.call("check")
                    runs.append(
                        {
                            **result,
                            "requests": requests["total"],
                            "rate_limited": statuses.get("429", 0),
                            "duplicates": check["stored"] - check["distinct_names"],
                            "missing": size - check["distinct_names"],
                        }
                    )
                figures = figures_of(runs, "wall_s", "cpu_s", "requests", "rate_limited")
                points.append(
                    {
                        "max_concurrency": level,
                        **figures,
                        "failed": max(r["failed"] for r in runs),
                        "duplicates": max(r["duplicates"] for r in runs),
                        "missing": max(r["missing"] for r in runs),
                        "overhead_429_share": round(figures["rate_limited"]["median"] / size, 4),
                    }
                )
            base = points[0]["wall_s"]["median"]
            for point in points:
                point["speedup"] = round(base / point["wall_s"]["median"], 2)
            curves.append({"creates": size, "repetitions": reps, "points": points})
    at8 = [p["speedup"] for c in curves for p in c["points"] if p["max_concurrency"] == 8]
    clean = all(p["failed"] == 0 and p["duplicates"] == 0 and p["missing"] == 0 for c in curves for p in c["points"])
    goals = [{"goal": "no failures, no duplicates, nothing missing", "value": clean, "met": clean}]
    if at8:
        goals.append({"goal": ">= 6x speed-up at max_concurrency 8", "value": at8, "met": min(at8) >= 6})
    return {
        "name": "creates",
        "title": "Creates from empty, with bounded concurrency",
        "parameters": {
            "creates": sizes,
            "max_concurrency": levels,
            "emulator_latency_ms": latency,
            "rate_limit_per_s": rate_limit,
            "test_on_write": False,
        },
        "figures": {"curves": curves},
        "goals": goals,
        "notes": [
            "Airflow's mask_secret is replaced by a counter in these runs (see masking_cost): the curve "
            "measures the writes' concurrency, not the masker.",
        ],
    }
