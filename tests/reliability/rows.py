"""What the rows of test_secret_inputs, test_bounded_waits and test_actionable_errors share: an Airflow
connection set from the environment, a trigger run to its one event, and a search for secrets in
everything a failure exposed (its message, its repr, its chained causes, the log records)."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Iterable
from typing import Any

import pytest

from airflow_connections_provider.masking import spellings
from airflow_connections_provider.triggers.ibm import IBMConnectionValidationTrigger, ValidationEvent

CONN_ID = "ibm_row"


class TriggerFailedError(Exception):
    """A trigger's permanent error event, raised so that trigger rows read like the others."""


def set_airflow_conn(
    monkeypatch: pytest.MonkeyPatch, *, conn_id: str = CONN_ID, extra: dict[str, Any] | None = None, **fields: Any
) -> str:
    """An ``ibmdataplatform`` Airflow connection from an ``AIRFLOW_CONN_*`` variable, as a deployment has."""
    conn = {"conn_type": "ibmdataplatform", **fields, "extra": extra or {}}
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(conn))
    return conn_id


def trigger_events(conn_id: str, *, scope_id: str = "p1", connection_id: str = "c1", **kwargs: Any) -> list[Any]:
    """Every event one trigger run yields (by default within 10 s: a trigger that keeps re-testing what it
    should have given up on ends with a timeout event, which the rows then report, instead of hanging)."""
    args = {
        "deadline": time.time() + 10,
        "ibm_conn_id": conn_id,
        "scope_kind": "project_id",
        "scope_id": scope_id,
        "connection_id": connection_id,
        "poll_interval": 0.01,
        "hook_params": {"retry_limit": 1, "retry_delay": 0.01, "max_retry_wait": 0.01},
        **kwargs,
    }

    async def collect() -> list[Any]:
        return [e async for e in IBMConnectionValidationTrigger(**args).run()]

    return [ValidationEvent.from_payload(e.payload) for e in asyncio.run(collect())]


def run_trigger(conn_id: str, **kwargs: Any) -> ValidationEvent:
    """The one event of a trigger run; a permanent error is raised as :class:`TriggerFailedError`."""
    events = trigger_events(conn_id, **kwargs)
    assert len(events) == 1, events
    (event,) = events
    if event.status == "error" and event.permanent:
        raise TriggerFailedError(event.message)
    return event


def exposed_texts(exc: BaseException, caplog: pytest.LogCaptureFixture | None = None) -> list[str]:
    """Every text a failure exposes: message and repr of it and each chained cause or context, log records."""
    texts: list[str] = []
    seen: BaseException | None = exc
    while seen is not None:
        texts += [str(seen), repr(seen)]
        seen = seen.__cause__ or seen.__context__
    if caplog is not None:
        texts.append(caplog.text)
        texts += [repr(record.args) for record in caplog.records if record.args]
    return texts


def leaked(texts: Iterable[str], secrets: Iterable[str]) -> list[str]:
    """The secrets (in any spelling: raw, JSON, repr, bytes) found in ``texts``."""
    found = []
    for text in texts:
        for secret in secrets:
            for spelled in set(spellings(secret)):
                if len(spelled) >= 6 and spelled in text:
                    found.append(f"{spelled[:8]}... in {text[:200]!r}")
    return found


def debug_logging(caplog: pytest.LogCaptureFixture) -> None:
    """Everything the provider and the HTTP libraries log, down to DEBUG, into ``caplog``."""
    caplog.set_level(logging.DEBUG)
    for name in ("airflow_connections_provider", "urllib3", "httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.DEBUG)
