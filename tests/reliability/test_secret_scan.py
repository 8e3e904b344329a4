"""A secret scan: distinctive secrets go through every operator, the sensor and its trigger, a spec that
does not parse and validations the data source refuses, with DEBUG logging on everywhere. Then every
place a secret could surface is searched: logs (raw records, before any masking), stdout/stderr,
exceptions (with their chained causes), reprs, XCom, and the rendered fields Airflow would store.

Nothing relies on Airflow's masker for the logs: the raw records must be clean. The rendered fields
are checked the way Airflow stores them, through ``redact(value, field_name)``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import uuid
from typing import Any

from airflow.providers.common.compat.sdk import AirflowException, redact

from airflow_connections_provider.masking import spellings
from airflow_connections_provider.operators.ibm import (
    IBMCreateConnectionOperator,
    IBMDeleteConnectionOperator,
    IBMSyncConnectionsOperator,
    IBMUpdateConnectionOperator,
)
from airflow_connections_provider.sensors.ibm import IBMConnectionValidationSensor
from airflow_connections_provider.sync.runner import SyncRequest
from airflow_connections_provider.triggers.ibm import IBMConnectionValidationTrigger
from tests.integration.conftest import FAST_RETRY
from tests.support.task_fixtures import FakeTI

JWT = re.compile(r"eyJ[\w-]{8,}\.[\w-]{8,}")


class Scan:
    """Everything a run exposed, to search at the end."""

    def __init__(self) -> None:
        self.texts: list[tuple[str, str]] = []

    def add(self, where: str, value: Any) -> None:
        self.texts.append((where, value if isinstance(value, str) else repr(value)))

    def exception(self, where: str, exc: BaseException) -> None:
        seen: BaseException | None = exc
        while seen is not None:
            self.add(f"{where}: str", str(seen))
            self.add(f"{where}: repr", repr(seen))
            seen = seen.__cause__ or seen.__context__

    def rendered(self, where: str, op: Any) -> None:
        for name in op.template_fields:
            self.add(f"{where}: rendered {name}", str(redact(getattr(op, name), name)))

    def hits(self, secrets: list[str]) -> list[str]:
        found = []
        for where, text in self.texts:
            for secret in secrets:
                for spelled in set(spellings(secret)):
                    if len(spelled) >= 5 and spelled in text:
                        found.append(f"{where}: {spelled[:6]}… in {text[:300]!r}")
            if JWT.search(text):
                found.append(f"{where}: a bearer token")
        return found


def unique(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex[:10]}"


def task(op: Any, scan: Scan, where: str, params: dict[str, Any], *, try_number: int = 1) -> Any:
    """Render and run one task like Airflow does; record XCom, rendered fields and any exception."""
    ti = FakeTI(try_number=try_number)
    op.render_template_fields({"params": params, "ti": ti})
    scan.rendered(f"{where} (before execute)", op)
    result: Any = None
    try:
        result = op.execute({"ti": ti, "params": params})
    except AirflowException as exc:
        scan.exception(where, exc)
    scan.rendered(f"{where} (after execute)", op)
    scan.add(f"{where}: xcom", json.dumps(ti.xcom, default=str))
    scan.add(f"{where}: return value", json.dumps(result, default=str))
    scan.add(f"{where}: operator repr", op)
    return result


def test_no_secret_surfaces_anywhere(airflow_conn, emu, pg_source, caplog, capfd, scenario):
    caplog.set_level(logging.DEBUG)
    for name in ("airflow_connections_provider", "urllib3", "httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    scan = Scan()
    first, wrong, rotated, spec_pw, spec_nasty, broken = (
        unique("Scan-First-Pw"),
        unique("Scan-Wrong-Pw"),
        unique("Scan-Rotated-Pw"),
        unique("Scan-Spec-Pw"),
        unique('Scan"Nasty\\Pw\t'),
        unique('Scan-Broken"Pw'),
    )
    secrets = [first, wrong, rotated, spec_pw, spec_nasty, broken]
    emu.register_datasource_credentials(pg_source.host, pg_source.port, "etl", first)
    props = {"host": pg_source.host, "port": pg_source.port, "database": "orders", "username": "etl"}

    # create: a success, then a validation the data source refuses
    created = task(
        IBMCreateConnectionOperator(
            task_id="create",
            name="orders",
            datasource_type="postgresql",
            properties={**props, "password": "{{ params.pw }}"},
        ),
        scan,
        "create",
        {"pw": first},
    )
    task(
        IBMCreateConnectionOperator(
            task_id="create-refused",
            name="orders-2",
            datasource_type="postgresql",
            properties={**props, "password": "{{ params.pw }}"},
        ),
        scan,
        "create refused",
        {"pw": wrong},
    )
    # a retried create that adopts (and re-sends the secret)
    task(
        IBMCreateConnectionOperator(
            task_id="create",
            name="orders",
            datasource_type="postgresql",
            properties={**props, "password": "{{ params.pw }}"},
        ),
        scan,
        "create adopted on retry",
        {"pw": first},
        try_number=2,
    )
    # update: a rotation refused, then accepted, with a rename
    task(
        IBMUpdateConnectionOperator(
            task_id="rotate", connection_name="orders", set_properties={"password": "{{ params.pw }}"}
        ),
        scan,
        "rotate refused",
        {"pw": wrong},
    )
    emu.register_datasource_credentials(pg_source.host, pg_source.port, "etl", rotated)
    task(
        IBMUpdateConnectionOperator(
            task_id="rotate",
            connection_id=created,
            new_name="orders-main",
            set_properties={"password": "{{ params.pw }}"},
        ),
        scan,
        "rotate",
        {"pw": rotated},
    )
    # the sensor (poke and deferred) on a refused connection and an accepted one
    task(
        IBMConnectionValidationSensor(task_id="wait", connection_name="orders-main", poke_interval=1, timeout=5),
        scan,
        "sensor",
        {},
    )
    trigger = IBMConnectionValidationTrigger(
        ibm_conn_id="ibm_data_platform_default",
        scope_kind="project_id",
        scope_id=emu.project_id("sales"),
        connection_id=created,
        poll_interval=0.01,
        hook_params=FAST_RETRY.to_dict(),
    )

    async def events() -> list[Any]:
        return [e async for e in trigger.run()]

    scan.add("trigger events", [e.payload for e in asyncio.run(events())])
    scan.add("trigger kwargs", trigger.serialize())

    # sync: a YAML template with tojson (nasty password), a spec that does not parse, a refused entry
    template = (
        "- name: app-a\n  datasource_type: postgresql\n  properties:\n"
        f"    host: {pg_source.host}\n    port: {pg_source.port}\n    database: d\n    username: etl\n"
        "    password: {{ params.a | tojson }}\n"
        "- name: app-b\n  datasource_type: postgresql\n  properties:\n"
        "    host: 127.0.0.1\n    port: 1\n    database: d\n    username: etl\n"
        "    password: {{ params.b | tojson }}\n"
    )
    emu.register_datasource_credentials(pg_source.host, pg_source.port, "etl", spec_pw)
    sync_args = {"task_id": "sync", "managed_prefix": "app-", "secret_fingerprints": False}
    task(IBMSyncConnectionsOperator(spec=template, **sync_args), scan, "sync", {"a": spec_pw, "b": spec_nasty})
    broken_template = template.replace("{{ params.a | tojson }}", '"{{ params.a }}"')
    task(
        IBMSyncConnectionsOperator(spec=broken_template, **sync_args),
        scan,
        "sync broken spec",
        {"a": broken, "b": spec_nasty},
    )
    scan.add("sync request repr", SyncRequest(spec=template.replace("{{ params.a | tojson }}", spec_pw)))

    # delete, for completeness
    task(IBMDeleteConnectionOperator(task_id="delete", connection_name="orders-main"), scan, "delete", {})

    captured = capfd.readouterr()
    scan.add("stdout", captured.out)
    scan.add("stderr", captured.err)
    scan.add("log records", caplog.text)
    scan.add("log record args", [r.args for r in caplog.records])

    assert scan.hits(secrets) == []
    # The scan is not vacuous: the secrets really travelled, and the logs really were captured.
    stored = {c["entity"]["name"]: c["entity"]["properties"].get("password") for c in emu.stored_connections("sales")}
    assert stored.get("app-a") == spec_pw
    assert any(r.levelno == logging.DEBUG for r in caplog.records)
    scenario(
        area="secrets",
        injected=f"{len(secrets)} distinctive secrets through create, adopt, rotate (refused and accepted), rename, "
        "sensor, trigger, sync (tojson, broken spec, refused entry), delete; DEBUG logging",
        outcome=f"0 hits in {len(scan.texts)} captured texts (logs, stdout/stderr, exceptions, reprs, XCom, "
        "rendered fields)",
        texts_scanned=len(scan.texts),
        log_records=len(caplog.records),
    )


def test_the_scan_finds_a_planted_secret():
    """Control: the scanner reports what it should, in any spelling."""
    scan = Scan()
    secret = unique('Planted"Secret')
    scan.add("log", f"password={json.dumps(secret)}")
    assert scan.hits([secret]) != []
    assert Scan().hits([secret]) == []
