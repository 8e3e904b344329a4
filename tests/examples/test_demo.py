"""``make demo``'s script, for real: four Airflow components, the emulator and the data sources as
separate processes, the runs triggered over REST, the sensor deferred to the triggerer. Afterwards no
process it started may be left, whatever happened."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from airflow_connections_provider.compat import AIRFLOW_VERSION
from tests.support.airflow_range import HIGHEST, LOWEST_AIRFLOW_3, RUNNING
from tools.demo import ROOT, stop_demo
from tools.procs import alive, descendants, port_open, start_ticks, stop_trees


@pytest.mark.skipif(
    RUNNING not in (LOWEST_AIRFLOW_3, HIGHEST),
    reason="the whole demo runs at the two ends of the Airflow 3 range (make demo's own Airflow is the "
    "highest); every example DAG also runs with dag.test() on each minor (test_example_runs.py)",
)
@pytest.mark.timeout(600)  # the demo gets 480 s below, then its own clean-up time
def test_demo_runs_every_example_in_a_real_airflow_and_leaves_nothing_running(tmp_path):
    workdir = tmp_path / "demo"
    output = tmp_path / "demo.out"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    # Every process the demo starts descends from it while it runs: collect them all (PID and start
    # time, which names one process for good) to check afterwards that none is left.
    started: set[tuple[int, int | None]] = set()
    with output.open("w") as out:
        demo = subprocess.Popen(
            [sys.executable, "-m", "tools.demo", "--workdir", str(workdir), "--timeout", "300"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 480
        while demo.poll() is None and time.monotonic() < deadline:
            started |= {(pid, start_ticks(pid)) for pid in descendants(demo.pid)}
            time.sleep(0.5)
        if demo.poll() is None:
            os.kill(demo.pid, signal.SIGTERM)  # the demo stops what it started on SIGTERM
            demo.wait(60)
    finally:
        if demo.poll() is None:
            # Interrupted (pytest got SIGTERM, or this test failed): let the demo stop what it started.
            os.kill(demo.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                demo.wait(60)
        stop_demo(workdir)  # in case the demo itself could not clean up
        if demo.poll() is None:
            demo.kill()
            demo.wait()
    text = output.read_text()

    assert demo.returncode == 0, text[-6000:]
    assert "Demo succeeded" in text
    for dag_id in (
        "bootstrap_project_connections",
        "sync_connections_from_spec",
        "provision_partner_feeds",
        "rotate_connection_credentials",
        "reload_orders_after_rotation",
    ):
        assert f"  {dag_id:<31} success" in text, dag_id
    # The scheduler started the DAG scheduled on orders-db's asset; it saw the rotation's event.
    assert re.search(
        r"orders-db updated +postgresql validated +changed: properties\.password +"
        r"by rotate_connection_credentials\.rotate_secret\[0\]",
        text,
    ), text[-3000:]
    assert "inventory-db updated" not in text  # the drill was refused: no event
    # Each connection a task touched is an asset on Airflow's Assets page (bootstrap 4, sync 4, feeds 3).
    # Before 3.3 the scheduler's orphan check (once a minute) drops from that page an asset no DAG
    # declares, as event-created connection assets are; orders-db stays, the follower is scheduled on it.
    if AIRFLOW_VERSION >= (3, 3):
        assert "Connection assets on Airflow's Assets page: 11 of 11" in text
    else:
        assert re.search(r"Connection assets on Airflow's Assets page: (1[01]|[1-9]) of 11", text), text[-3000:]
    assert "orders-db: " in text and "deferred to the triggerer" in text
    assert "failed as designed" in text
    # The hourly drift check: quiet right after the sync, then catching an edit made through the service.
    assert re.search(r"before the edit  success", text), text[-3000:]
    assert "caught: ~ analytics-events" in text and "properties.url" in text
    assert "deleted    1  analytics-legacy-ftp" in text
    assert "untouched  1  notebook-scratch" in text
    assert "(login: admin / " in text
    logs = workdir / "airflow-home" / "logs"
    # The follower's task logged the events that started it, the rotation's among them.
    (follower_log,) = logs.glob(
        "dag_id=reload_orders_after_rotation/run_id=asset_triggered__*/task_id=what_changed/*.log"
    )
    assert re.search(
        r"orders-db updated by rotate_connection_credentials\.rotate_secret at [0-9:]+: postgresql, "
        r"changed: properties\.password, validated by the service",
        follower_log.read_text(),
    )
    # The triggerer really ran the sensor's trigger: its part of the task log exists.
    assert list(logs.rglob("*.trigger.*.log"))
    # Secrets (tools.demo_world names them "<what>-pw-…", "cos-key-…") reach no output and no log.
    texts = [text, *(p.read_text(errors="replace") for p in workdir.rglob("*.log"))]
    for prefix in ("orders-pw-", "inventory-pw-", "cos-key-", "wrong-pw-"):
        assert not [t for t in texts if prefix in t], prefix
    # The connections and Variables live in the metadata database, encrypted with the demo's Fernet key.
    database = workdir / "airflow-home" / "airflow.db"
    with contextlib.closing(sqlite3.connect(database)) as db:
        stored = {row[0]: row[1:] for row in db.execute("SELECT conn_id, password, is_encrypted FROM connection")}
        variables = dict(db.execute("SELECT key, is_encrypted FROM variable"))
    assert sorted(stored) == ["ibm_data_platform_default", "inventory_pg", "landing_cos", "orders_pg"]
    assert all(encrypted and password.startswith("gAAAA") for password, encrypted in stored.values())  # Fernet
    assert {"orders_db_password", "rotation_drill_wrong_password"} <= {
        k for k, encrypted in variables.items() if encrypted
    }
    raw = database.read_bytes()
    for secret in (b"orders-pw-", b"inventory-pw-", b"cos-key-", b"wrong-pw-", b"emulator-api-key"):
        assert secret not in raw, secret
    # Nothing it started is left: no process, no listening API server or emulator.
    assert len(started) >= 6  # four Airflow components, the emulator, the data sources (and tasks)

    def survivors() -> list[int]:
        return [pid for pid, began in started if alive(pid) and start_ticks(pid) == began]

    settle = time.monotonic() + 15  # a process SIGKILLed a moment ago may still be on its way out
    while survivors() and time.monotonic() < settle:
        time.sleep(0.2)
    left = survivors()
    stop_trees(left, grace=5)  # by PID: this test leaves nothing running, even when the demo did
    assert left == []
    for address in re.findall(r"http://127\.0\.0\.1:(\d+)", text):
        assert not port_open("127.0.0.1", int(address)), address
