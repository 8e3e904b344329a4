"""The local stack runs what the installed Airflow's generation runs, and refuses what it cannot run on
SQLite before anything starts (``make test`` runs this on 2.11 and on 3.3: each checks its own)."""

from __future__ import annotations

import importlib.metadata
import sys
from pathlib import Path

import pytest

from tools.airflow_stack import AirflowStack, StackConfig
from tools.stack_flavours import AIRFLOW_2, AIRFLOW_3, flavour_of

INSTALLED_MAJOR = int(importlib.metadata.version("apache-airflow").split(".")[0])


def test_the_flavour_follows_the_installed_airflow():
    flavour = flavour_of(sys.executable)
    assert flavour.major == INSTALLED_MAJOR
    if INSTALLED_MAJOR >= 3:
        assert list(flavour.components) == ["api-server", "scheduler", "dag-processor", "triggerer"]
        assert (flavour.api_version, flavour.executor_name("local")) == (2, "LocalExecutor")
    else:
        assert list(flavour.components) == ["webserver", "scheduler", "triggerer"]
        assert (flavour.api_version, flavour.executor_name("local")) == (1, "SequentialExecutor")


def test_airflow_2_refuses_the_celery_executor_on_sqlite_and_says_what_to_use():
    with pytest.raises(ValueError, match="SequentialExecutor on SQLite: use Airflow 3 for the CeleryExecutor"):
        AIRFLOW_2.executor_name("celery")


@pytest.mark.skipif(INSTALLED_MAJOR >= 3, reason="Airflow 3 runs the CeleryExecutor on SQLite")
def test_the_stack_refuses_before_touching_its_home(tmp_path: Path):
    home = tmp_path / "home"
    with pytest.raises(ValueError, match="not available on Airflow 2"):
        AirflowStack(StackConfig(home=home, dags_folder=tmp_path, executor="celery")).start()
    assert not home.exists()


def test_only_airflow_2_needs_a_user_created_after_migrate():
    assert AIRFLOW_3.create_user_argv("python", "admin", "pw-123456") is None  # a passwords file on 3.x
    argv = AIRFLOW_2.create_user_argv("python", "admin", "-pw-123456")
    assert argv is not None
    assert argv[1:5] == ["-m", "airflow", "users", "create"]
    assert argv[argv.index("--role") + 1] == "Admin"
    # A generated password may start with "-": one argument, or argparse takes it for an option.
    assert "--password=-pw-123456" in argv
