"""What the CeleryExecutor mode adds to the local Airflow stack (``tools/airflow_stack.py``).

A throw-away Redis as the broker: Debian's ``redis-server`` on a loopback port picked here, nothing
persisted (``--save ''``, ``--appendonly no``), its working directory inside the stack's home, stopped by
PID like every other component. Task results go to a database (a SQLite file of their own), as the
Celery provider recommends. Plus the settings, the check that the Celery provider is installed, and
how to tell that ``airflow celery worker`` consumes tasks.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path

from tools.procs import ManagedProcess, free_port, port_open

#: The stack's component name for ``airflow celery worker``.
CELERY_WORKER = "celery-worker"
#: What the Celery worker prints once it consumes tasks ("celery@<host> ready.").
_WORKER_READY = " ready."
RESULTS_DB = "celery-results.db"

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


def celery_settings(redis: RedisServer, *, home: Path, concurrency: int) -> dict[str, str]:
    """The ``AIRFLOW__CELERY__*`` settings of every component."""
    return {
        "AIRFLOW__CELERY__BROKER_URL": redis.url(0),
        # A database result backend, as the Celery provider recommends; its own file, so the worker's
        # result writes do not wait on the metadata database's SQLite lock.
        "AIRFLOW__CELERY__RESULT_BACKEND": f"db+sqlite:///{home / RESULTS_DB}",
        "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(concurrency),
    }


def celery_provider_missing(python: str) -> str | None:
    """Why the CeleryExecutor cannot run in ``python``'s environment and how to fix it, or None."""
    probe = "import importlib.metadata as m; m.version('apache-airflow-providers-celery')"
    found = subprocess.run([python, "-c", probe], capture_output=True, timeout=60, check=False)  # noqa: S603
    if found.returncode == 0:
        return None
    return (
        f"the CeleryExecutor needs apache-airflow-providers-celery in {python}'s environment: use the "
        "environment `EXECUTOR=celery make test-deploy` builds (.venv-af3.3-celery, locks/af3.3-celery.txt), "
        "or install the provider with celery<5.7 (celery 5.7 breaks provider 3.26)"
    )


def worker_ready(log: Path) -> bool:
    """Whether the worker writing ``log`` consumes tasks (the health endpoint knows nothing of workers)."""
    try:
        return _WORKER_READY in log.read_text(errors="replace")
    except OSError:
        return False
