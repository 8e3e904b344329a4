"""Client side of the triggerer benchmark: N validation triggers waiting at once on one event loop.

Started the way Airflow's triggerer starts them (one by one, yielding to the loop in between), with
the triggerer's own watchdog: a coroutine that sleeps 0.1 s and measures how late it wakes up. A
late wake-up is time the loop spent blocked (or too busy to serve its timers).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from benchmarks.airflow_names import trigger_class, validation_event
from benchmarks.measure import rss_mb, summary

WATCHDOG_S = 0.1


async def _load(job: dict[str, Any]) -> dict[str, Any]:
    trigger_cls = trigger_class()
    event_cls = validation_event()
    lateness: list[float] = []
    busy: list[float] = []  # CPU the loop's thread spent during each lap
    stop = asyncio.Event()

    async def watchdog() -> None:
        # Airflow's measure is the wall-clock lateness. On a loaded machine the OS may simply not run
        # the process; the loop thread's CPU time during the lap tells work done on the loop apart.
        while not stop.is_set():
            before, cpu_before = time.monotonic(), time.thread_time()
            await asyncio.sleep(WATCHDOG_S)
            lateness.append(time.monotonic() - before - WATCHDOG_S)
            busy.append(time.thread_time() - cpu_before)

    done_at: list[float] = []

    async def run_one(trigger: Any, started: float) -> list[Any]:
        events = [event async for event in trigger.run()]
        done_at.append(time.monotonic() - started)
        return events

    dog = asyncio.create_task(watchdog())
    # The watchdog alone first: how late an idle loop wakes up on this machine (its load, not ours).
    await asyncio.sleep(job.get("idle_s", 2.0))
    idle = list(lateness)
    lateness.clear()
    busy.clear()
    rss_before = rss_mb()
    started = time.monotonic()
    tasks = []
    for connection_id in job["connection_ids"]:
        await asyncio.sleep(0)
        trigger = trigger_cls(
            ibm_conn_id=job["conn_id"],
            scope_kind="project_id",
            scope_id=job["project_id"],
            connection_id=connection_id,
            poll_interval=job["interval"],
            deadline=time.time() + job["deadline_s"],
            request_timeout=60.0,
        )
        tasks.append(asyncio.create_task(run_one(trigger, started)))
    start_pass_s = time.monotonic() - started
    results = await asyncio.gather(*tasks)
    wall = time.monotonic() - started
    stop.set()
    await dog
    statuses: dict[str, int] = {}
    for events in results:
        for event in events:
            status = event_cls.from_payload(event.payload).status
            statuses[status] = statuses.get(status, 0) + 1
    threshold = job.get("blocked_threshold_s", 0.1)
    blocked = [x for x in lateness if x > threshold]
    # A lap late by more than the threshold during which the loop thread itself computed that long.
    blocked_by_work = [x for x, cpu in zip(lateness, busy, strict=True) if x > threshold and cpu > threshold]
    return {
        "triggers": len(tasks),
        "events": sum(len(events) for events in results),
        "statuses": statuses,
        "wall_s": wall,
        "start_pass_s": start_pass_s,
        "time_to_event_s": summary(done_at, digits=3),
        "watchdog_laps": len(lateness),
        "loop_lateness_max_s": max(lateness, default=0.0),
        "loop_lateness_p99_s": sorted(lateness)[int(len(lateness) * 0.99)] if lateness else 0.0,
        "loop_blocked_over_threshold": len(blocked),
        "loop_blocked_by_work": len(blocked_by_work),
        "loop_cpu_per_lap_max_s": max(busy, default=0.0),
        "idle_loop_lateness_max_s": max(idle, default=0.0),
        "rss_before_mb": rss_before,
        "rss_after_mb": rss_mb(),
    }


def run_trigger_load(job: dict[str, Any]) -> dict[str, Any]:
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu0 = usage.ru_utime + usage.ru_stime
    result = asyncio.run(_load(job))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result["cpu_s"] = usage.ru_utime + usage.ru_stime - cpu0
    result["peak_rss_mb"] = usage.ru_maxrss / 1024
    return result
