"""``plan`` and ``apply``: the sync's own spec reader, planner, guard and apply, without a scheduler.

``plan SPEC`` renders the spec (``render``), checks it whole, lists the project once and prints the
plan; exit 0 when nothing would change, 2 when something would, 1 on any error or when an apply
would refuse the plan (the prune guard). ``apply SPEC --yes`` does the same, then applies exactly as
the operator does: construction before destruction, every guard, progress on stderr; exit 0 when
every write succeeded, 1 otherwise. Without ``--yes`` it prints the plan and writes nothing.
"""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from airflow_connections_provider.cli import output
from airflow_connections_provider.cli.common import EXIT_CHANGES, EXIT_ERROR, EXIT_OK, Io
from airflow_connections_provider.cli.render import RenderedSpec, connection_lookup, described, render_spec
from airflow_connections_provider.cli.settings import add_connection_arguments, settings
from airflow_connections_provider.cli.state import FileStore
from airflow_connections_provider.client import (
    ConfigurationError,
    ConnectionsClient,
    ConnectionsClientError,
    InvalidInputError,
    Scope,
    WorkspaceRef,
)
from airflow_connections_provider.client.dependents import accepted_problems
from airflow_connections_provider.sync.guard import check_limits
from airflow_connections_provider.sync.limits import DEFAULT_MAX_DELETE_FRACTION, DEFAULT_MAX_DELETES
from airflow_connections_provider.sync.runner import (
    MAX_CONCURRENCY,
    PlannedSync,
    SyncRequest,
    apply_planned,
    check_complete,
    dependents_text,
    plan_sync,
)


def register_plan(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "plan",
        help="show what a sync of SPEC would change (exit 0: nothing, 2: changes, 1: error)",
        description=__doc__.split("\n\n")[1],
    )
    _add_sync_arguments(parser)
    parser.set_defaults(run=run_plan)


def register_apply(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "apply",
        help="make the project match SPEC (needs --yes; exit 0: done, 1: error or failed writes)",
        description=__doc__.split("\n\n")[1],
    )
    _add_sync_arguments(parser)
    parser.add_argument(
        "--yes", "--auto-approve", dest="yes", action="store_true", help="apply without asking (required)"
    )
    parser.add_argument("--no-test", dest="test", action="store_false", help="save without the service's live test")
    parser.add_argument(
        "--max-concurrency", type=int, default=8, help=f"writes in flight at once, 1 to {MAX_CONCURRENCY} (default 8)"
    )
    parser.set_defaults(run=run_apply)


