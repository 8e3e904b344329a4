"""What every task of this provider shares, operators and the sensor alike.

- ``base`` — ``IBMBaseOperator``: the hook, the scope, the extra link, masking of rendered secrets,
  Airflow's failure classes from the client's retry-or-fail rule, the asset alias outlet.
- ``arguments`` — the checks of every argument after rendering, before any request.
- ``lookups`` — finding the connection a task acts on, safely across task retries (the create marker).
- ``asset_events`` — one asset event per connection a task created, updated, validated or deleted.

Kept import-light: DAG files import the operators and the sensor, which import only ``base``.
"""
