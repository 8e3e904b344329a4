"""Client side of the triggerer benchmark: N validation triggers waiting at once on one event loop.

Started the way Airflow's triggerer starts them (one by one, yielding to the loop in between), with
the triggerer's own watchdog: a coroutine that sleeps 0.1 s and measures how late it wakes up. A
late wake-up is time the loop spent blocked (or too busy to serve its timers). Each late lap is put
down to one cause: a full (generation 2) garbage collection of the process's heap during it, or work
on the loop (its thread's CPU over the lap above the threshold), or else the machine not running the
process (its load).

``floor`` runs the same re-tests with no provider code (:mod:`benchmarks.floor_trigger`).
``lockstep`` reproduces the triggers before their first tests were spread (every first test at once)
and ``pool_size`` sets the shared client's in-flight cap, so old and new are measured in one run.
"""

from __future__ import annotations

import asyncio
import gc
import time
from typing import Any

from benchmarks.airflow_names import trigger_class, validation_event
from benchmarks.measure import rss_mb, summary

WATCHDOG_S = 0.1
#: The first seconds of a run, when every trigger starts (its lease, its first wait): reported apart.
STARTUP_S = 5.0


class _Collections:
    """Full (generation 2) garbage collections: when each started and how long it took; and how many
    objects young collections promoted into the old generation.

    Python starts a full collection once the objects promoted since the last one exceed a quarter of
    those that survived it, so promotions per re-test say how often the triggers' work brings one on.
    A generation-1 collection promotes whatever of generations 0 and 1 it does not free: counted as the
    two generations' size at its start less what it collected.
    """

    def __init__(self) -> None:
        self.full: list[tuple[float, float]] = []
        self.promoted: list[tuple[float, int]] = []  # (when, objects) per generation-1 collection
        self._started = 0.0
        self._young = 0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        generation = info.get("generation")
        if generation == 1:
            if phase == "start":
                self._young = len(gc.get_objects(0)) + len(gc.get_objects(1))
            else:
                self.promoted.append((time.monotonic(), self._young - info.get("collected", 0)))
            return
        if generation != 2:
            return
        if phase == "start":
            self._started = time.monotonic()
        else:
            self.full.append((self._started, time.monotonic() - self._started))

    def during(self, start: float, end: float) -> float:
        """Seconds of full collections that started within ``[start, end]``."""
        return sum(took for began, took in self.full if start <= began <= end)


def _instrument(job: dict[str, Any], trigger_cls: Any) -> list[Any]:
    """Apply the job's variant (in-flight cap, lockstep first tests); returns the clients built."""
    from airflow_connections_provider.client import async_transport
    from airflow_connections_provider.triggers import client_pool

    if job.get("pool_size"):
        async_transport.POOL_SIZE = job["pool_size"]
    if job.get("keepalive"):
        async_transport.KEEPALIVE = job["keepalive"]
    if job.get("lockstep"):
        trigger_cls._jitter = lambda self: 0.0  # with poll_first: every first test at once, as before
    built: list[Any] = []
    build = client_pool._build

    def recording_build(config: Any) -> Any:
        client = build(config)
        built.append(client)
        return client

    client_pool._build = recording_build
    return built


