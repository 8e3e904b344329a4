"""Without the `emulator` extra, everything that starts an emulator says which extra to install.

Each check runs in a process where the extra's packages cannot be imported (blocked_imports.py): the
console script, the pytest fixtures, and `run_emulator` from Python.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.packaging.blocked_imports import EXTRA_MODULES, blocking_env

INSTALL = "pip install 'airflow-connections-provider[emulator]'"
CONSOLE_SCRIPT = Path(sys.executable).parent / "airflow-connections-emulator"
PLUGIN = "airflow_connections_provider.emulator.pytest_plugin"


def _run(
    command: list[str], tmp_path: Path, blocked: tuple[str, ...], **kwargs: object
) -> subprocess.CompletedProcess[str]:
    env = blocking_env(tmp_path / "site", blocked)
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, check=False, **kwargs)  # type: ignore[call-overload]


@pytest.mark.parametrize("blocked", [EXTRA_MODULES, ("trustme",), ("jsonpatch",)], ids=["all", "trustme", "jsonpatch"])
def test_the_console_script_names_the_extra(tmp_path: Path, blocked: tuple[str, ...]) -> None:
    done = _run([str(CONSOLE_SCRIPT), "--port", "0"], tmp_path, blocked)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert INSTALL in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert all(module in done.stderr for module in blocked), done.stderr
    assert "listening" not in done.stdout


def test_the_pytest_fixtures_name_the_extra(tmp_path: Path) -> None:
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "test_dag.py").write_text("def test_needs_it(ibm_emulator):\n    pass\n")
    done = _run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", PLUGIN, str(tests)],
        tmp_path,
        EXTRA_MODULES,
        cwd=tmp_path,
    )
    assert done.returncode == 1, done.stdout
    assert INSTALL in done.stdout and "1 error" in done.stdout, done.stdout
    assert "ModuleNotFoundError" not in done.stdout, done.stdout


def test_run_emulator_raises_an_import_error_naming_the_extra(tmp_path: Path) -> None:
    script = (
        "from airflow_connections_provider.emulator import EmulatorExtraMissingError, EmulatorSettings\n"
        "EmulatorSettings(projects=['p'])  # settings need nothing of the extra\n"
        "try:\n"
        "    from airflow_connections_provider.emulator import run_emulator\n"
        "except EmulatorExtraMissingError as exc:\n"
        "    assert isinstance(exc, ImportError)\n"
        "    print(exc)\n"
    )
    done = _run([sys.executable, "-c", script], tmp_path, ("uvicorn",))
    assert done.returncode == 0, done.stderr
    assert INSTALL in done.stdout and "uvicorn is not installed" in done.stdout, done.stdout
