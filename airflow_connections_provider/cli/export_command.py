"""``export``: a project's (or catalog's, or space's) connections as a sync spec on stdout.

``airflow-connections export --project NAME > spec.yaml``: the spec ``plan`` and ``apply`` (and the
sync operator) accept, secrets as Airflow template placeholders, never values (``sync/export.py``).
The IBM connection's settings come from the same sources as ``plan`` and ``apply`` (docs/cli.md).
Exit status: 0 written, 1 an error (nothing on stdout then, so ``> spec.yaml`` never holds half a spec).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from airflow_connections_provider.cli.common import EXIT_OK, Io
from airflow_connections_provider.cli.output import FORMAT_VERSION
from airflow_connections_provider.cli.settings import add_connection_arguments, settings
from airflow_connections_provider.cli.sync_commands import connect
from airflow_connections_provider.client import ConnectionsClient, InvalidInputError, Scope
from airflow_connections_provider.client.endpoints import looks_like_id
from airflow_connections_provider.sync.export import export_connections
from airflow_connections_provider.sync.export_yaml import export_yaml


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "export",
        help="the connections of a project, catalog or space as a sync spec (secrets as placeholders)",
        description=__doc__.split("\n\n")[1],
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--catalog", metavar="CATALOG_ID", help="export a catalog's connections instead (its id)")
    where.add_argument("--space", metavar="SPACE_ID", help="export a deployment space's connections instead (its id)")
    parser.add_argument("--name-prefix", help="only connections whose name starts with it (a sync's --managed-prefix)")
    parser.add_argument("--json", action="store_true", help='print {"connections": [...]} as JSON instead of YAML')
    add_connection_arguments(parser)
    parser.set_defaults(run=run_export)


def explicit_scope(args: argparse.Namespace) -> Scope | None:
    """The catalog or space asked for, checked before any request; None: the project."""
    for flag, value, make in (("--catalog", args.catalog, Scope.catalog), ("--space", args.space, Scope.space)):
        if value is not None:
            if not looks_like_id(value.strip()):
                raise InvalidInputError("export", [f"{flag} takes the {flag[2:]}'s id (a UUID), got {value!r}"])
            return make(value.strip())
    return None


def run_export(args: argparse.Namespace, io: Io) -> int:
    scope = explicit_scope(args)
    if scope is None:
        client, project = connect(args, io)
    else:
        client, project = ConnectionsClient(settings(args, io.environ).client_config), ""
    with client:
        if scope is None:
            scope = Scope.project(client.resolve_project(project).id)
        entries = export_connections(client, scope, name_prefix=args.name_prefix)
    if args.json:
        body = {"format_version": FORMAT_VERSION, "command": "export", "scope": {scope.kind: scope.id}}
        print(json.dumps({**body, "connections": [e.to_json() for e in entries]}), file=io.out)
    else:
        io.out.write(export_yaml(entries, source=str(scope)))
    return EXIT_OK
