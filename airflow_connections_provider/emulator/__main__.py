"""`python -m airflow_connections_provider.emulator`: the same as `airflow-connections-emulator`."""

from __future__ import annotations

import sys

from .run.cli import main

sys.exit(main())
