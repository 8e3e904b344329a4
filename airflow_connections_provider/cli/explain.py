"""``explain [TYPE]``: a datasource type's connection properties — required, conditional, secret.

Offline by default, from the emulator's catalogue (the types of IBM's SDK, with their real ids,
property names, enum values and IBM's recorded conditions; docs/emulator.md, "The catalogue"). The
catalogue is plain data inside the emulator package, which is the ``[emulator]`` extra: where that
package cannot be imported, the command says so and points at ``--live``. ``--live`` asks the
service itself (``GET /v2/datasource_types``), whose types are the truth for a deployment (a few
differ by deployment: ``jdbc`` on IBM Cloud, ``genericjdbc`` on Cloud Pak for Data). Without a
TYPE it lists the types.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from typing import Any

from airflow_connections_provider.cli.common import EXIT_OK, Io
from airflow_connections_provider.cli.settings import add_connection_arguments, settings
from airflow_connections_provider.client import (
    ConfigurationError,
    ConnectionsClient,
    DatasourceType,
    UnknownDatasourceTypeError,
)
from airflow_connections_provider.client.models import ConditionalRequirement, PropertyDefinition
from airflow_connections_provider.client.validation import close_matches

FORMAT_VERSION = 1
INSTALL = "pip install 'airflow-connections-provider[emulator]'"
_CONDITIONS = {
    "equals": "= {}",
    "not_equals": "is not {}",
    "in": "in ({})",
    "set": "is set",
    "not_set": "is not set",
    "matches": "matches {}",
}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "explain",
        help="a datasource type's properties (required, conditional, secret); no TYPE lists the types",
        description=__doc__.split("\n\n")[1],
    )
    parser.add_argument("type", nargs="?", metavar="TYPE", help="a datasource type name or id (postgresql, ...)")
    parser.add_argument("--live", action="store_true", help="ask the service instead of the offline catalogue")
    parser.add_argument("--json", action="store_true", help="print one JSON document (docs/cli.md)")
    add_connection_arguments(parser)
    parser.set_defaults(run=run_explain)


def run_explain(args: argparse.Namespace, io: Io) -> int:
    source = "live" if args.live else "catalogue"
    if args.live:
        with ConnectionsClient(settings(args, io.environ).client_config) as client:
            types = [client.get_datasource_type(args.type)] if args.type else client.list_datasource_types()
    else:
        types = _offline(args.type)
    if args.json:
        listed = [_type_json(t) for t in types]
        body: dict[str, Any] = {"format_version": FORMAT_VERSION, "command": "explain", "source": source}
        body.update({"datasource_type": listed[0]} if args.type else {"datasource_types": listed})
        print(json.dumps(body), file=io.out)
        return EXIT_OK
    origin = (
        "the service (--live)"
        if args.live
        else "the emulator's offline catalogue (IBM's SDK types); your service may differ: --live asks it"
    )
    if args.type:
        print(describe(types[0], origin=origin), file=io.out)
    else:
        print(f"Datasource types, from {origin}:", file=io.out)
        print(_table([("NAME", "ID", "LABEL"), *((t.name, t.id, t.label) for t in types)]), file=io.out)
    return EXIT_OK


def _offline(wanted: str | None) -> list[DatasourceType]:
    try:
        from airflow_connections_provider.emulator.state.catalogue import CATALOGUE, find_type
    except ImportError:  # the emulator's own modules cannot name the fix when they are what is missing
        raise ConfigurationError(
            "explain without --live reads the emulator's catalogue, which ships in the provider's 'emulator' extra, "
            f"and it cannot be imported here: install it ({INSTALL}), or pass --live to ask the service"
        ) from None
    if not wanted:
        return [DatasourceType.from_api(t.to_api(connection_properties=True)) for t in CATALOGUE]
    found = find_type(wanted)
    if found is None:
        raise UnknownDatasourceTypeError(wanted, close_matches(wanted, [t.name for t in CATALOGUE]))
    return [DatasourceType.from_api(found.to_api(connection_properties=True))]


def _rule(dtype: DatasourceType, prop: PropertyDefinition) -> tuple[bool | str, str | None]:
    """``(required, condition)``: True/False, or "conditional" with the condition in words."""
    rule = next((c for c in dtype.conditions if c.property_name == prop.name), None)
    if rule is None:
        return prop.required, None
    words = condition_text(rule)
    if prop.required or rule.pairs_with_another:
        return "conditional", words
    return False, words


def condition_text(rule: ConditionalRequirement) -> str:
    joiner = " and " if rule.all_conditions_required else " or "
    parts = []
    for c in rule.conditions:
        template = _CONDITIONS.get(c.condition, c.condition + " {}")
        parts.append(f"{c.property_name} {template.format(', '.join(c.values))}".strip())
    return joiner.join(parts) or "always"


def describe(dtype: DatasourceType, *, origin: str) -> str:
    kind = f", {dtype.kind}" if dtype.kind else ""
    lines = [f"{dtype.name} (id {dtype.id}{kind}): {dtype.label or dtype.description}", f"From {origin}.", ""]
    rows = [("PROPERTY", "TYPE", "REQUIRED", "SECRET", "LABEL")]
    for prop in dtype.properties:
        required, condition = _rule(dtype, prop)
        shown = {True: "yes", False: "-", "conditional": f"when {condition}"}[required]
        if required is False and condition:
            shown = f"- (applies when {condition})"
        kind_text = f"enum: {', '.join(prop.values)}" if prop.values else prop.type
        rows.append((prop.name, kind_text, shown, "secret" if prop.masked else "-", prop.label))
    lines.append(_table(rows))
    secret = sorted(dtype.secret_properties)
    lines += ["", f"Secret (masked) properties: {', '.join(secret) if secret else 'none'}."]
    return "\n".join(lines)


def _type_json(dtype: DatasourceType) -> dict[str, Any]:
    properties = []
    for prop in dtype.properties:
        required, condition = _rule(dtype, prop)
        properties.append(
            {
                "name": prop.name,
                "type": prop.type,
                "values": list(prop.values),
                "required": required,
                "condition": condition,
                "secret": prop.masked,
                "label": prop.label,
                "default": prop.default_value,
            }
        )
    return {"name": dtype.name, "id": dtype.id, "label": dtype.label, "kind": dtype.kind, "properties": properties}


def _table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return "\n".join(
        ("  ".join(cell.ljust(w) for cell, w in zip(row[:-1], widths, strict=True)) + "  " + row[-1]).rstrip()
        for row in rows
    )
