"""DAG files import our operators and sensor; parsing them must not pull in the client stack.

The 10 ms budget itself is measured by ``make bench`` (import_cost); this test pins the design that makes it possible:
the hook, client and sync modules are imported when a task runs, never at parse time.
"""

from __future__ import annotations

import json
import subprocess
import sys


def test_importing_operators_and_sensor_loads_no_client_module():
    code = (
        "import json, sys, airflow;"
        "import airflow_connections_provider.operators.ibm, airflow_connections_provider.sensors.ibm;"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('airflow_connections_provider'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True).stdout
    loaded = set(json.loads(out.strip().splitlines()[-1]))
    assert "airflow_connections_provider.operators.ibm" in loaded
    for heavy in ("client", "client.client", "hooks.ibm", "hooks.settings", "sync.runner", "triggers.ibm", "emulator"):
        assert f"airflow_connections_provider.{heavy}" not in loaded
