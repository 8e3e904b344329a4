"""Apache Airflow provider for IBM data platform connection assets.

Kept import-light on purpose: DAG files import operators from here, and the DAG processor
pays for every module loaded at parse time.
"""

from __future__ import annotations

__version__ = "0.1.0"
