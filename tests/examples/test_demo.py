"""``make demo``'s script, for real: four Airflow components, the emulator and the data sources as
separate processes, the runs triggered over REST, the sensor deferred to the triggerer. Afterwards no
process it started may be left, whatever happened."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tools.demo import MARKER, ROOT, stop_demo
from tools.procs import environ_of


def processes_of(workdir: Path) -> list[int]:
    """PIDs whose environment ties them to this demo (its Airflow home or its marker)."""
    home = str(workdir / "airflow-home")
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and entry.name != str(os.getpid()):
            env = environ_of(int(entry.name))
            if env.get("AIRFLOW_HOME") == home or env.get(MARKER) == str(workdir):
                found.append(int(entry.name))
    return found


@pytest.mark.timeout(600)  # the demo gets 480 s below, then its own clean-up time
def test_demo_runs_every_example_in_a_real_airflow_and_leaves_nothing_running(tmp_path):
    workdir = tmp_path / "demo"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    demo = subprocess.Popen(
        [sys.executable, "-m", "tools.demo", "--workdir", str(workdir), "--timeout", "300"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        out, _ = demo.communicate(timeout=480)
    except subprocess.TimeoutExpired:
        os.kill(demo.pid, signal.SIGTERM)  # the demo stops what it started on SIGTERM
        out, _ = demo.communicate(timeout=60)
    finally:
        stop_demo(workdir)  # in case the demo itself could not clean up
        if demo.poll() is None:
            demo.kill()
            demo.wait()

    assert demo.returncode == 0, out[-6000:]
    assert "Demo succeeded" in out
    for dag_id in (
        "bootstrap_project_connections",
        "sync_connections_from_spec",
        "provision_partner_feeds",
        "rotate_connection_credentials",
    ):
        assert f"  {dag_id:<31} success" in out, dag_id
    assert "orders-db: " in out and "deferred to the triggerer" in out
    assert "failed as designed" in out
    assert "deleted    1  analytics-legacy-ftp" in out
    assert "untouched  1  notebook-scratch" in out
    assert "Airflow UI: http://127.0.0.1:" in out and "(login: admin / " in out
    # The triggerer really ran the sensor's trigger: its part of the task log exists.
    logs = workdir / "airflow-home" / "logs"
    assert list(logs.rglob("*.trigger.*.log"))
    # Secrets (tools.demo_world names them "<what>-pw-…", "cos-key-…") reach no output and no log.
    texts = [out, *(p.read_text(errors="replace") for p in workdir.rglob("*.log"))]
    for prefix in ("orders-pw-", "inventory-pw-", "cos-key-", "wrong-pw-"):
        assert not [t for t in texts if prefix in t], prefix
    assert processes_of(workdir) == []
