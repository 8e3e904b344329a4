"""Triggerer load: N validation triggers waiting at once on one event loop against the emulator.

Each trigger's connection points at a data source that starts accepting only after the emulator has
seen ``polls_before_up`` re-tests per trigger, so validation succeeds after a few polls. The spike
variant raises the emulator's latency to 1 s for a while during the run. Poll spacing is read from
the emulator's request log (per connection, the time between two re-tests).

Triggers are deferred as the sensor defers them (``poll_first=False``: it has just tested). At the
largest size the triggers as they were before (every first test at once, 32 requests in flight) run
in the same session, interleaved, so the comparison holds on a noisy machine.
"""

from __future__ import annotations

import itertools
import statistics
import threading
import time
from collections.abc import Callable
from typing import Any

from benchmarks.airflow_names import airflow_conn_env
from benchmarks.emulator_proc import PROJECT, EmulatorProcess, _is_retest, summarise_counts
from benchmarks.measure import run_job
from benchmarks.trigger_load import STARTUP_S

CONN_ID = "ibm_bench"


def _spacing(log: list[dict[str, Any]]) -> list[float]:
    by_path: dict[str, list[float]] = {}
    for entry in log:
        if _is_retest_path(entry["m"], entry["p"]):
            by_path.setdefault(entry["p"], []).append(entry["t"])
    gaps = []
    for stamps in by_path.values():
        stamps.sort()
        gaps += [b - a for a, b in itertools.pairwise(stamps)]
    return gaps


def _is_retest_path(method: str, path: str) -> bool:
    if method == "PUT" and path.endswith("/actions/test"):
        return True
    return method == "PATCH" and path.startswith("/v2/connections/") and path.count("/") == 3


#: The same re-tests by a trigger with no provider code (benchmarks/floor_trigger.py): what any trigger costs.
FLOOR = {"floor": True}
#: The triggers before their first tests were spread: all at once (poll_first, no draw), cap 32, 8 kept alive.
BEFORE = {"lockstep": True, "poll_first": True, "pool_size": 32, "keepalive": 8}


def _one(
    emu: EmulatorProcess,
    count: int,
    interval: float,
    polls_before_up: int,
    spike_s: float,
    variant: dict[str, Any] | None = None,
) -> dict[str, Any]:
    emu.reset()
    source = emu.call("late_source", polls=count * polls_before_up)
    ids = emu.seed(count, port=source["port"], return_ids=True, prefix="wait-")
    job = {
        "kind": "triggers",
        "conn_id": CONN_ID,
        "project_id": emu.project_id,
        "connection_ids": ids,
        "interval": interval,
        "deadline_s": 600,
        "idle_s": 0.5 if interval < 1 else 2.0,
        **(variant or {}),
    }
    env = airflow_conn_env(CONN_ID, url=emu.url, api_key=emu.api_key, project=PROJECT)
    spike = None
    if spike_s:
        # During the second round of polls every reply takes 1 s more.
        def raise_latency() -> None:
            time.sleep(interval + 3)  # after start-up (the child's imports) and the first round
            emu.call("set_faults", latency_ms=1000)
            time.sleep(spike_s)
            emu.call("set_faults", latency_ms=0)

        spike = threading.Thread(target=raise_latency, daemon=True)
        spike.start()
    result = run_job(job, env=env, timeout=1200)
    if spike is not None:
        spike.join()
    log = emu.call("log")
    gaps = _spacing(log)
    after_start = result["started_at"] + STARTUP_S
    retests_after_first_s = sum(1 for e in log if _is_retest_path(e["m"], e["p"]) and e["t"] >= after_start)
    requests = summarise_counts(emu.counts())
    retests = sum(n for key, n in emu.counts().items() if _is_retest(key))
    return {
        **result,
        "requests": requests["total"],
        "token": requests["token"],
        "retests": retests,
        "retests_after_first_s": retests_after_first_s,
        "poll_gap_s": {
            "median": round(statistics.median(gaps), 3) if gaps else None,
            "p95": round(sorted(gaps)[int(len(gaps) * 0.95)], 3) if gaps else None,
            "max": round(max(gaps), 3) if gaps else None,
            "min": round(min(gaps), 3) if gaps else None,
        },
    }


