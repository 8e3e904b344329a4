"""The record a running local Airflow stack keeps in its home (``stack.json``), and stopping by it.

It is what lets another process stop a stack it did not start: ``python -m tools.stack_cli stop``,
``make demo-stop`` after ``KEEP=1``, and the next ``start`` with the same home (a stack left over by a
run that was killed). Each process is named by its PID *and* its start time, so a recycled PID is
never signalled.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tools.procs import start_ticks, stop_recorded

STATE_FILE = "stack.json"


def record_stack(home: Path, *, pids: Mapping[str, int], **facts: str) -> None:
    """Write the record: ``facts`` (url, username, ...) and each process's PID and start time.

    ``pids`` in start order: :func:`stop_stack` stops them in reverse.
    """
    state = {
        **facts,
        "pids": dict(pids),
        "started": {name: start_ticks(pid) for name, pid in pids.items()},
    }
    (home / STATE_FILE).write_text(json.dumps(state, indent=2))


def recorded_stack(home: Path) -> dict[str, Any] | None:
    """What ``start`` recorded in ``home`` (url, username, pids), or None."""
    try:
        state: dict[str, Any] = json.loads((home / STATE_FILE).read_text())
    except (OSError, ValueError):
        return None
    return state


def forget_stack(home: Path) -> None:
    (home / STATE_FILE).unlink(missing_ok=True)


def stop_stack(home: Path) -> list[str]:
    """Stop a stack another process started with this home (``KEEP=1`` demos, ``start`` from the CLI).

    Only processes whose environment still has this ``AIRFLOW_HOME`` (or whose start time is the
    recorded one) are signalled, so a recycled PID is left alone. Returns the names of the components
    that were stopped.
    """
    home = home.resolve()
    state = recorded_stack(home)
    if state is None:
        return []
    started = state.get("started", {})
    stopped = [
        name
        for name, pid in reversed(list(state.get("pids", {}).items()))
        if stop_recorded(int(pid), marker=("AIRFLOW_HOME", str(home)), started=started.get(name))
    ]
    forget_stack(home)
    return stopped
