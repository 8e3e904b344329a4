"""A real local Airflow for demos and deployment tests, on SQLite, on loopback ports picked here.
Airflow 3: api-server, scheduler, dag-processor and triggerer as four separate processes with the
LocalExecutor. Airflow 2.11: webserver, scheduler and triggerer with the SequentialExecutor (the one
Airflow 2 accepts on SQLite); ``tools/stack_flavours.py`` holds what differs between the two.
With ``executor="celery"`` the tasks run on the CeleryExecutor instead: a Redis broker
(``tools/celery_mode.py``) and ``airflow celery worker`` as a fifth component (needs
``apache-airflow-providers-celery`` in the Airflow environment and Debian's ``redis-server``).

Library::

    from tools.airflow_stack import AirflowStack, StackConfig

    with AirflowStack(StackConfig(home=tmp / "airflow", dags_folder=Path("dags_examples"),
                                  env={"AIRFLOW_CONN_MY_DB": "{...}"})) as stack:
        stack.api.wait_for_dags(["my_dag"])
        stack.api.set_paused("my_dag", False)
        [run] = stack.api.follow([RunProgress("my_dag", stack.api.trigger("my_dag"))])

CLI (``python -m tools.stack_cli --help``): ``start`` (leaves it running,
records PIDs in ``<home>/stack.json``: ``tools/stack_state.py``), ``stop`` (by those PIDs), ``run``
(start, trigger DAGs, follow, stop).

The home is throw-away: ``start`` wipes it. Every component gets the same environment: the caller's
``env`` (``AIRFLOW_CONN_*``/``AIRFLOW_VAR_*`` JSON, extra ``AIRFLOW__*`` settings) on top of the
settings below; inherited ``AIRFLOW*`` variables are dropped so a test session's setup cannot leak in.

Components run in sessions of their own (``tools/procs.py``), so they outlive a caller that dies without
running its ``finally`` blocks, as Python does on SIGTERM by default: callers that may get one wrap the
stack in ``tools.procs.sigterm_interrupts()`` (the CLI does; the demo has its own; under pytest the
test suite's plugin ``tests/support/termination.py`` does it for every test).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tools.airflow_api import AirflowApi
from tools.celery_mode import (
    CELERY_WORKER,
    RedisError,
    RedisServer,
    celery_provider_missing,
    celery_settings,
    worker_ready,
)
from tools.procs import ManagedProcess, free_port, listens_on, stop_processes
from tools.stack_flavours import AIRFLOW_3, Flavour, flavour_of
from tools.stack_state import forget_stack, record_stack, stop_stack

__all__ = ["EXECUTORS", "AirflowStack", "StackConfig", "StackError", "stop_stack"]

#: ``StackConfig.executor`` values (what each means on Airflow 2 and 3: ``Flavour.executors``).
EXECUTORS = ("local", "celery")


class StackError(RuntimeError):
    """The stack could not start; the message carries the end of the failing component's log."""


@dataclass(frozen=True)
class StackConfig:
    """How to run the stack.

    :param home: AIRFLOW_HOME, wiped and re-created on start (database, logs, config live there).
    :param dags_folder: the DAGs folder the dag-processor (the scheduler on 2.x) parses.
    :param env: extra environment for every component (connections, Variables, settings).
    :param host: loopback address every component binds.
    :param python: interpreter of the environment where Airflow is installed.
    :param parallelism: task slots of the LocalExecutor.
    :param startup_timeout: seconds for ``db migrate`` plus all components to report healthy.
    :param username: the UI/REST user: simple auth manager user on 3.x, FAB Admin user on 2.x (its
        password is generated at start).
    :param scheduled_runs: let the scheduler create runs from DAG schedules. Off by default: unpausing a
        scheduled DAG with ``catchup=False`` would at once start a run for its latest past interval,
        beside the runs the caller triggers.
    :param db_cache: a directory keeping a freshly migrated, empty metadata database per Airflow version;
        later starts copy it instead of running ``airflow db migrate`` again (saves 5-15 s).
    :param stop_grace: seconds between SIGTERM and SIGKILL on stop (the triggerer takes ~13 s to exit by
        itself on a busy machine; the home is thrown away anyway).
    :param executor: ``"local"`` (LocalExecutor; SequentialExecutor on Airflow 2) or ``"celery"``
        (CeleryExecutor, Airflow 3 only: Redis as the broker, a separate SQLite file as the result
        backend, ``airflow celery worker`` with ``parallelism`` slots).
    """

    home: Path
    dags_folder: Path
    env: Mapping[str, str] = field(default_factory=dict)
    host: str = "127.0.0.1"
    python: str = sys.executable
    parallelism: int = 4
    startup_timeout: float = 180.0
    username: str = "admin"
    scheduled_runs: bool = False
    db_cache: Path | None = None
    executor: str = "local"
    stop_grace: float = 5.0

    def __post_init__(self) -> None:
        if self.executor not in EXECUTORS:
            raise ValueError(f"executor {self.executor!r} is not one of {', '.join(EXECUTORS)}")


