"""A throw-away Redis for the CeleryExecutor mode of the local Airflow stack (``tools/airflow_stack.py``).

Debian's ``redis-server`` on a loopback port picked here, nothing persisted (``--save ''``,
``--appendonly no``), its working directory inside the stack's home, stopped by PID like every other
component. It is the Celery broker only: task results go to a database, as the Celery provider recommends.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Mapping
from pathlib import Path

from tools.procs import ManagedProcess, free_port, port_open

INSTALL_HINT = "install it with `apt-get install redis-server` (make test-deploy does this when EXECUTOR=celery)"


class RedisError(RuntimeError):
    """Redis is missing or did not start; the message says why and what to do."""


class RedisServer:
    """One ``redis-server`` process. ``start()`` returns once it accepts connections.

    :param workdir: its working directory (nothing is written there with persistence off).
    :param log: where its output goes.
    :param env: its environment (the stack passes its own, so a recorded PID can be checked as ours).
    :param host: loopback address it binds.
    :param binary: the server executable, looked up on PATH.
    :param startup_timeout: seconds until it must accept connections.
    """

    def __init__(
        self,
        *,
        workdir: Path,
        log: Path,
        env: Mapping[str, str],
        host: str = "127.0.0.1",
        binary: str = "redis-server",
        startup_timeout: float = 20.0,
    ) -> None:
        self.workdir = workdir
        self.log = log
        self.env = env
        self.host = host
        self.binary = binary
        self.startup_timeout = startup_timeout
        self.port = 0
        self.process: ManagedProcess | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://{self.host}:{self.port}/{db}"

    @property
    def pid(self) -> int:
        assert self.process is not None, "redis was not started"
        return self.process.pid

    def start(self) -> RedisServer:
        executable = shutil.which(self.binary)
        if executable is None:
            raise RedisError(f"{self.binary} not found on PATH: the CeleryExecutor mode needs Redis; {INSTALL_HINT}")
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port(self.host)
        argv = [
            executable,
            "--port", str(self.port),
            "--bind", self.host,
            "--save", "",
            "--appendonly", "no",
            "--dir", str(self.workdir),
        ]  # fmt: skip
        self.process = ManagedProcess("redis", argv, self.log, self.env).start()
        deadline = time.monotonic() + self.startup_timeout
        while not port_open(self.host, self.port):
            if not self.process.running():
                raise RedisError(f"redis-server exited at start; see {self.log}:\n{self.process.tail()}")
            if time.monotonic() > deadline:
                self.stop()
                raise RedisError(f"redis-server not accepting connections after {self.startup_timeout:.0f} s")
            time.sleep(0.1)
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
