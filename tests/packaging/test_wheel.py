"""The wheel as users install it: built from this tree, installed alone beside a fresh Airflow.

Without extras, Airflow lists the provider, every provider module imports, the example DAGs parse
(on Airflow 2.x, tests/dags: the examples are written for Airflow 3),
and the wheel requires neither FastAPI nor uvicorn outside its `emulator` extra. With
`[emulator]`, the console script serves and the pytest plugin's fixture runs a test.

The venv holds exactly Airflow (the version this suite runs on, constrained by its lock, as users
install it with Airflow's constraints) and the wheel: none of our dev tools, and the checkout is
never on its path. uv (bootstrapped by `make venv` into .venv-uv) builds and installs; its cache
makes each install take seconds.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.packaging.blocked_imports import dag_folder

ROOT = Path(__file__).resolve().parents[2]
UV = ROOT / ".venv-uv" / "bin" / "uv"
DIST = "airflow-connections-provider"
EMULATOR_ONLY = ("fastapi", "uvicorn")

pytestmark = pytest.mark.timeout(600)


@dataclass(frozen=True)
class InstalledWheel:
    wheel: Path
    python: Path
    lock: Path
    env: dict[str, str]
    work: Path

    def bin(self, name: str) -> Path:
        return self.python.parent / name

    def run(self, *command: str | Path, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [str(c) for c in command],
            capture_output=True,
            text=True,
            env=self.env,
            cwd=self.work,  # never the checkout: only the wheel may provide the provider
            timeout=timeout,
            check=False,
        )
        assert done.returncode == 0, (
            f"{command} exited {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
        return done

    def install(self, *requirements: str) -> None:
        self.run(UV, "pip", "install", "--quiet", "--python", self.python, "-c", self.lock, *requirements)


def _airflow_lock() -> tuple[str, Path]:
    from airflow import __version__ as version

    minor = ".".join(version.split(".")[:2])
    lock = ROOT / "locks" / f"af{minor}.txt"
    if not lock.exists() or f"apache-airflow=={version}\n" not in lock.read_text():
        pytest.skip(f"Airflow {version} has no lock under locks/ (the wheel is installed as its lock pins it)")
    return version, lock


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> InstalledWheel:
    if not UV.exists():
        pytest.skip(f"no uv at {UV.relative_to(ROOT)}: `make venv` bootstraps it")
    version, lock = _airflow_lock()
    work = tmp_path_factory.mktemp("wheel")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "PYTHON", "VIRTUAL_ENV"))}
    env.update(
        AIRFLOW_HOME=str(work / "airflow-home"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        UV_PYTHON_DOWNLOADS="never",
    )
    constraints = ROOT / "locks" / "build.txt"
    build = subprocess.run(
        [
            str(UV),
            "build",
            "--wheel",
            "--quiet",
            "--out-dir",
            str(work / "dist"),
            "--build-constraints",
            str(constraints),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
        check=False,
    )
    assert build.returncode == 0, build.stderr
    (wheel,) = (work / "dist").glob("airflow_connections_provider-*.whl")
    python = work / "venv" / "bin" / "python"
    subprocess.run(
        [str(UV), "venv", "--quiet", "--python", sys.executable, str(python.parent.parent)],
        env=env,
        check=True,
        timeout=60,
    )
    installed = InstalledWheel(wheel, python, lock, env, work)
    installed.install(f"apache-airflow=={version}", str(wheel))
    return installed


CHECK_PLAIN = """
import importlib, importlib.metadata, json, pkgutil, sys

import airflow_connections_provider as provider
from airflow_connections_provider.get_provider_info import get_provider_info

try:
    from airflow.dag_processing.dagbag import DagBag
except ImportError:  # Airflow 2.x, 3.0, 3.1
    from airflow.models.dagbag import DagBag

names = [
    m.name for m in pkgutil.walk_packages(provider.__path__, provider.__name__ + ".")
    if not m.name.startswith(provider.__name__ + ".emulator")
]
for name in names:
    importlib.import_module(name)
