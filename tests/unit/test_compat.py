"""The version-dependent helpers: the same behaviour on Airflow 2.11 and every 3.x."""

from __future__ import annotations

import ast
import asyncio
import json
import threading
import time
from pathlib import Path

import pytest
from airflow.providers.common.compat.sdk import BaseHook, Connection, redact

from airflow_connections_provider import compat
from airflow_connections_provider.hooks.settings import settings_from_connection

# Airflow 3.3.2 brought a lookup that is async all the way (Connection.aextra_dejson came with it).
NATIVE_ASYNC_LOOKUP = hasattr(Connection, "aextra_dejson")


@pytest.fixture
def ibm_conn(monkeypatch) -> str:
    conn = {
        "conn_type": "ibmdataplatform",
        "host": "https://cpd.example.com",
        "port": 8443,
        "login": "admin",
        "password": "compat-pa55-word",
        "extra": {"auth_type": "cp4d_password", "project": "sales"},
    }
    monkeypatch.setenv("AIRFLOW_CONN_IBM_COMPAT", json.dumps(conn))
    return "ibm_compat"


def test_version_flags_match_the_installed_airflow():
    from importlib import metadata

    major, minor = (int(p) for p in metadata.version("apache-airflow").split(".")[:2])
    assert compat.AIRFLOW_VERSION[:2] == (major, minor)
    assert compat.AIRFLOW_V_3_0_PLUS is (major >= 3)
    assert compat.AIRFLOW_V_3_2_PLUS is ((major, minor) >= (3, 2))


async def test_aget_connection_reads_the_airflow_connection(ibm_conn):
    conn = await compat.aget_connection(ibm_conn)
    settings = settings_from_connection(conn)
    assert settings.client_config.base_url == "https://cpd.example.com:8443"
    assert settings.client_config.credentials.username == "admin"
    assert settings.default_project == "sales"


@pytest.mark.skipif(NATIVE_ASYNC_LOOKUP, reason="Airflow 3.3.2+ looks connections up natively async")
async def test_the_sync_lookup_runs_in_a_worker_thread_while_the_loop_keeps_going(ibm_conn, monkeypatch):
    real_lookup = BaseHook.get_connection.__func__  # type: ignore[attr-defined]
    threads: list[int] = []

    def slow_lookup(cls, conn_id):
        threads.append(threading.get_ident())
        time.sleep(0.3)  # a secrets backend round trip
        return real_lookup(cls, conn_id)

    monkeypatch.setattr(BaseHook, "get_connection", classmethod(slow_lookup))
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticking = asyncio.create_task(ticker())
    conn = await compat.aget_connection(ibm_conn)
    ticking.cancel()
    assert conn.login == "admin"
    assert threads and threads[0] != threading.get_ident()
    assert ticks > 0  # the loop ran other work while the lookup slept (a blocked loop never ticks first)


async def test_amask_secret_masks_from_inside_the_event_loop():
    secret = "compat-token-value-7f3a9"
    await compat.amask_secret(secret)
    assert secret not in str(redact(f"Authorization: Bearer {secret}"))


async def test_amask_secret_reaches_the_triggerers_supervisor_on_the_triggers_loop(monkeypatch):
    """In a triggerer, Airflow 3.x also sends the mask to its supervisor; 3.0's sync masker does it with
    ``async_to_sync(comms.asend)``. Run from the wrong thread, that ran ``asend`` on a second loop and
    the real triggerer died ("Response read out of order")."""
    from asgiref.sync import async_to_sync

    loop = asyncio.get_running_loop()
    sent: list[tuple[str, bool]] = []

    class TriggerComms:  # what Airflow's TriggerCommsDecoder does
        def send(self, msg):
            return async_to_sync(self.asend)(msg)

        async def asend(self, msg):
            sent.append((msg.value, asyncio.get_running_loop() is loop))

    if compat.AIRFLOW_V_3_0_PLUS:
        from airflow.sdk.execution_time import task_runner

        monkeypatch.setattr(task_runner, "SUPERVISOR_COMMS", TriggerComms(), raising=False)
    secret = "compat-trigger-token-2c81e"
    await compat.amask_secret(secret)
    assert sent == ([(secret, True)] if compat.AIRFLOW_V_3_0_PLUS else [])
    assert secret not in str(redact(f"Authorization: Bearer {secret}"))


def _runtime_sdk_imports(tree: ast.AST) -> list[int]:
    """Lines importing ``airflow.sdk`` outside ``if TYPE_CHECKING:`` and outside ``try/except ImportError``."""
    found: list[int] = []

    def visit(node: ast.AST, guarded: bool) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                visit(child, guarded)
            return
        handled = [ast.unparse(h.type) for h in getattr(node, "handlers", []) if h.type is not None]
        if isinstance(node, ast.Try) and any("ImportError" in names for names in handled):
            for child in ast.iter_child_nodes(node):
                visit(child, True)
            return
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("airflow.sdk") and not guarded:
            found.append(node.lineno)
        if isinstance(node, ast.Import) and any(a.name.startswith("airflow.sdk") for a in node.names) and not guarded:
            found.append(node.lineno)
        for child in ast.iter_child_nodes(node):
            visit(child, guarded)

    visit(tree, False)
    return found


def test_no_module_imports_airflow_sdk_directly_at_run_time():
    """``airflow.sdk`` does not exist on Airflow 2.x: names come through common-compat (or compat.py)."""
    package = Path(compat.__file__).parent
    offenders = {
        str(path.relative_to(package)): lines
        for path in sorted(package.rglob("*.py"))
        if (lines := _runtime_sdk_imports(ast.parse(path.read_text())))
    }
    assert offenders == {}
