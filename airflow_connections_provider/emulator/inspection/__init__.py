"""Looking inside a running emulator, for tests.

- `requestlog`: the log of requests received (redacted: no bodies, no headers, no secrets) and
  how paths are matched by tests and scripted faults.
- `access`: who may use `/_emulator` (loopback clients, or the control token).
- `api`: the `/_emulator/...` inspection API and the reports the Python handle shares with it.
"""
