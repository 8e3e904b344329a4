"""The ``airflow-connections`` console script: the sync's plan outside Airflow, for pull requests and CI.

- ``main``: the parser, one subcommand per module, the exit codes and the error boundary.
- ``sync_commands``: ``plan`` and ``apply`` (the sync's spec reader, planner, guard and apply).
- ``explain``: a datasource type's properties, offline from the emulator's catalogue or ``--live``.
- ``settings``: the IBM connection's fields from ``AIRFLOW_CONN_<ID>``, ``IBM_DATA_PLATFORM_*`` and flags.
- ``airflow_env``: ``AIRFLOW_CONN_*``/``AIRFLOW_VAR_*`` values read the way Airflow reads them.
- ``render``: the spec's Jinja template rendered from the environment, unavailable values marked.
- ``state``: ``--state FILE``, the secret fingerprints as a file.
- ``output``: the diff and the ``--json`` document.
- ``common``: exit codes, output streams, the command interface.

It never imports Airflow (nor the emulator, except ``explain``'s offline catalogue): a CI job that
plans pays neither their start-up nor their configuration.
"""
