"""The ways to run the emulator.

- `server`: `create_app` (the ASGI app), `EmulatorServer` (uvicorn in a background thread), and
  TLS: the self-signed certificate for `tls="self-signed"` (HTTPS on loopback).
- `handle`: `run_emulator` and `EmulatorHandle`, the in-process way for tests, with inspection and
  control methods that reach the state directly.
- `cli`: the `airflow-connections-emulator` command (also `python -m airflow_connections_provider.emulator`).

The pytest fixtures are in `airflow_connections_provider.emulator.pytest_plugin` (a stable path
users name with `-p` or `pytest_plugins`); they start emulators through `handle`.
"""
