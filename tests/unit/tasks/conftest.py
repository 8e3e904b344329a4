from __future__ import annotations

from tests.support.task_fixtures import api, context, ibm_conn  # noqa: F401 - fixtures
