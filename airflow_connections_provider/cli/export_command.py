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
from airflow_connections_provider.cli.settings import add_connection_arguments
from airflow_connections_provider.cli.sync_commands import connect
from airflow_connections_provider.sync.export import export_connections
from airflow_connections_provider.sync.export_yaml import export_yaml


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "export",
        help="the connections of a project, catalog or space as a sync spec (secrets as placeholders)",
        description=__doc__.split("\n\n")[1],
    )
    parser.add_argument("--name-prefix", help="only connections whose name starts with it (a sync's --managed-prefix)")
    parser.add_argument("--json", action="store_true", help='print {"connections": [...]} as JSON instead of YAML')
    add_connection_arguments(parser)
    parser.set_defaults(run=run_export)


def run_export(args: argparse.Namespace, io: Io) -> int:
    client, workspace = connect(args, io)
    with client:
        scope = client.resolve_workspace(workspace)
        entries = export_connections(client, scope, name_prefix=args.name_prefix)
    if args.json:
        body = {"format_version": FORMAT_VERSION, "command": "export", "scope": {scope.kind: scope.id}}
        print(json.dumps({**body, "connections": [e.to_json() for e in entries]}), file=io.out)
    else:
        io.out.write(export_yaml(entries, source=str(scope)))
    return EXIT_OK
