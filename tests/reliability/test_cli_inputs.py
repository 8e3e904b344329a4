"""Bad inputs to the console script (``airflow-connections``), against the emulator over real HTTP.

Each row: exit status 1; the message names the problem and the fix; no secret of the run (database
password, API token, IBM API key, a wrong key) in stdout or stderr; and the emulator's request log
shows zero writes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_cli import Cli

WRONG_KEY = "Wrong-Ibm-Key-5521"
Setup = Callable[[Cli, Any, Path], tuple[list[str], dict[str, str]]]


def without(cli: Cli, *names: str) -> dict[str, str]:
    return {k: v for k, v in cli.env.items() if k not in names}


def ibm(cli: Cli, **changes: Any) -> dict[str, str]:
    value = json.loads(cli.env["AIRFLOW_CONN_IBM_DATA_PLATFORM_DEFAULT"])
    extra = {**value["extra"], **changes.pop("extra", {})}
    return {**cli.env, "AIRFLOW_CONN_IBM_DATA_PLATFORM_DEFAULT": json.dumps({**value, **changes, "extra": extra})}


def spec_missing(cli: Cli, emu: Any, tmp: Path) -> tuple[list[str], dict[str, str]]:
    cli.spec.unlink()
    return ["plan"], cli.env


def spec_text(text: str) -> Setup:
    def setup(cli: Cli, emu: Any, tmp: Path) -> tuple[list[str], dict[str, str]]:
        cli.spec.write_text(text)
        return ["plan"], cli.env

    return setup


def state_not_json(cli: Cli, emu: Any, tmp: Path) -> tuple[list[str], dict[str, str]]:
    (tmp / "s.json").write_text("not json")
    return ["plan", "--state", str(tmp / "s.json")], cli.env


def with_strays(*args: str) -> Setup:
    """Three managed connections the spec does not name, seeded directly (not through the API)."""

    def setup(cli: Cli, emu: Any, tmp: Path) -> tuple[list[str], dict[str, str]]:
        for i in range(3):
            emu.create_connection(f"app-old-{i}", "http", {"url": "https://old.example.com"}, project="sales")
        return [*args, "--prune", "--managed-prefix", "app-"], cli.env

    return setup


def plain(*args: str, env: Callable[[Cli], dict[str, str]] = lambda cli: cli.env) -> Setup:
    return lambda cli, emu, tmp: (list(args), env(cli))


ROWS: dict[str, tuple[Setup, list[str]]] = {
    "no-connection-settings": (
        plain("plan", env=lambda cli: without(cli, "AIRFLOW_CONN_IBM_DATA_PLATFORM_DEFAULT")),
        ["no IBM connection settings", "set AIRFLOW_CONN_IBM_DATA_PLATFORM_DEFAULT"],
    ),
    "conn-id-not-set": (
        plain("plan", "--conn-id", "ibm_other"),
        ["AIRFLOW_CONN_IBM_OTHER is not set", "export the Airflow connection there"],
    ),
    "connection-value-not-json": (
        plain(
            "plan", env=lambda cli: {**cli.env, "AIRFLOW_CONN_IBM_DATA_PLATFORM_DEFAULT": '{"password": "' + WRONG_KEY}
        ),
        ["AIRFLOW_CONN_IBM_DATA_PLATFORM_DEFAULT is not valid JSON", "write it as a JSON object"],
    ),
    "setting-values-wrong": (
        plain("plan", env=lambda cli: ibm(cli, extra={"timeout": "soon", "auth_type": "kerberos"})),
        ["'timeout'", "must be a finite number", "auth", "a flag or IBM_DATA_PLATFORM_<FIELD> sets a field"],
    ),
    "api-key-refused": (
        plain("plan", env=lambda cli: {**cli.env, "IBM_DATA_PLATFORM_PASSWORD": WRONG_KEY}),
        ["API key could not be found", "Check the API key"],
    ),
    "unknown-project": (plain("plan", "--project", "salez"), ["salez", "sales"]),
    "no-project": (plain("plan", env=lambda cli: ibm(cli, extra={"project": None})), ["no project", "--project"]),
    "spec-file-missing": (spec_missing, ["does not exist or cannot be read"]),
    "spec-uses-a-dag-run-variable": (
        spec_text("connections: {{ ds }}\n"),
        ["'ds' is undefined", "only conn.<id>.<field>, var.value.<key> and var.json.<key> are available"],
    ),
    "spec-entry-invalid": (
        spec_text("connections:\n  - name: app-x\n    datasource_type: postgres\n"),
        ["unknown datasource type 'postgres'", "did you mean 'postgresql'"],
    ),
    "prune-without-prefix": (plain("plan", "--prune"), ["--prune needs --managed-prefix"]),
    "delete-fraction-out-of-range": (
        plain("plan", "--max-delete-fraction", "2"),
        ["max_delete_fraction must be a number between 0 and 1"],
    ),
    "state-file-not-json": (state_not_json, ["is not JSON", "airflow variables get <name>"]),
    "apply-without-yes": (plain("apply"), ["apply needs --yes (or --auto-approve): nothing was written"]),
    "apply-with-a-secret-not-available": (
        plain("apply", "--yes", env=lambda cli: without(cli, "AIRFLOW_VAR_API_TOKEN")),
        ["app-api: ssl_certificate not available here", "set the AIRFLOW_CONN_<ID> / AIRFLOW_VAR_<KEY> variables"],
    ),
    "apply-past-max-deletes": (
        with_strays("apply", "--yes", "--max-deletes", "1"),
        ["more than max_deletes=1", "raise the limit"],
    ),
    "plan-an-apply-would-refuse": (
        with_strays("plan", "--max-delete-fraction", "0.1"),
        ["An apply would refuse this plan", "max_delete_fraction=0.1"],
    ),
}


@pytest.mark.parametrize("case_id", list(ROWS))
def test_bad_cli_input_is_refused_with_the_fix_no_secret_and_no_write(
    case_id, tmp_path, emu, pg_source, no_writes, scenario
):
    setup, fragments = ROWS[case_id]
    cli = Cli(tmp_path, emu, pg_source)
    args, env = setup(cli, emu, tmp_path)
    done = cli(*args, env=env)
    said = done.stdout + done.stderr
    assert done.returncode == 1, said
    for fragment in fragments:
        assert fragment in said, (fragment, said)
    assert cli.leaks() == []
    assert [s for s in (WRONG_KEY, emu.api_key) if s in said] == []
    assert no_writes() == 0
    scenario(
        area="bad input: console script",
        injected=f"{case_id}: airflow-connections {' '.join(args[:1])}",
        outcome=f"exit 1, {fragments[0]!r}; 0 writes",
        writes=no_writes(),
    )
