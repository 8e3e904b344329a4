"""A small client of Airflow's REST API for scripts: log in, wait for DAGs, trigger runs, follow them
to the end. Airflow 3's ``/api/v2`` and Airflow 2's ``/api/v1`` (``api_version=1``): the calls used here
take the same paths and answer the same fields under either prefix.

Authentication on 3.x goes through the simple auth manager's token endpoint: ``POST /auth/token`` with
a user name and password, or ``GET /auth/token`` when ``[core] simple_auth_manager_all_admins`` is on.
On 2.x it is HTTP basic auth of a FAB user (``[api] auth_backends`` must list ``basic_auth``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx

TERMINAL_RUN_STATES = frozenset({"success", "failed"})
TERMINAL_TI_STATES = frozenset({"success", "failed", "skipped", "upstream_failed", "removed"})


class ApiError(RuntimeError):
    """A REST call failed; carries the status and the start of the reply body (never credentials)."""

    def __init__(self, method: str, path: str, status: int, body: str) -> None:
        super().__init__(f"{method} {path} -> {status}: {body[:500]}")
        self.status = status


@dataclass
class RunProgress:
    """What is known about one DAG run; updated on every poll."""

    dag_id: str
    run_id: str
    state: str = "queued"
    start_date: str | None = None
    end_date: str | None = None
    #: (task_id, map_index) -> current state
    tasks: dict[tuple[str, int], str] = field(default_factory=dict)
    #: (task_id, map_index) -> every state seen while following (e.g. proves "deferred" happened)
    seen: dict[tuple[str, int], set[str]] = field(default_factory=dict)
    #: (task_id, map_index) -> the task instance as the API last returned it (durations, labels ...)
    instances: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    #: task_id -> task whose rendered map index labels it too (a sensor mapped over a create's output)
    label_from: dict[str, str] = field(default_factory=dict)

    @property
    def done(self) -> bool:
        return self.state in TERMINAL_RUN_STATES

    @property
    def duration(self) -> float | None:
        if not self.start_date:
            return None
        end = parse_time(self.end_date) if self.end_date else datetime.now(parse_time(self.start_date).tzinfo)
        return (end - parse_time(self.start_date)).total_seconds()

    def count(self, *states: str) -> int:
        return sum(1 for s in self.tasks.values() if s in states)

    def label(self, key: tuple[str, int]) -> str:
        """``task_id`` or ``task_id[<rendered map index>]`` (the connection name in the examples)."""
        task_id, index = key
        if index < 0:
            return task_id
        shown = (self.instances.get(key) or {}).get("rendered_map_index")
        if shown in (None, "", str(index)) and task_id in self.label_from:
            shown = (self.instances.get((self.label_from[task_id], index)) or {}).get("rendered_map_index")
        return f"{task_id}[{shown or index}]"

    def ever(self, state: str) -> list[tuple[str, int]]:
        """Task instances that were in ``state`` at some poll."""
        return sorted(key for key, states in self.seen.items() if state in states)


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class AirflowApi:
    """REST client of one Airflow API server.

    :param base_url: the API server's (webserver's on 2.x) address, e.g. ``http://127.0.0.1:28080``.
    :param username: simple auth manager user (3.x; ``None`` asks for an all-admins token) or FAB user (2.x).
    :param password: that user's password.
    :param api_version: 2 (Airflow 3, ``/api/v2``) or 1 (Airflow 2, ``/api/v1``).
    """

    def __init__(
        self,
        base_url: str,
        *,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
        api_version: int = 2,
    ) -> None:
        if api_version not in (1, 2):
            raise ValueError(f"api_version must be 1 (Airflow 2) or 2 (Airflow 3), not {api_version!r}")
        self.base_url = base_url.rstrip("/")
        self.api_version = api_version
        #: Where the REST API lives: ``/api/v2`` or ``/api/v1``.
        self.prefix = f"/api/v{api_version}"
        self._username = username
        self._password = password
        basic = httpx.BasicAuth(username or "", password or "") if api_version == 1 else None
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout, auth=basic)
        self._token: str | None = None

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> AirflowApi:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- plumbing ---
    def _login(self) -> str:
        if self._username is None:
            reply = self._http.get("/auth/token")
        else:
            reply = self._http.post("/auth/token", json={"username": self._username, "password": self._password})
        if reply.status_code not in (200, 201):
            raise ApiError("login", "/auth/token", reply.status_code, reply.text)
        token: str = reply.json()["access_token"]
        return token

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """One call; ``path`` is absolute (``f"{api.prefix}/connections"``). Raises ``ApiError`` on >= 400."""
        if self.api_version == 1:  # basic auth: the client sends the credentials with every request
            reply = self._http.request(method, path, **kwargs)
            if reply.status_code >= 400:
                raise ApiError(method, path, reply.status_code, reply.text)
            return reply.json() if reply.content else None
        if self._token is None:
            self._token = self._login()
        for attempt in (1, 2):
            reply = self._http.request(method, path, headers={"Authorization": f"Bearer {self._token}"}, **kwargs)
            if reply.status_code == 401 and attempt == 1:
                self._token = self._login()  # expired or from a previous server: log in once more
                continue
            break
        if reply.status_code >= 400:
            raise ApiError(method, path, reply.status_code, reply.text)
        return reply.json() if reply.content else None

    # --- health ---
    def health(self) -> dict[str, Any]:
        """``/api/v2/monitor/health`` (``/api/v1/health``; no login needed); raises ``httpx.HTTPError`` while down."""
        reply = self._http.get(f"{self.prefix}/monitor/health" if self.api_version == 2 else f"{self.prefix}/health")
        reply.raise_for_status()
        result: dict[str, Any] = reply.json()
        return result

    def unhealthy(
        self, components: Iterable[str] = ("metadatabase", "scheduler", "triggerer", "dag_processor")
    ) -> list[str]:
        """The components that do not report healthy yet (everything, while the server is down)."""
        wanted = list(components)
        try:
            report = self.health()
        except httpx.HTTPError:
            return wanted
        return [c for c in wanted if (report.get(c) or {}).get("status") != "healthy"]

    # --- DAGs ---
    def import_errors(self) -> list[dict[str, Any]]:
        return list(self.request("GET", f"{self.prefix}/importErrors", params={"limit": 100})["import_errors"])

    def wait_for_dags(self, dag_ids: Iterable[str], *, timeout: float = 120.0) -> None:
        """Wait until the dag-processor has serialised every DAG; fail at once on an import error."""
        pending = set(dag_ids)
        deadline = time.monotonic() + timeout
        while pending:
            for dag_id in sorted(pending):
                try:
                    self.request("GET", f"{self.prefix}/dags/{quote(dag_id)}/details")
                    pending.discard(dag_id)
                except ApiError as exc:
                    if exc.status != 404:
                        raise
            errors = self.import_errors()
            if errors:
                text = "; ".join(f"{e['filename']}: {e['stack_trace'].strip().splitlines()[-1]}" for e in errors)
                raise RuntimeError(f"DAG import errors: {text}")
            if pending and time.monotonic() > deadline:
                raise TimeoutError(f"DAGs not parsed after {timeout:.0f} s: {', '.join(sorted(pending))}")
            if pending:
                time.sleep(1.0)

    def set_paused(self, dag_id: str, paused: bool) -> None:
        self.request("PATCH", f"{self.prefix}/dags/{quote(dag_id)}", json={"is_paused": paused})

    def trigger(self, dag_id: str, *, conf: dict[str, Any] | None = None, note: str | None = None) -> str:
        """Create a manual run (unpause the DAG for the scheduler to start it); returns its run id."""
        body: dict[str, Any] = {"conf": conf or {}}
        if self.api_version == 2:  # required there (null: no data interval); 2.x picks "now" when absent
            body["logical_date"] = None
        if note:
            body["note"] = note
        run = self.request("POST", f"{self.prefix}/dags/{quote(dag_id)}/dagRuns", json=body)
        run_id: str = run["dag_run_id"]
        return run_id

    def dag_run(self, dag_id: str, run_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request("GET", f"{self.prefix}/dags/{quote(dag_id)}/dagRuns/{quote(run_id)}")
        return result

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        path = f"{self.prefix}/dags/{quote(dag_id)}/dagRuns/{quote(run_id)}/taskInstances"
        return list(self.request("GET", path, params={"limit": 1000})["task_instances"])

    def refresh(self, progress: RunProgress) -> RunProgress:
        run = self.dag_run(progress.dag_id, progress.run_id)
        progress.state = run["state"]
        progress.start_date = run.get("start_date")
        progress.end_date = run.get("end_date")
        progress.tasks = {}  # rebuilt each time: a mapped task's placeholder disappears once expanded
        for ti in self.task_instances(progress.dag_id, progress.run_id):
            key = (ti["task_id"], ti["map_index"])
            state = ti["state"] or "none"
            if state == "removed":
                continue
            progress.tasks[key] = state
            progress.seen.setdefault(key, set()).add(state)
            progress.instances[key] = ti
        return progress

    def follow(
        self,
        runs: Iterable[RunProgress],
        *,
        timeout: float = 600.0,
        interval: float = 1.0,
        on_poll: Callable[[list[RunProgress]], None] | None = None,
        until: Callable[[list[RunProgress]], bool] | None = None,
    ) -> list[RunProgress]:
        """Poll every ``interval`` s until every run ended (or ``until`` says stop); ``on_poll`` sees
        each round. A run still going after ``timeout`` raises ``TimeoutError``."""
        followed = list(runs)
        deadline = time.monotonic() + timeout
        while True:
            for progress in followed:
                if not progress.done:
                    self.refresh(progress)
            if on_poll is not None:
                on_poll(followed)
            if all(p.done for p in followed) or (until is not None and until(followed)):
                return followed
            if time.monotonic() > deadline:
                late = ", ".join(f"{p.dag_id} ({p.state})" for p in followed if not p.done)
                raise TimeoutError(f"DAG runs still going after {timeout:.0f} s: {late}")
            time.sleep(interval)
