"""The plugin's fixtures as users get them: in separate pytest runs with their own conftests.

The plugin is opt-in: installing the package must not load it into every pytest session.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CONFTEST_ALPHA = """
import pytest
from airflow_connections_provider.emulator import EmulatorSettings

@pytest.fixture(scope="session")
def ibm_emulator_session_settings():
    return EmulatorSettings(projects=("alpha",))

@pytest.fixture
def ibm_emulator_settings():
    return EmulatorSettings(projects=("fresh",), token_ttl=5)
"""

TEST_ALPHA = """
def test_session_override(ibm_emulator_session):
    assert ibm_emulator_session.project_id("alpha")
    ibm_emulator_session.create_connection("left-behind", "http", {"url": "http://x"}, project="alpha")

def test_session_is_reset(ibm_emulator_session):
    assert ibm_emulator_session.stored_connections() == []

def test_function_override(ibm_emulator):
    assert ibm_emulator.project_id("fresh") and ibm_emulator.settings.token_ttl == 5
"""

TEST_BETA = """
import pytest

def test_other_directory_gets_the_default_settings(ibm_emulator_session):
    assert ibm_emulator_session.project_id("default")
    with pytest.raises(KeyError):
        ibm_emulator_session.project_id("alpha")
"""


PLUGIN = "airflow_connections_provider.emulator.pytest_plugin"

TEST_NEEDS_FIXTURE = """
def test_uses_the_fixture(ibm_emulator):
    assert ibm_emulator.url.startswith("http://127.0.0.1:")
"""


def _pytest(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        check=False,
    )


def test_plugin_is_not_loaded_without_opting_in(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_needs.py").write_text(TEST_NEEDS_FIXTURE)
    result = _pytest(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "fixture 'ibm_emulator' not found" in result.stdout


def test_plugin_loads_with_dash_p(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_needs.py").write_text(TEST_NEEDS_FIXTURE)
    result = _pytest(tmp_path, "-p", PLUGIN)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def test_fixtures_follow_each_directorys_settings(tmp_path: Path) -> None:
    """Opted in with `pytest_plugins` in the root conftest, as docs/emulator.md shows."""
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "conftest.py").write_text(f"pytest_plugins = [{PLUGIN!r}]\n")
    alpha, beta = tmp_path / "alpha", tmp_path / "beta"
    alpha.mkdir()
    beta.mkdir()
    (alpha / "conftest.py").write_text(CONFTEST_ALPHA)
    (alpha / "test_alpha.py").write_text(TEST_ALPHA)
    (beta / "test_beta.py").write_text(TEST_BETA)
    result = _pytest(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 passed" in result.stdout