def triggerer(*, quick: bool) -> dict[str, Any]:
    counts = [20] if quick else [1000, 2000]
    interval = 0.5 if quick else 20.0
    polls_before_up = 2
    spikes = [0.0, 1.0 if quick else interval]
    runs = []
    with EmulatorProcess(latency_ms=0.0) as emu:
        for count in counts:
            for spike in spikes:
                variants = [("spread, cap 128", None)]
                if count == counts[-1]:
                    variants.insert(0, ("before: lockstep, cap 32", BEFORE))
                    variants.append(("floor: no provider code", FLOOR))
                for label, variant in variants:
                    run = _one(emu, count, interval, polls_before_up, spike, variant)
                    runs.append(
                        {
                            "triggers": count,
                            "variant": label,
                            "before": variant is BEFORE,
                            "floor": variant is FLOOR,
                            "latency_spike": bool(spike),
                            "spike_s": spike,
                            **run,
                        }
                    )
    before = [r for r in runs if r["before"]]
    floor = [r for r in runs if r["floor"]]
    runs = [r for r in runs if not r["before"] and not r["floor"]]
    plain = [r for r in runs if not r["latency_spike"]]
    if len(plain) >= 2:  # marginal memory: what the extra triggers of the larger run cost each
        small, large = plain[0], plain[-1]
        extra = (large["peak_rss_mb"] - small["peak_rss_mb"]) * 1024 / (large["triggers"] - small["triggers"])
        marginal_kb = round(extra, 1)
    else:
        marginal_kb = None
    all_events = all(r["statuses"].get("success", 0) == r["triggers"] for r in runs)
    blocked = max(r["loop_blocked_over_threshold"] for r in runs)
    blocked_by_work = max(r["loop_blocked_by_work"] for r in runs)
    tokens = max(r["token"] for r in runs)
    # Late laps not put down to the machine's load or to a full collection of the process's heap.
    loop_work = max(r["late_lap_causes"]["loop_work"] for r in runs)
    spike_p95 = max((r["poll_gap_s"]["p95"] or 0) for r in runs if r["latency_spike"])
    return {
        "name": "triggerer",
        "title": "Triggerer load",
        "parameters": {
            "triggers": counts,
            "poll_interval_s": interval,
            "polls_before_source_up": polls_before_up,
            "latency_spike": f"1 s per reply for {spikes[-1]:g} s during the second round of polls",
            "watchdog": "sleep(0.1) lateness, as Airflow's triggerer measures it",
            "deferred_as": "the sensor defers them (poll_first=False)",
            "repetitions": 1,
        },
        "figures": {"runs": runs, "before": before, "floor": floor, "marginal_kb_per_trigger": marginal_kb},
        "notes": _notes(runs, before, floor),
        "goals": [
            {"goal": "all events delivered (success)", "value": all_events, "met": all_events},
            {"goal": "loop never late > 0.1 s (Airflow's watchdog)", "value": blocked, "met": blocked == 0},
            {
                "goal": "loop never busy > 0.1 s in one lap (late laps with the loop's own CPU)",
                "value": blocked_by_work,
                "met": blocked_by_work == 0,
            },
            {
                "goal": "no late lap from the triggers' own work (laps not explained by a full GC or the load)",
                "value": loop_work,
                "met": loop_work == 0,
            },
            {
                "goal": "poll gap p95 with a 1 s latency spike <= interval + 1 s reply + 10% of the interval "
                f"({interval * 1.1 + 1:g} s)",
                "value": spike_p95,
                "met": spike_p95 <= interval * 1.1 + 1,
            },
            {"goal": "one token exchange", "value": tokens, "met": tokens == 1},
        ],
    }


