"""Prune against the emulator: destruction is deliberate, shown first, and possible when asked for."""

from __future__ import annotations

from typing import Any

import pytest
from airflow.providers.common.compat.sdk import AirflowFailException

from airflow_connections_provider.operators.ibm import IBMSyncConnectionsOperator
from tests.integration.conftest import pg_properties
from tests.support.task_fixtures import FakeTI


def seed(emu: Any, source: Any, count: int) -> None:
    for i in range(count):
        emu.create_connection(f"app-{i:02d}", "postgresql", pg_properties(source), project="sales")


def sync(spec: Any, **kwargs: Any) -> IBMSyncConnectionsOperator:
    args = {"task_id": "s", "spec": spec, "managed_prefix": "app-", "prune": True, "secret_fingerprints": False}
    return IBMSyncConnectionsOperator(**{**args, **kwargs, "test": False})


def keep(source: Any, *names: str) -> list[dict[str, Any]]:
    return [{"name": n, "datasource_type": "postgresql", "properties": pg_properties(source)} for n in names]


def test_a_loop_over_an_empty_variable_wipes_nothing(airflow_conn, emu, pg_source, no_writes, scenario):
    """The reported incident: a Jinja loop over a Variable that is [] rendered an empty spec."""
    seed(emu, pg_source, 5)
    template = "connections:\n{% for name in params.names %}  - name: {{ name }}\n{% endfor %}"
    op = sync(template)
    op.render_template_fields({"params": {"names": []}})
    with pytest.raises(AirflowFailException, match="allow_empty_spec=True"):
        op.execute({"ti": FakeTI()})
    assert no_writes() == 0 and len(emu.stored_connections("sales")) == 5
    scenario(
        area="prune",
        injected="prune=True with a spec rendered from a Jinja loop over an empty Variable (5 managed connections)",
        outcome="refused before the listing (AirflowFailException naming allow_empty_spec=True); 0 writes, 5 kept",
    )


def test_dry_run_shows_the_refusal_and_deletions_first(airflow_conn, emu, pg_source, no_writes, capsys, scenario):
    seed(emu, pg_source, 6)
    summary = sync(keep(pg_source, "app-00", "app-new"), dry_run=True).execute({"ti": FakeTI()})
    logged = capsys.readouterr().out
    assert "max_delete_fraction=0.5" in summary["refused"]
    assert len(summary["deleted"]) == 5 and no_writes() == 0
    table = logged[logged.index("ACTION") :]
    assert table.index("delete") < table.index("create")  # destruction first
    scenario(
        area="prune",
        injected="dry run of a plan deleting 5 of 6 managed connections",
        outcome="plan table logged with the 5 deletions first; summary 'refused' names max_delete_fraction; 0 writes",
    )


def test_explicit_limits_allow_a_deliberate_wipe(airflow_conn, emu, pg_source, scenario):
    seed(emu, pg_source, 12)
    with pytest.raises(AirflowFailException, match="max_deletes=10"):
        sync(keep(pg_source, "app-00"), max_delete_fraction=None).execute({"ti": FakeTI()})
    assert len(emu.stored_connections("sales")) == 12
    summary = sync([], allow_empty_spec=True, max_deletes=None, max_delete_fraction=None).execute({"ti": FakeTI()})
    assert len(summary["deleted"]) == 12 and emu.stored_connections("sales") == []
    scenario(
        area="prune",
        injected="12 managed connections; a spec keeping one, then an empty spec with every limit lifted",
        outcome="first refused (max_deletes=10, nothing deleted); with allow_empty_spec=True and limits None: "
        "12 deleted",
    )
