"""The operators DAG files import: create and update (``ibm``), delete (``delete``) and sync (``sync``),
all re-exported by ``ibm``. What they share with the sensor lives in ``airflow_connections_provider.tasks``.
Kept import-light for DAG parsing."""
