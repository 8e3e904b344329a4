"""``python -m airflow_connections_provider.cli``: the same as the ``airflow-connections`` console script."""

from __future__ import annotations

import sys

from airflow_connections_provider.cli.main import main

if __name__ == "__main__":  # importing the module (a walk of every module) must not run the command
    sys.exit(main())
