"""The client side of each benchmark, run in a fresh interpreter (``python -m benchmarks.jobs``).

The job comes as JSON on stdin; one JSON line goes to stdout: the job's own figures plus
``wall_s``, ``cpu_s``, ``rss_before_mb`` and ``peak_rss_mb`` measured around the work only.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from typing import Any

from benchmarks.emulator_proc import spec_entries
from benchmarks.measure import measured


class RetryWaits:
    """The client's sleep between attempts, counted: how many retry waits, and their seconds in all."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0
        self._lock = threading.Lock()

    def __call__(self, seconds: float) -> None:
        with self._lock:
            self.count += 1
            self.seconds += seconds
        time.sleep(seconds)


def client_for(job: dict[str, Any], *, sleep: Any = None) -> Any:
    from airflow_connections_provider.client import (
        AuthType,
        ClientConfig,
        ConnectionsClient,
        Credentials,
        RetryPolicy,
    )

    credentials = Credentials(AuthType.IAM_API_KEY, api_key=job["api_key"], iam_url=job["url"])
    # Short retry waits: a benchmark measures the happy path, and 429s are honoured via Retry-After.
    retry = RetryPolicy(retry_limit=9, retry_delay=0.05, max_retry_wait=5.0)
    config = ClientConfig(credentials, base_url=job["url"], retry=retry, timeout=60.0)
    return ConnectionsClient(config, sleep=sleep)


def sync_job(job: dict[str, Any]) -> dict[str, Any]:
    """Our declarative sync: check the spec, list once, write only what changed."""
    import airflow.sdk.log  # noqa: F401 - loaded in any task; the sync masks values through it

    from airflow_connections_provider.client import Scope
    from airflow_connections_provider.sync.runner import SyncRequest, run_sync
    from airflow_connections_provider.sync.spec import mask_spec_secrets

    masked = _count_masking() if not job.get("airflow_masker", True) else None
    entries = spec_entries(job["count"])
    request = SyncRequest(
        spec=entries, max_concurrency=job.get("max_concurrency", 8), test=False, fingerprint_variable=None
    )
    waits = RetryWaits()
    with client_for(job, sleep=waits) as client, measured() as figures:
        # What the operator does once the spec is rendered (the first net), then the sync (the second).
        mask_spec_secrets(entries)
        summary = run_sync(client, Scope.project(job["project_id"]), request, log=_QuietLog())
    return {
        **figures,
        "created": len(summary["created"]),
        "updated": len(summary["updated"]),
        "unchanged": len(summary["unchanged"]),
        "failed": len(summary["failed"]),
        "secrets_masked": masked[0] if masked is not None else None,
        "retry_waits": waits.count,
        "retry_wait_s": round(waits.seconds, 3),
    }


def _count_masking() -> list[int]:
    """Stand in for Airflow's ``mask_secret``: count the secrets instead of registering them.

    Airflow's masker recompiles one regex of every secret it knows for each new secret, so
    registering N distinct secrets costs O(N^2) (minutes at 1,000, hours at 10,000). Replacing
    it isolates the sync's own cost; ``masking_cost`` measures the masker separately.
    """
    import airflow.sdk.log

    calls = [0]

    def count(secret: Any, name: str | None = None) -> None:
        calls[0] += 1

    airflow.sdk.log.mask_secret = count  # type: ignore[assignment]
    return calls


def item_by_item_job(job: dict[str, Any]) -> dict[str, Any]:
    """Our client used the way IBM's SDK must be: look each entry up by name, compare, update."""
    from airflow_connections_provider.client import ConnectionChanges, Scope

    entries = spec_entries(job["count"])
    scope = Scope.project(job["project_id"])
    updated = unchanged = 0
    with client_for(job) as client, measured() as figures:
        for entry in entries:
            current = client.find_connection(scope, entry["name"])
            assert current is not None, entry["name"]
            wanted = {k: v for k, v in entry["properties"].items() if k != "password"}  # secrets never read back
            drift = {k: v for k, v in wanted.items() if str(current.properties.get(k)) != str(v)}
            if drift:
                client.update_connection(
                    scope, current.id, ConnectionChanges(set_properties=drift), test=False, current=current
                )
                updated += 1
            else:
                unchanged += 1
    return {**figures, "updated": updated, "unchanged": unchanged}


def hook_calls_job(job: dict[str, Any]) -> dict[str, Any]:
    """Many calls through one hook (an Airflow connection from the environment): tokens per lifetime."""
    from benchmarks.airflow_names import hook_class

    hook = hook_class()(**{job["conn_arg"]: job["conn_id"]})
    with measured() as figures:
        for _ in range(job["calls"]):
            hook.client.version()
    hook.close()
    return {**figures, "calls": job["calls"]}


def triggers_job(job: dict[str, Any]) -> dict[str, Any]:
    from benchmarks.trigger_load import run_trigger_load

    return run_trigger_load(job)


class _QuietLog:
    """The sync logs a line per write; a benchmark does not want 100,000 of them on stderr."""

    def info(self, *args: Any, **kwargs: Any) -> None:
        pass

    def warning(self, *args: Any, **kwargs: Any) -> None:
        pass

    def error(self, msg: str, *args: Any, **kwargs: Any) -> None:
        print(msg % args, file=sys.stderr)


def masking_cost_job(job: dict[str, Any]) -> dict[str, Any]:
    """``count`` distinct secrets handed to Airflow's masker: one by one (Airflow's public ``mask_secret``,
    what the sync did before) or as one batch (``masking.mask_texts``, what it does now)."""
    from airflow.providers.common.compat.sdk import mask_secret, redact

    from airflow_connections_provider.masking import mask_texts

    secrets = [f"pw-{i}-secret" for i in range(job["count"])]
    with measured() as figures:
        if job["mode"] == "batch":
            mask_texts(secrets)
        else:
            for secret in secrets:
                mask_secret(secret)
    # Not timed: the check that they are masked, whichever the path. Airflow's redact costs ~40 µs per
    # character of text at 100,000 secrets, so above 10,000 every 100th one is checked (and the last).
    checked = secrets if len(secrets) <= 10_000 else [*secrets[::100], secrets[-1]]
    shown = str(redact(" ".join(checked)))
    return {**figures, "secrets": len(secrets), "checked": len(checked), "unmasked": sum(s in shown for s in checked)}


JOBS = {
    "masking_cost": masking_cost_job,
    "sync": sync_job,
    "item_by_item": item_by_item_job,
    "hook_calls": hook_calls_job,
    "triggers": triggers_job,
}


def main() -> None:
    job = json.loads(sys.stdin.read())
    result = JOBS[job["kind"]](job)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
