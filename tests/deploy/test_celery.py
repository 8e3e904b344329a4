"""The CeleryExecutor mode (``EXECUTOR=celery make test-deploy``): the same deployment, with a Redis broker
and ``airflow celery worker`` as a fifth process. Every other test in this folder runs in this mode too;
this one proves the tasks really went through Celery. Skipped in the default (LocalExecutor) mode.
"""

from __future__ import annotations

import pytest

from tests.deploy.celery_state import celery_statuses, wait_for
from tests.deploy.conftest import EXECUTOR, Deployment

pytestmark = pytest.mark.skipif(
    EXECUTOR != "celery", reason="the CeleryExecutor mode only: EXECUTOR=celery make test-deploy"
)


def test_on_the_celery_executor_the_worker_ran_every_task(deployment: Deployment, finished_run):
    assert finished_run.state == "success", finished_run.tasks
    # One Celery task per execution: create, wait until it deferred, wait resumed after the trigger
    # fired, rotate, delete. The run ends when the last task reports its state to the API server; the
    # worker stores that Celery task's result a moment later, once the task's process exited: wait for it.
    home = deployment.stack.home
    statuses = wait_for(lambda: celery_statuses(home), until=lambda s: "STARTED" not in s, within=60)
    assert statuses == ["SUCCESS"] * 5, statuses
    worker_log = deployment.stack.component_log("celery-worker").read_text(errors="replace")
    assert worker_log.count("succeeded in") == 5, "the worker logs one success line per task"
