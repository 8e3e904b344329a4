"""``--state FILE``: the secret fingerprints outside Airflow, in the format of the sync's Airflow Variable.

In a task the fingerprints live in an Airflow Variable (``sync.fingerprints``), which the console
script cannot reach. Given ``--state FILE`` it reads (and, for ``apply``, merges and writes) the same
JSON; ``airflow variables get <name> > FILE`` exports a deployment's. Without it, secrets the service
does not return are "unknown": never guessed. The file holds the HMAC key: it is written owner-only
(0600), atomically, and never printed.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from airflow_connections_provider.client import ConfigurationError
from airflow_connections_provider.sync.fingerprints import FingerprintState


class FileStore:
    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> FingerprintState:
        """The state in the file; a fresh one when there is no file yet (as an unset Variable)."""
        try:
            text = self.path.read_text()
        except FileNotFoundError:
            return FingerprintState()
        except OSError as exc:
            raise ConfigurationError(f"--state {self.path} cannot be read ({exc.strerror})") from None
        try:
            data = json.loads(text)
        except ValueError:
            raise ConfigurationError(
                f"--state {self.path} is not JSON; give the value of the sync's fingerprint Variable "
                "(airflow variables get <name>), or a new path"
            ) from None
        return FingerprintState.from_json(data)

    def save(self, state: FingerprintState) -> None:
        directory = self.path.parent if str(self.path.parent) else Path(".")
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{self.path.name}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "w") as out:  # mkstemp makes it 0600
                json.dump(state.to_json(), out)
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