def _notes(runs: list[dict[str, Any]], before: list[dict[str, Any]], floor: list[dict[str, Any]]) -> list[str]:
    """What the late laps that remain are, in this run's own figures."""
    if not runs or "full_gc" not in runs[0]:
        return []
    largest = max(runs, key=lambda r: r["heap_objects"])
    airflow = largest.get("heap_objects_airflow", 0)
    notes = [
        f"Remaining late laps: full garbage collections and the machine's load. A full (generation 2) "
        f"collection walks the whole heap: {largest['heap_objects']:,} objects at the end of the largest run, "
        f"{airflow:,} of them there after `import airflow.triggers.base` alone, before any trigger. Each took "
        f"up to {max(r['full_gc']['max_s'] for r in runs):.2f} s here (its CPU, ~0.1 s on an idle core, "
        "stretched by the machine's load). The triggerer process could exempt its start-up heap with "
        "gc.freeze() (Airflow's dag processor manager and LocalExecutor do, before they fork); a provider "
        "must not change the process's collector.",
    ]
    steady = [r for r in runs if r.get("retests_after_first_s") and not r["latency_spike"]]
    if steady:
        r = max(steady, key=lambda run: run["triggers"])
        per_test = (r["promoted"] - r["promoted_first_s"]) / r["retests_after_first_s"]
        rate = r["retests_after_first_s"] / max(r["wall_s"] - STARTUP_S, 1e-9)
        every = r["heap_objects"] / 4 / max(per_test * rate, 1e-9)
        notes.append(
            f"How often the triggers bring one on: {r['triggers']:,} triggers promoted "
            f"{r['promoted_first_s']:,} objects into the old generation while starting (first 5 s), then "
            f"{per_test:.1f} per re-test at {rate:.0f} re-tests a second. A full collection comes once "
            f"promotions pass a quarter of the old generation (~{r['heap_objects'] // 4:,} objects here): one "
            f"every ~{every:.0f} s from the triggers' steady work, besides the one their start brings on. "
            "Each waiting trigger's sleep alone (its future, timer, context and coroutine) outlives every "
            "young collection; a slower service keeps more requests in flight, and their objects too."
        )
    if floor:

        def against_floor(base: dict[str, Any], ours: dict[str, Any]) -> str:
            return (
                f"late laps {ours['loop_blocked_over_threshold']} (floor {base['loop_blocked_over_threshold']}), "
                f"full GCs {ours['full_gc']['count']} (floor {base['full_gc']['count']}), promoted per re-test "
                f"{_per_test(ours)} (floor {_per_test(base)}), CPU ms per re-test "
                f"{ours['cpu_s'] * 1000 / max(ours['retests'], 1):.2f} (floor "
                f"{base['cpu_s'] * 1000 / max(base['retests'], 1):.2f})"
            )

        notes.append(
            "Against the floor (the same re-tests by a trigger with no provider code: one shared httpx client, "
            f"asyncio.sleep, no retries, no error mapping), same session: {_compared(runs, floor, against_floor)}."
        )
    if before:

        def since_before(old: dict[str, Any], new: dict[str, Any]) -> str:
            return (
                f"late laps {old['loop_blocked_over_threshold']} → {new['loop_blocked_over_threshold']}, "
                f"full GCs {old['full_gc']['count']} → {new['full_gc']['count']}, poll gap p95 "
                f"{old['poll_gap_s']['p95']:.1f} → {new['poll_gap_s']['p95']:.1f} s"
            )

        notes.append(f"Before → spread, same session: {_compared(runs, before, since_before)}.")
    return notes


def _same(runs: list[dict[str, Any]], other: dict[str, Any]) -> dict[str, Any] | None:
    """The run of ``runs`` with the same size and latency as ``other``."""
    return next(
        (r for r in runs if r["triggers"] == other["triggers"] and r["latency_spike"] == other["latency_spike"]), None
    )


def _per_test(run: dict[str, Any]) -> str:
    """Objects promoted into the old generation per re-test, after the start-up seconds."""
    if not run.get("retests_after_first_s"):
        return "–"
    return f"{(run['promoted'] - run['promoted_first_s']) / run['retests_after_first_s']:.1f}"


def _compared(
    runs: list[dict[str, Any]], others: list[dict[str, Any]], describe: Callable[[dict[str, Any], dict[str, Any]], str]
) -> str:
    """``describe(other, ours)`` for each run of ``others`` that has a counterpart in ``runs``."""
    return "; ".join(
        f"{other['triggers']:,} triggers, {'1 s spike' if other['latency_spike'] else 'no spike'}: "
        + describe(other, ours)
        for other in others
        if (ours := _same(runs, other)) is not None
    )