bag = DagBag(dag_folder=sys.argv[1])  # AIRFLOW__CORE__LOAD_EXAMPLES=False
print(json.dumps({
    "location": provider.__file__,
    "modules": len(names),
    "provider_info": get_provider_info()["package-name"],
    "dags": sorted(bag.dag_ids),
    "import_errors": {str(k): str(v) for k, v in bag.import_errors.items()},
    "requires": importlib.metadata.requires("airflow-connections-provider"),
}))
"""


def test_the_plain_wheel_is_a_working_provider_without_the_emulator(installed: InstalledWheel) -> None:
    listed = installed.run(installed.bin("airflow"), "providers", "list").stdout
    assert re.search(rf"^{DIST}\s*\|", listed, re.MULTILINE), listed

    report = json.loads(
        installed.run(installed.python, "-c", CHECK_PLAIN, dag_folder()).stdout.strip().splitlines()[-1]
    )
    assert Path(report["location"]).is_relative_to(installed.python.parent.parent), report["location"]
    assert report["modules"] > 20 and report["provider_info"] == DIST
    assert report["import_errors"] == {}
    assert len(report["dags"]) == len(list(dag_folder().glob("*.py")))

    # Requirements outside any extra (no `extra ==` marker) name neither FastAPI nor uvicorn.
    base = [r for r in report["requires"] if "extra ==" not in r]
    assert base and not [r for r in base if re.match(rf"({'|'.join(EMULATOR_ONLY)})\b", r, re.IGNORECASE)], base
    emulator_extra = [r.split(";")[0].split(">")[0].strip() for r in report["requires"] if "extra == 'emulator'" in r]
    assert set(EMULATOR_ONLY) <= set(emulator_extra), report["requires"]


@contextlib.contextmanager
def console_script(installed: InstalledWheel) -> Iterator[str]:
    """Start `airflow-connections-emulator --port 0`; yield its URL; stop it by its PID."""
    proc = subprocess.Popen(
        [str(installed.bin("airflow-connections-emulator")), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=installed.env,
        cwd=installed.work,
    )
    try:
        first: list[str] = []
        reader = threading.Thread(target=lambda: first.append(proc.stdout.readline() if proc.stdout else ""))
        reader.start()
        reader.join(60)
        match = re.fullmatch(r"emulator listening on (http://127\.0\.0\.1:\d+)", first[0].strip() if first else "")
        assert match, (
            f"first line {first}; stderr: {proc.stderr.read() if proc.poll() is not None and proc.stderr else ''}"
        )
        yield match.group(1)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
        proc.communicate(timeout=30)
    assert proc.returncode == 0, proc.returncode


PLUGIN_TEST = """
import requests


def test_the_fixture_serves(ibm_emulator):
    reply = requests.get(ibm_emulator.url + "/v2/connections/version", headers=ibm_emulator.auth_headers(), timeout=10)
    assert reply.status_code == 200
"""


def test_the_emulator_extra_brings_the_console_script_and_the_pytest_plugin(installed: InstalledWheel) -> None:
    pytest_pin = next(line for line in installed.lock.read_text().splitlines() if line.startswith("pytest=="))
    installed.install(f"{DIST}[emulator] @ {installed.wheel.as_uri()}", pytest_pin)

    with console_script(installed) as url:
        check = f"import urllib.request; print(urllib.request.urlopen('{url}/_emulator/requests').status)"
        assert installed.run(installed.python, "-c", check).stdout.strip() == "200"

    plugin = "airflow_connections_provider.emulator.pytest_plugin"
    tests = installed.work / "user-tests"
    tests.mkdir(exist_ok=True)
    (tests / "test_with_emulator.py").write_text(PLUGIN_TEST)
    pytest_run = (installed.python, "-m", "pytest", "-p", "no:cacheprovider", "-p", plugin)
    assert re.search(r"^ibm_emulator\b", installed.run(*pytest_run, "--fixtures", tests).stdout, re.MULTILINE)
    assert "1 passed" in installed.run(*pytest_run, "-q", tests).stdout
