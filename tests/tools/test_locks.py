"""The locked environments (``tools/locks.py``, ``make lock-check``): a lock that no longer matches
``pyproject.toml`` stops ``make test`` at once, saying what changed and what to run."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tools import locks

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """What `make test` reads before building anything: the Makefile, pyproject.toml, the locks, the tool."""
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "locks", tmp_path / "locks")
    (tmp_path / "tools").mkdir()
    shutil.copy(ROOT / "tools" / "locks.py", tmp_path / "tools" / "locks.py")
    return tmp_path


def _check(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "tools/locks.py", "check"], cwd=root, capture_output=True, text=True, timeout=60, check=False
    )


def test_the_committed_locks_match_pyproject(checkout: Path) -> None:
    result = _check(checkout)
    assert result.returncode == 0, result.stderr


def test_a_dependency_added_to_pyproject_makes_every_project_lock_stale(checkout: Path) -> None:
    pyproject = checkout / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace('    "requests>=2.31",\n', '    "requests>=2.31",\n    "cowsay>=6.1",\n')
    )
    result = _check(checkout)
    assert result.returncode == 1
    stale = set(re.findall(r"locks/(\S+)\.txt is stale", result.stderr))
    assert stale == {env.name for env in locks.ENVIRONMENTS if env.project}  # the SDK venvs do not hold the project
    assert "+ cowsay>=6.1" in result.stderr
    assert "Run `make lock`" in result.stderr


def test_a_changed_pin_and_a_changed_build_backend_are_named(checkout: Path) -> None:
    pyproject = checkout / "pyproject.toml"
    text = (
        pyproject.read_text()
        .replace('"ruff==0.17.6"', '"ruff==0.17.7"')
        .replace('"hatchling>=1.24"', '"hatchling>=1.30"')
    )
    pyproject.write_text(text)
    result = _check(checkout)
    assert result.returncode == 1
    assert "+ ruff==0.17.7" in result.stderr and "- ruff==0.17.6" in result.stderr
    assert "locks/build.txt is stale" in result.stderr


def test_make_test_stops_on_a_stale_lock_before_building_anything(checkout: Path) -> None:
    pyproject = checkout / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"PyYAML>=6.0"', '"PyYAML>=6.0.2"'))
    # A plain `make test`, whatever make this suite runs under (`make -k` would go on past the check).
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    result = subprocess.run(
        ["make", "test"], cwd=checkout, capture_output=True, text=True, timeout=120, check=False, env=env
    )
    assert result.returncode != 0
    assert "locks/af3.3.txt is stale" in result.stderr
    assert "+ PyYAML>=6.0.2" in result.stderr
    assert not (checkout / ".venv").exists() and not (checkout / ".venv-uv").exists()  # failed before any install


def test_a_lock_reads_back_its_inputs_and_pins() -> None:
    env = locks.find("af3.3")
    lock = locks.LockFile.read(env.path)
    assert lock.inputs == locks.inputs(env)
    assert lock.cutoff == env.cutoff
    assert lock.pins["apache-airflow"] == locks.AIRFLOW["3.3"][0]
    assert all(re.fullmatch(r"[a-z0-9-]+", name) for name in lock.pins)  # normalised names, as uv freezes them


def test_changes_are_listed_as_added_removed_and_moved() -> None:
    assert locks._changes({"a": "1", "b": "2"}, {"b": "3", "c": "4"}) == ["- a 1", "  b 2 -> 3", "+ c 4"]
