"""The plugin's fixtures as users get them: in a separate pytest run with its own conftests."""

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


def test_fixtures_follow_each_directorys_settings(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    alpha, beta = tmp_path / "alpha", tmp_path / "beta"
    alpha.mkdir()
    beta.mkdir()
    (alpha / "conftest.py").write_text(CONFTEST_ALPHA)
    (alpha / "test_alpha.py").write_text(TEST_ALPHA)
    (beta / "test_beta.py").write_text(TEST_BETA)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 passed" in result.stdout
