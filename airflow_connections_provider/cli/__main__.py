"""``python -m airflow_connections_provider.cli``: the same as the ``airflow-connections`` console script."""

from __future__ import annotations

import sys

from airflow_connections_provider.cli.main import main

sys.exit(main())