def _add_sync_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", type=Path, help="the spec file (YAML or JSON, a Jinja template as in Airflow)")
    sync = parser.add_argument_group("sync", "The arguments of IBMSyncConnectionsOperator of the same name.")
    sync.add_argument("--managed-prefix", help="the connections this sync owns (required by --prune)")
    sync.add_argument("--prune", action="store_true", help="delete managed connections the spec does not name")
    sync.add_argument("--allow-empty-spec", action="store_true", help="with --prune, accept a spec with no entries")
    sync.add_argument("--max-deletes", type=_limit(int), default=DEFAULT_MAX_DELETES, help="or 'none' (default 10)")
    sync.add_argument(
        "--max-delete-fraction", type=_limit(float), default=DEFAULT_MAX_DELETE_FRACTION, help="or 'none' (default 0.5)"
    )
    sync.add_argument("--rewrite-secrets", action="store_true", help="send every declared secret")
    sync.add_argument(
        "--accepted-dependents",
        action="append",
        default=[],
        metavar="NAME_OR_ID",
        help="a data asset --prune may leave pointing at a deleted connection (repeat for each)",
    )
    sync.add_argument(
        "--force", action="store_true", help="with --prune, delete connections whatever data assets use them"
    )
    sync.add_argument(
        "--state",
        type=Path,
        help="secret fingerprints file (the sync's fingerprint Variable as JSON); apply updates it",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document (docs/cli.md) instead of text")
    add_connection_arguments(parser)


def _limit(kind: type) -> Any:
    def parse(text: str) -> Any:
        return None if text.strip().lower() == "none" else kind(text)

    parse.__name__ = kind.__name__  # argparse names the type in its error
    return parse


@dataclass
class _Planned:
    scope: Scope
    planned: PlannedSync
    request: SyncRequest
    rendered: RenderedSpec
    refused: str | None

    @property
    def not_available(self) -> list[str]:
        return described(self.rendered.unavailable)

    @property
    def blocked(self) -> dict[str, str]:
        """Deletions an apply would not send (data assets use them, or that is not known): name -> why."""
        return self.planned.blocked_by_name(self.request)


def run_plan(args: argparse.Namespace, io: Io) -> int:
    client, workspace = connect(args, io)
    with client:
        found = _plan(args, io, client, workspace, store=_store(args))
    _print_plan(args, io, "plan", found)
    if found.refused or found.blocked:  # an apply would refuse the plan, or fail on these deletions
        return EXIT_ERROR
    return EXIT_CHANGES if found.planned.plan.writes else EXIT_OK


def run_apply(args: argparse.Namespace, io: Io) -> int:
    if not 1 <= args.max_concurrency <= MAX_CONCURRENCY:
        raise InvalidInputError("apply", [f"--max-concurrency must be between 1 and {MAX_CONCURRENCY}"])
    store = _store(args)
    client, workspace = connect(args, io)
    with client:
        found = _plan(args, io, client, workspace, store=store)
        check_complete(found.planned.desired)  # what cannot be compared cannot be called converged either
        if not found.planned.plan.writes:
            _print_plan(args, io, "apply", found, result={})
            return EXIT_OK
        if not args.yes:
            _print_plan(args, io, "apply", found, error="apply needs --yes (or --auto-approve): nothing was written")
            return EXIT_ERROR
        if not args.json:
            print(
                output.text(
                    found.scope,
                    str(args.spec),
                    found.planned.plan,
                    refused=None,
                    not_available=[],
                    dependents=dependents_text(found.planned),
                ),
                file=io.out,
            )
        log = io.logger(logging.INFO)
        summary = apply_planned(client, found.scope, found.request, found.planned, log=log, store=store)
    failed = bool(summary["failed"] or summary["held_back"])
    if args.json:
        document = output.document(
            "apply",
            found.scope,
            found.planned.plan,
            result=summary,
            dependents=found.planned.dependents_by_name(),
            blocked=found.blocked,
        )
        print(json.dumps(document), file=io.out)
    else:
        print(output.result_text(summary), file=io.out)
    return EXIT_ERROR if failed else EXIT_OK


def connect(args: argparse.Namespace, io: Io) -> tuple[ConnectionsClient, WorkspaceRef]:
    """A client for the connection's settings, and the workspace (project, catalog or space) to work on."""
    hook_settings = settings(args, io.environ)
    if hook_settings.default_scope is None:
        raise ConfigurationError(
            "no project, catalog or space: pass --project, --catalog or --space <id or name>, set "
            "IBM_DATA_PLATFORM_PROJECT (or _CATALOG, _SPACE), or the connection's extra 'project' ('catalog', 'space')"
        )
    return ConnectionsClient(hook_settings.client_config), hook_settings.default_scope


def _store(args: argparse.Namespace) -> FileStore | None:
    return FileStore(args.state) if args.state is not None else None


def _plan(
    args: argparse.Namespace, io: Io, client: ConnectionsClient, workspace: WorkspaceRef, *, store: FileStore | None
) -> _Planned:
    problems = check_limits(args.max_deletes, args.max_delete_fraction)
    problems += accepted_problems(
        args.accepted_dependents, force=args.force, name="--accepted-dependents", force_name="--force"
    )
    if args.prune and not args.managed_prefix:
        problems.append(
            "--prune needs --managed-prefix: the sync only ever deletes connections whose name starts with it"
        )
    if problems:
        raise InvalidInputError("arguments", problems)
    rendered = render_spec(args.spec, io.environ)
    request = SyncRequest(
        spec=rendered.text,
        managed_prefix=args.managed_prefix,
        prune=args.prune,
        dry_run=True,
        test=getattr(args, "test", True),
        max_concurrency=getattr(args, "max_concurrency", 8),
        rewrite_secrets=args.rewrite_secrets,
        allow_empty_spec=args.allow_empty_spec,
        max_deletes=args.max_deletes,
        max_delete_fraction=args.max_delete_fraction,
        unavailable_marker=rendered.unavailable.marker,
        force=args.force,
        accepted_dependents=tuple(args.accepted_dependents),
    )
    scope = client.resolve_workspace(workspace)
    lookup = connection_lookup(rendered, io.environ)
    log = io.logger(logging.INFO)
    planned = plan_sync(client, scope, request, store=store, lookup=lookup, mask=_printed_nowhere, log=log)
    refused = None
    try:
        planned.check(request)
    except ConnectionsClientError as exc:
        refused = str(exc)
    return _Planned(scope, planned, request, rendered, refused)


def _printed_nowhere(values: Iterable[str]) -> None:
    """The console script prints names, ids and field names only, and has no Airflow masker to feed."""


def _print_plan(
    args: argparse.Namespace,
    io: Io,
    command: str,
    found: _Planned,
    *,
    result: dict[str, Any] | None = None,
    error: str | None = None,
) -> None:
    plan = found.planned.plan
    if args.json:
        document = output.document(
            command,
            found.scope,
            plan,
            refused=found.refused,
            not_available=found.not_available,
            result=result,
            error=error,
            dependents=found.planned.dependents_by_name(),
            blocked=found.blocked,
        )
        print(json.dumps(document), file=io.out)
        return
    text = output.text(
        found.scope,
        str(args.spec),
        plan,
        refused=found.refused,
        not_available=found.not_available,
        dependents=dependents_text(found.planned),
        blocked=found.blocked,
    )
    print(text, file=io.out)
    if error:
        print(f"error: {error}", file=io.err)