class AirflowStack:
    """Start, use and stop one local Airflow. ``start()`` returns once every component is healthy."""

    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.home = config.home.resolve()
        self.processes: dict[str, ManagedProcess] = {}
        self.api_port = 0
        self._ports = (0, 0)  # the log servers'; picked with api_port, right before the components start
        self.password = ""
        self._api: AirflowApi | None = None
        self.redis: RedisServer | None = None
        #: What this Airflow's generation runs (known once ``start()`` looked at the installed Airflow).
        self.flavour: Flavour = AIRFLOW_3
        self._overrides: dict[str, str] = {}  # settings given to ``restart``

    # --- addresses and files ---
    @property
    def url(self) -> str:
        return f"http://{self.config.host}:{self.api_port}"

    @property
    def login(self) -> tuple[str, str]:
        """(user, password) for the UI's login page."""
        return self.config.username, self.password

    @property
    def api(self) -> AirflowApi:
        if self._api is None:
            self._api = AirflowApi(
                self.url,
                username=self.config.username,
                password=self.password,
                api_version=self.flavour.api_version,
            )
        return self._api

    @property
    def logs_dir(self) -> Path:
        """Task logs: ``dag_id=…/run_id=…/task_id=…/attempt=N.log`` (and ``….trigger.*.log``)."""
        return self.home / "logs"

    def component_log(self, name: str) -> Path:
        return self.home / "components" / f"{name}.log"

    # --- lifecycle ---
    def environment(self) -> dict[str, str]:
        """The environment every component runs with."""
        base = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
        # Airflow's environment first on PATH: Airflow 2's SequentialExecutor runs `airflow tasks run`.
        base["PATH"] = os.pathsep.join([str(Path(self.config.python).parent), base.get("PATH", os.defpath)])
        host, home = self.config.host, str(self.home)
        settings = {
            "AIRFLOW_HOME": home,
            "AIRFLOW__CORE__DAGS_FOLDER": str(self.config.dags_folder.resolve()),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": self.flavour.executor_name(self.config.executor),
            "AIRFLOW__CORE__PARALLELISM": str(self.config.parallelism),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
            "AIRFLOW__CORE__FERNET_KEY": self._fernet_key,
            # Log servers listen on fixed ports by default: pick free ones so stacks can run side by side.
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(self._ports[0]),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(self._ports[1]),
            "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": str(self.config.scheduled_runs),
            # Scheduled DAGs stay paused until the caller unpauses what it triggers.
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
            **self.flavour.server_settings(
                host=host,
                port=self.api_port,
                url=self.url,
                secret=self._secret,
                username=self.config.username,
                home=self.home,
            ),
        }
        if self.redis is not None:
            settings |= celery_settings(self.redis, home=self.home, concurrency=self.config.parallelism)
        return {**base, **settings, **self.config.env, **self._overrides}

    def components(self) -> dict[str, list[str]]:
        """Each component's ``airflow`` sub-command, in start order."""
        commands = {name: list(command) for name, command in self.flavour.components.items()}
        if self.config.executor == "celery":
            commands[CELERY_WORKER] = ["celery", "worker"]
        return commands

    def start(self) -> AirflowStack:
        """Wipe the home, migrate the database, start the components, wait until all are healthy."""
        self.flavour = flavour_of(self.config.python)
        self.flavour.executor_name(self.config.executor)  # fails before anything starts
        if self.home.exists():
            stop_stack(self.home)  # a stack left from an earlier run with this home
            shutil.rmtree(self.home)
        self.home.mkdir(parents=True)
        self._secret = secrets.token_urlsafe(32)
        self._fernet_key = _fernet_key()  # the same for every component: they share encrypted connections
        self._overrides = {}
        self.password = secrets.token_urlsafe(12)
        (self.home / "passwords.json").write_text(json.dumps({self.config.username: self.password}))
        try:
            if self.config.executor == "celery":
                self._start_redis()
            env = self.environment()  # no ports yet: neither command listens
            self._migrate(env)
            self._create_user(env)
            # Ports are picked last, right before the components bind them: a port picked before the
            # migration (5-15 s) could be taken meanwhile by another stack starting on this machine.
            host = self.config.host
            self.api_port, self._ports = free_port(host), (free_port(host), free_port(host))
            env = self.environment()
            for name, command in self.components().items():
                process = ManagedProcess(
                    name, [self.config.python, "-m", "airflow", *command], self.component_log(name), env
                )
                self.processes[name] = process.start()
                self._write_state()
            self._wait_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def restart(self, name: str, settings: Mapping[str, str]) -> None:
        """Stop one component and start it again with ``settings`` on top of its environment, kept for
        later restarts (the demo turns the scheduler's ``use_job_schedule`` on once its own runs ended).
        Its new output goes to ``components/<name>.restarted.log``, after the first one's."""
        process = self.processes[name]
        process.stop(grace=self.config.stop_grace)
        self._overrides = {**self._overrides, **settings}
        restarted = ManagedProcess(
            name, list(process.argv), self.component_log(f"{name}.restarted"), self.environment()
        ).start()
        self.processes[name] = restarted
        self._write_state()

    def _start_redis(self) -> None:
        problem = celery_provider_missing(self.config.python)
        if problem:
            raise StackError(problem)
        # Redis gets the stack's environment too: stop_stack() recognises its PID by AIRFLOW_HOME.
        marker_env = {**os.environ, "AIRFLOW_HOME": str(self.home)}
        self.redis = RedisServer(
            workdir=self.home / "redis", log=self.component_log("redis"), env=marker_env, host=self.config.host
        )
        try:
            self.redis.start()
        except RedisError as exc:
            raise StackError(str(exc)) from exc
        self._write_state()

    def _migrate(self, env: Mapping[str, str]) -> None:
        cached = self._cached_db()
        if cached is not None and cached.exists():
            shutil.copyfile(cached, self.home / "airflow.db")
            return
        self._run_migrate(env)
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            partial = cached.with_suffix(f".{os.getpid()}.tmp")
            shutil.copyfile(self.home / "airflow.db", partial)
            partial.replace(cached)  # atomic: a concurrent start never copies half a file

    def _cached_db(self) -> Path | None:
        if self.config.db_cache is None:
            return None
        return self.config.db_cache / f"airflow-{self.flavour.version_text}.db"

    def _run_migrate(self, env: Mapping[str, str]) -> None:
        self._run_once("db-migrate", [self.config.python, "-m", "airflow", "db", "migrate"], env)

    def _create_user(self, env: Mapping[str, str]) -> None:
        argv = self.flavour.create_user_argv(self.config.python, self.config.username, self.password)
        if argv is not None:
            self._run_once("create-user", argv, env)

    def _run_once(self, name: str, argv: list[str], env: Mapping[str, str]) -> None:
        """Run one ``airflow`` command to its end; its output goes to the component log ``name``."""
        log = self.component_log(name)
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("wb") as out:
            try:
                done = subprocess.run(  # noqa: S603 - argv built by us
                    argv,
                    env=dict(env),
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    timeout=self.config.startup_timeout,
                    check=False,
                )
            except subprocess.TimeoutExpired:  # run() has killed it
                raise StackError(
                    f"airflow {name} did not finish in {self.config.startup_timeout:.0f} s; see {log}:\n{_tail(log)}"
                ) from None
        if done.returncode != 0:
            raise StackError(f"airflow {name} failed ({done.returncode}); see {log}:\n{_tail(log)}")

    def check_running(self, when: str = "while running") -> None:
        """Raise ``StackError`` with the end of its log when a component has exited (callers following a
        run call it on every poll: a dead scheduler would otherwise look like a slow run)."""
        for name, process in self.processes.items():
            if not process.running():
                raise StackError(f"airflow {name} exited {when}; see {process.log}:\n{process.tail()}")

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + self.config.startup_timeout
        wanted = ["metadatabase", *self.flavour.health_names.values()]
        while True:
            self.check_running("at start")
            missing = self.api.unhealthy(wanted)
            if CELERY_WORKER in self.processes and not worker_ready(self.component_log(CELERY_WORKER)):
                missing.append(CELERY_WORKER)
            if not missing:
                self._check_serving()
                return
            if time.monotonic() > deadline:
                raise StackError(
                    f"not healthy after {self.config.startup_timeout:.0f} s: {', '.join(missing)}; "
                    f"component logs in {self.home / 'components'}"
                )
            time.sleep(0.5)

    def _check_serving(self) -> None:
        """The healthy answer came from our server: another process may have bound its port first (our
        server then exits, but perhaps only after that process answered the health check)."""
        server = self.processes[self.flavour.server]
        if not listens_on(server.pid, self.api_port):
            raise StackError(
                f"port {self.api_port} answers, but not from this stack's {self.flavour.server} (another "
                f"process took the port first); start again. Its log: {server.log}"
            )

    def _write_state(self) -> None:
        pids = {name: p.pid for name, p in self.processes.items()}
        if self.redis is not None and self.redis.process is not None:
            pids = {"redis": self.redis.pid, **pids}  # first in, last out: stop_stack() goes in reverse
        record_stack(
            self.home,
            pids=pids,
            url=self.url,
            username=self.config.username,
            executor=self.config.executor,
            airflow=self.flavour.version_text,
        )

    def stop(self) -> None:
        """Stop every component (and everything they started) by PID; forget the recorded state."""
        if self._api is not None:
            self._api.close()
            self._api = None
        try:
            stop_processes(list(self.processes.values()), grace=self.config.stop_grace)
        finally:
            if self.redis is not None:
                self.redis.stop()  # after the worker and the scheduler, its clients; even if they failed to stop
        forget_stack(self.home)

    def __enter__(self) -> AirflowStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _fernet_key() -> str:
    from cryptography.fernet import Fernet  # installed with Airflow

    return Fernet.generate_key().decode()


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
