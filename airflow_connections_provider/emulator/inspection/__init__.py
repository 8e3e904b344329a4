"""Looking inside a running emulator, for tests.

- `requestlog`: the log of requests received (redacted: no bodies, no headers, no secrets) and
  how paths are matched by tests and scripted faults.
- `api`: the `/_emulator/...` control API and the reports the Python handle shares with it.
"""
