"""What ``make demo`` prints: one live progress line per DAG run, then the summary.

The summary's connection figures come from the emulator's inspection API (``/_emulator/state`` and
``/_emulator/log``), not from Airflow, so they show what really reached the (emulated) service.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from tools.airflow_api import RunProgress

_ACTIVE = ("running", "deferred", "queued", "scheduled", "up_for_retry", "up_for_reschedule")


class ProgressDisplay:
    """One line per DAG run. On a terminal the lines are redrawn in place; otherwise a line is
    printed only when it changes (so logs and test output stay short)."""

    def __init__(self, out: TextIO, *, live: bool) -> None:
        self.out = out
        self.live = live
        self._drawn = 0
        self._last: dict[str, str] = {}

    @staticmethod
    def line(run: RunProgress, *, with_time: bool = True) -> str:
        total = len(run.tasks)
        finished = run.count("success", "failed", "skipped", "upstream_failed")
        active = [key for key, state in sorted(run.tasks.items()) if state in _ACTIVE]
        detail = ", ".join(f"{run.label(k)} {run.tasks[k]}" for k in active[:2])
        if len(active) > 2:
            detail += f" (+{len(active) - 2})"
        elapsed = f"{run.duration:4.0f} s" if with_time and run.duration is not None else ""
        return f"  {run.dag_id:<31} {run.state:<8} {finished:>2}/{total:<2} tasks {elapsed:>6}  {detail}".rstrip()

    def update(self, runs: Iterable[RunProgress]) -> None:
        runs = list(runs)
        if self.live:
            if self._drawn:
                self.out.write(f"\x1b[{self._drawn}F")
            width = shutil.get_terminal_size().columns - 1  # a wrapped line would break the redraw
            for run in runs:
                self.out.write(f"\x1b[K{self.line(run)[:width]}\n")
            self._drawn = len(runs)
            self.out.flush()
            return
        for run in runs:
            key = self.line(run, with_time=False)  # the clock alone is no change worth a line
            if self._last.get(run.dag_id) != key:
                self._last[run.dag_id] = key
                print(self.line(run), file=self.out, flush=True)


@dataclass
class ConnectionReport:
    """What happened to the project's connections, from the emulator's state and request log."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    untouched: list[str] = field(default_factory=list)
    #: connection name -> refused live tests (sensor re-tests while down, refused rotations)
    refused: dict[str, int] = field(default_factory=dict)
    requests: int = 0


def connection_report(seeded: Iterable[str], state: Mapping[str, Any], log: Mapping[str, Any]) -> ConnectionReport:
    """Compare the seeded names with the final state; read updates (PATCH 2xx) and refused live tests
    (PATCH or the test action answering 400/460) from the request log."""
    seeded = set(seeded)
    names_by_id = {c["metadata"]["asset_id"]: c["entity"]["name"] for c in state["connections"]}
    final = set(names_by_id.values())
    report = ConnectionReport()
    updated: set[str] = set()
    for entry in log["entries"]:
        report.requests += 1
        parts = entry["path"].split("/")
        if entry["method"] not in ("PATCH", "PUT") or len(parts) < 4 or parts[1:3] != ["v2", "connections"]:
            continue
        name = names_by_id.get(parts[3], parts[3])
        if entry["method"] == "PATCH" and 200 <= entry["status"] < 300:
            updated.add(name)
        elif entry["status"] in (400, 460):  # an update with test=true, or a re-test, refused
            report.refused[name] = report.refused.get(name, 0) + 1
    report.created = sorted(final - seeded)
    report.updated = sorted(updated & final)
    report.deleted = sorted(seeded - final)
    report.untouched = sorted((seeded & final) - updated)
    return report


def validation_waits(run: RunProgress, refused: Mapping[str, int]) -> list[str]:
    """One line per sensor instance of the bootstrap run: how long it waited, and where."""
    lines = []
    for key in sorted(run.tasks):
        if key[0] != "wait_until_valid":
            continue
        instance = run.instances.get(key, {})
        name = run.label(key).partition("[")[2].rstrip("]")
        duration = instance.get("duration") or 0.0
        # Airflow 3.0 reports a negative duration for a task resumed from the triggerer.
        waited = f"{duration:.0f} s" if duration >= 0 else "(time not reported by this Airflow)"
        where = "deferred to the triggerer" if "deferred" in run.seen.get(key, set()) else "valid at the first test"
        tries = refused.get(name, 0)
        retests = f", {tries} refused test(s) first" if tries else ""
        lines.append(f"{name}: {waited}, {where}{retests}")
    return lines


def summary_lines(
    runs: Iterable[RunProgress],
    report: ConnectionReport,
    *,
    project: str,
    expected_failures: Mapping[str, set[tuple[str, int]]],
    notes: Mapping[str, str] | None = None,
) -> list[str]:
    """:param notes: a note per DAG id, printed after its run (how an asset-triggered run started)."""
    lines = ["", "DAG runs (triggered through Airflow's REST API, or by asset events where noted):"]
    for run in runs:
        failed = [k for k, s in sorted(run.tasks.items()) if s == "failed"]
        expected = [k for k in failed if k in expected_failures.get(run.dag_id, set())]
        note = ""
        if expected:
            note = f"  ({', '.join(run.label(k) for k in expected)} failed as designed: the drill's wrong secret)"
        unexpected = [run.label(k) for k in failed if k not in expected]
        if unexpected:
            note += f"  failed: {', '.join(unexpected)}"
        if notes and run.dag_id in notes:
            note += f"  ({notes[run.dag_id]})"
        lines.append(f"  {run.dag_id:<31} {run.state:<8} {run.duration or 0:5.1f} s{note}")

    def named(names: list[str]) -> str:
        return f"{len(names):>2}  {', '.join(names)}" if names else " 0"

    lines += [
        "",
        f'IBM connections in project "{project}" (from the emulator\'s inspection API):',
        f"  created   {named(report.created)}",
        f"  updated   {named(report.updated)}",
        f"  deleted   {named(report.deleted)}",
        f"  untouched {named(report.untouched)}",
        f"  refused live tests: {', '.join(f'{n} x{c}' for n, c in sorted(report.refused.items())) or 'none'}"
        f"  ({report.requests} API requests in all)",
    ]
    return lines


def failed_task_logs(
    logs_dir: Path, run: RunProgress, expected: Iterable[tuple[str, int]], lines: int = 25
) -> list[str]:
    """The last lines of each unexpectedly failed task's log files (task and triggerer parts), so a
    failed demo (or the test that runs it) says why without a second run. Task logs are masked by
    Airflow, so printing them shows nothing a task log does not."""
    out: list[str] = []
    skip = set(expected)
    for key, state in sorted(run.tasks.items()):
        if state != "failed" or key in skip:
            continue
        task_id, map_index = key
        folder = f"dag_id={run.dag_id}/run_id={run.run_id}/task_id={task_id}"
        if map_index >= 0:
            folder += f"/map_index={map_index}"
        for path in sorted((logs_dir / folder).glob("attempt=*.log*")):
            tail = path.read_text(errors="replace").splitlines()[-lines:]
            out += [f"--- {run.label(key)}: {path.name} (last {len(tail)} lines)", *(f"    {t}" for t in tail)]
    return out