async def _load(job: dict[str, Any]) -> dict[str, Any]:
    event_cls = validation_event()
    if job.get("floor"):
        from benchmarks.floor_trigger import FloorValidationTrigger

        trigger_cls: Any = FloorValidationTrigger
        built: list[Any] = []
    else:
        trigger_cls = trigger_class()
        built = _instrument(job, trigger_cls)
    lateness: list[float] = []
    busy: list[float] = []  # CPU the loop's thread spent during each lap
    laps: list[tuple[float, float]] = []  # (start, end) of each lap
    stop = asyncio.Event()
    collections = _Collections()
    gc.callbacks.append(collections)

    async def watchdog() -> None:
        # Airflow's measure is the wall-clock lateness. On a loaded machine the OS may simply not run
        # the process; the loop thread's CPU time during the lap tells work done on the loop apart.
        while not stop.is_set():
            before, cpu_before = time.monotonic(), time.thread_time()
            await asyncio.sleep(WATCHDOG_S)
            after = time.monotonic()
            lateness.append(after - before - WATCHDOG_S)
            busy.append(time.thread_time() - cpu_before)
            laps.append((before, after))

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
    laps.clear()
    rss_before = rss_mb()
    started = time.monotonic()
    started_at = time.time()  # the emulator's log is stamped in epoch seconds
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
            hook_params={"timeout": 60.0},
            poll_first=bool(job.get("poll_first", False)),
        )
        tasks.append(asyncio.create_task(run_one(trigger, started)))
    start_pass_s = time.monotonic() - started
    results = await asyncio.gather(*tasks)
    wall = time.monotonic() - started
    stop.set()
    await dog
    gc.callbacks.remove(collections)
    statuses: dict[str, int] = {}
    for events in results:
        for event in events:
            status = event_cls.from_payload(event.payload).status
            statuses[status] = statuses.get(status, 0) + 1
    threshold = job.get("blocked_threshold_s", 0.1)
    blocked = [x for x in lateness if x > threshold]
    # A lap late by more than the threshold during which the loop thread itself computed that long.
    blocked_by_work = [x for x, cpu in zip(lateness, busy, strict=True) if x > threshold and cpu > threshold]
    causes = {"full_gc": 0, "loop_work": 0, "machine_load": 0}
    late_laps = []
    for late, cpu, (began, ended) in zip(lateness, busy, laps, strict=True):
        if late <= threshold:
            continue
        collected = collections.during(began, ended)
        cause = "full_gc" if collected > 0 else "loop_work" if cpu > threshold else "machine_load"
        causes[cause] += 1
        late_laps.append(
            {
                "at_s": round(began - started, 2),
                "late_s": round(late, 3),
                "cpu_s": round(cpu, 3),
                "gc_s": round(collected, 3),
            }
        )
    full = [took for began, took in collections.full if began >= started]
    return {
        "triggers": len(tasks),
        "events": sum(len(events) for events in results),
        "statuses": statuses,
        "wall_s": wall,
        "started_at": started_at,
        "start_pass_s": start_pass_s,
        "time_to_event_s": summary(done_at, digits=3),
        "watchdog_laps": len(lateness),
        "loop_lateness_max_s": max(lateness, default=0.0),
        "loop_lateness_p99_s": sorted(lateness)[int(len(lateness) * 0.99)] if lateness else 0.0,
        "loop_blocked_over_threshold": len(blocked),
        "loop_blocked_by_work": len(blocked_by_work),
        "late_lap_causes": causes,
        "late_laps": late_laps[:60],
        "full_gc": {"count": len(full), "max_s": round(max(full, default=0.0), 3), "total_s": round(sum(full), 3)},
        "heap_objects": len(gc.get_objects()),
        # Objects promoted into the old generation during the run, and in its first seconds (start-up).
        "promoted": sum(n for when, n in collections.promoted if when >= started),
        "promoted_first_s": sum(n for when, n in collections.promoted if started <= when < started + STARTUP_S),
        "peak_in_flight": max((c.transport.peak_in_flight for c in built), default=0),
        "in_flight_cap": job.get("pool_size") or _cap(),
        "loop_cpu_per_lap_max_s": max(busy, default=0.0),
        "idle_loop_lateness_max_s": max(idle, default=0.0),
        "rss_before_mb": rss_before,
        "rss_after_mb": rss_mb(),
    }


def run_trigger_load(job: dict[str, Any]) -> dict[str, Any]:
    import resource

    import airflow.triggers.base  # noqa: F401 - what the triggerer's heap holds before any provider

    gc.collect()
    airflow_objects = len(gc.get_objects())
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu0 = usage.ru_utime + usage.ru_stime
    result = asyncio.run(_load(job))
    result["heap_objects_airflow"] = airflow_objects
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result["cpu_s"] = usage.ru_utime + usage.ru_stime - cpu0
    result["peak_rss_mb"] = usage.ru_maxrss / 1024
    return result


def _cap() -> int:
    from airflow_connections_provider.client import async_transport

    return async_transport.POOL_SIZE
