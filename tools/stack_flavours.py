"""What differs between an Airflow 2.x and an Airflow 3.x deployment of the local stack
(``tools/airflow_stack.py``): its components, settings, users and REST API.

==================  ==============================================  =====================================
                    Airflow 3.x                                     Airflow 2.x (2.11)
==================  ==============================================  =====================================
components          api-server, scheduler, dag-processor, triggerer  webserver, scheduler, triggerer (the
                                                                    scheduler parses the DAGs)
REST API            ``/api/v2``, a token from the simple auth        ``/api/v1``, HTTP basic auth of a FAB
                    manager (``POST /auth/token``)                   user made with ``airflow users create``
UI login            ``/auth/login`` (simple auth manager)            ``/login/`` (Flask AppBuilder)
local executor      LocalExecutor on SQLite                          SequentialExecutor: Airflow 2 refuses
                                                                    any other executor on SQLite
==================  ==============================================  =====================================
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path


@dataclass(frozen=True)
class Flavour:
    """How to run one Airflow generation.

    :param version: the installed Airflow's ``(major, minor, patch)``.
    :param components: each component's name and ``airflow`` sub-command, in start order.
    :param server: the component serving the UI and the REST API (one of ``components``).
    :param health_names: component name -> its entry in the health report (components that report).
    :param api_version: REST API generation: 2 (``/api/v2``, token) or 1 (``/api/v1``, basic auth).
    :param executors: ``StackConfig.executor`` -> Airflow's executor name, for the executors this
        generation accepts on SQLite.
    :param login_path: the UI's login page.
    """

    version: tuple[int, ...]
    components: Mapping[str, tuple[str, ...]]
    server: str
    health_names: Mapping[str, str]
    api_version: int
    executors: Mapping[str, str]
    login_path: str

    @property
    def major(self) -> int:
        return self.version[0]

    @property
    def version_text(self) -> str:
        return ".".join(map(str, self.version))

    def executor_name(self, executor: str) -> str:
        """Airflow's executor for ``executor``; says why when this Airflow cannot run it on SQLite."""
        try:
            return self.executors[executor]
        except KeyError:
            raise ValueError(
                f"executor {executor!r} is not available on Airflow {self.version_text} with SQLite "
                f"(available: {', '.join(self.executors)}); Airflow 2 runs only the SequentialExecutor on "
                "SQLite: use Airflow 3 for the CeleryExecutor mode"
            ) from None

    def server_settings(
        self, *, host: str, port: int, url: str, secret: str, username: str, home: Path
    ) -> dict[str, str]:
        """The settings of the UI/REST server and its authentication."""
        if self.major >= 3:
            return {
                "AIRFLOW__API__HOST": host,
                "AIRFLOW__API__PORT": str(port),
                "AIRFLOW__API__BASE_URL": url,
                "AIRFLOW__API__WORKERS": "1",
                "AIRFLOW__API__SECRET_KEY": secret,
                "AIRFLOW__API_AUTH__JWT_SECRET": secret,
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{url}/execution/",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{username}:admin",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
                "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            }
        fab_backend = "airflow.providers.fab.auth_manager.api.auth.backend"  # core 2.11 keeps only a shim
        return {
            "AIRFLOW__WEBSERVER__WEB_SERVER_HOST": host,
            "AIRFLOW__WEBSERVER__WEB_SERVER_PORT": str(port),
            "AIRFLOW__WEBSERVER__BASE_URL": url,
            "AIRFLOW__WEBSERVER__WORKERS": "1",
            "AIRFLOW__WEBSERVER__SECRET_KEY": secret,
            # gunicorn's 120 s defaults are too short for a worker booting on a busy 2-core machine.
            "AIRFLOW__WEBSERVER__WEB_SERVER_MASTER_TIMEOUT": "300",
            "AIRFLOW__WEBSERVER__WEB_SERVER_WORKER_TIMEOUT": "300",
            # The REST API with HTTP basic auth for scripts, and the browser's session for the UI.
            "AIRFLOW__API__AUTH_BACKENDS": f"{fab_backend}.basic_auth,airflow.api.auth.backend.session",
            # The scheduler lists the DAGs folder every 5 minutes by default.
            "AIRFLOW__SCHEDULER__DAG_DIR_LIST_INTERVAL": "5",
        }

    def create_user_argv(self, python: str, username: str, password: str) -> list[str] | None:
        """The command that creates the UI/REST user after ``db migrate`` (None: 3.x reads a file)."""
        if self.major >= 3:
            return None
        return [
            python, "-m", "airflow", "users", "create", "--role", "Admin",
            "--username", username, f"--password={password}",  # "=": a generated password may start with "-"
            "--email", f"{username}@example.com", "--firstname", username, "--lastname", "Deploy",
        ]  # fmt: skip


AIRFLOW_3 = Flavour(
    version=(3,),
    components={name: (name,) for name in ("api-server", "scheduler", "dag-processor", "triggerer")},
    server="api-server",
    health_names={"scheduler": "scheduler", "dag-processor": "dag_processor", "triggerer": "triggerer"},
    api_version=2,
    executors={"local": "LocalExecutor", "celery": "CeleryExecutor"},
    login_path="/auth/login",
)
AIRFLOW_2 = Flavour(
    version=(2,),
    components={name: (name,) for name in ("webserver", "scheduler", "triggerer")},
    server="webserver",
    health_names={"scheduler": "scheduler", "triggerer": "triggerer"},
    api_version=1,
    executors={"local": "SequentialExecutor"},
    login_path="/login/",
)


def installed_airflow(python: str) -> tuple[int, ...]:
    """The Airflow version installed in ``python``'s environment, as ``(major, minor, patch)``."""
    code = "import importlib.metadata as m; print(m.version('apache-airflow'))"
    text = subprocess.run(  # noqa: S603 - fixed argv
        [python, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout.strip()
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def flavour_of(python: str) -> Flavour:
    """The flavour of the Airflow installed in ``python``'s environment."""
    version = installed_airflow(python)
    base = AIRFLOW_3 if version[0] >= 3 else AIRFLOW_2
    return replace(base, version=version)
