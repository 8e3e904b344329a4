"""Looking inside a running emulator, for tests (the request log it reads is `emulator/requestlog.py`).

- `access`: who may use `/_emulator` (loopback clients, or the control token).
- `api`: the `/_emulator/...` inspection API and the reports the Python handle shares with it.
"""
