"""Where in the supported range of Airflow minors (tools/locks.py's table) this test process runs.

A few whole-system tests repeat on every minor what the others already prove there: they run at the
ends of the range only, where `make demo` and `make bench` run (the highest) and at the oldest
Airflow 3, so `make test-matrix` stays within CI's time.
"""

from __future__ import annotations

from airflow_connections_provider.compat import AIRFLOW_VERSION
from tools.locks import AIRFLOW


def _minor(text: str) -> tuple[int, int]:
    major, minor = text.split(".")[:2]
    return int(major), int(minor)


MINORS = sorted(_minor(m) for m in AIRFLOW)
RUNNING = AIRFLOW_VERSION[:2]
#: The minor `make demo`, `make bench` and `make test-deploy` use.
HIGHEST = MINORS[-1]
LOWEST_AIRFLOW_3 = min(m for m in MINORS if m[0] == 3)
