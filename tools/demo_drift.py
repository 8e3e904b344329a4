"""``make demo``'s drift step: a connection edited through the service, caught by the hourly drift check.

Run after the example DAGs (the sync has made the project match ``connections/analytics.yaml``):

1. triggers ``detect_connection_drift`` through Airflow's REST API: it must succeed (no drift, secrets
   included: no false alarm right after a sync);
2. edits ``analytics-events`` the way someone would in IBM's UI: a PATCH through the service's API
   (the provider's client, as any other caller), its ``url`` changed;
3. triggers the drift check again: it must fail, its XCom ``sync_summary`` naming the edited field in
   ``drift``, its task log holding the diff line (``~ analytics-events (id …): properties.url``).

:func:`run_drift_demo` returns the verdict and the lines to print; ``tools/demo.py`` calls it once
its runs have ended. Nothing here prints a value: names, field names, states and durations.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from tools.airflow_api import AirflowApi, RunProgress
from tools.demo_world import EMULATOR_API_KEY, PROJECT

DRIFT_DAG = "detect_connection_drift"
TASK = "check_drift"
EDITED = "analytics-events"
EDITED_FIELD = "properties.url"
EDITED_URL = "https://events.example.com/edited-by-hand.json"


@dataclass
class DriftDemoResult:
    ok: bool
    lines: list[str] = field(default_factory=list)


def edit_through_service(emulator_url: str, *, name: str = EDITED, url: str = EDITED_URL) -> str:
    """Change ``name``'s ``url`` through the service's API, as an edit in IBM's UI would; its id."""
    from airflow_connections_provider.client import (
        AuthType,
        ClientConfig,
        ConnectionChanges,
        ConnectionsClient,
        Credentials,
        Scope,
    )

    config = ClientConfig(
        Credentials(AuthType.IAM_API_KEY, api_key=EMULATOR_API_KEY, iam_url=emulator_url), base_url=emulator_url
    )
    with ConnectionsClient(config) as client:
        scope = Scope.project(client.resolve_project(PROJECT).id)
        found = client.find_connection(scope, name)
        if found is None:
            raise LookupError(f"{name!r} is not in project {PROJECT!r}: did the sync run first?")
        client.update_connection(scope, found.id, ConnectionChanges(set_properties={"url": url}), test=False)
        return found.id


def diff_line(log_text: str, name: str) -> str | None:
    """The drift diff's line for ``name`` in a task log (plain text or Airflow 3's JSON lines)."""
    match = re.search(rf"~ {re.escape(name)} \(id [^)]*\): [^\"\\\n]*", log_text)
    return match.group(0) if match else None


def drift_of(summary: Any, name: str) -> dict[str, Any] | None:
    """The XCom ``sync_summary``'s drift entry for ``name``."""
    if isinstance(summary, str):
        summary = json.loads(summary)
    for entry in (summary or {}).get("drift") or []:
        if entry.get("name") == name:
            return dict(entry)
    return None


def run_drift_demo(
    api: AirflowApi,
    emulator_url: str,
    logs_dir: Path,
    *,
    timeout: float = 300.0,
    say: Callable[[str], None] = lambda line: None,
) -> DriftDemoResult:
    """The three steps of the module docstring; ``ok`` only if the clean check passed and the edit was caught."""
    api.wait_for_dags([DRIFT_DAG])
    api.set_paused(DRIFT_DAG, False)
    lines = ["", "Drift check (detect_connection_drift, hourly; a connection edited through the service's API):"]

    clean = _run(api, timeout)
    lines.append(f"  before the edit  {clean.state:<8} {clean.duration or 0:5.1f} s  (expected: success, no drift)")
    say(f"drift check before the edit: {clean.state}")

    edit_through_service(emulator_url)
    lines.append(f"  edited {EDITED!r} through the service's API: its url")
    say(f"edited {EDITED} through the service's API; checking again")

    caught = _run(api, timeout)
    entry = drift_of(_xcom(api, caught, "sync_summary"), EDITED) if caught.state == "failed" else None
    line = diff_line(_task_log(logs_dir, caught), EDITED) if entry else None
    named = bool(entry and EDITED_FIELD in entry.get("fields", []) and line and EDITED_FIELD in line)
    verdict = f"caught: {line}" if named else "NOT caught as expected"
    lines.append(f"  after the edit   {caught.state:<8} {caught.duration or 0:5.1f} s  {verdict}")
    ok = clean.state == "success" and caught.state == "failed" and named
    if not ok:
        lines.append("ERROR: the drift check did not pass before the edit and fail after it, naming the field")
    return DriftDemoResult(ok, lines)


def _run(api: AirflowApi, timeout: float) -> RunProgress:
    progress = RunProgress(DRIFT_DAG, api.trigger(DRIFT_DAG, note="make demo: drift check"))
    return api.follow([progress], timeout=timeout)[0]


def _xcom(api: AirflowApi, run: RunProgress, key: str) -> Any:
    path = f"{api.prefix}/dags/{quote(run.dag_id)}/dagRuns/{quote(run.run_id)}/taskInstances/{TASK}/xcomEntries/{key}"
    try:
        # The value as stored (JSON): 3.0 refuses deserialize=true unless the API is configured to allow it.
        reply = api.request("GET", path, params={"stringify": "false"})
    except Exception:  # noqa: BLE001 - no such entry: the verdict says "not caught"
        return None
    return reply.get("value") if isinstance(reply, dict) else None


def _task_log(logs_dir: Path, run: RunProgress) -> str:
    folder = logs_dir / f"dag_id={run.dag_id}" / f"run_id={run.run_id}" / f"task_id={TASK}"
    return "\n".join(p.read_text(errors="replace") for p in sorted(folder.glob("attempt=*.log")))
