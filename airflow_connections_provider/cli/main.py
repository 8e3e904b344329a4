"""``airflow-connections``: the parser, its subcommands, exit codes and the one error boundary.

A subcommand is a module with a ``register(subparsers)`` that adds its parser and sets ``run``
(``common.Command``); :data:`SUBCOMMANDS` lists them, so a new one (``export``) is one module and one
line here. Exit codes: 0 done and nothing to change, 2 (``plan``) changes to make, 1 any error. An
error is one message on stderr (and the ``error`` key with ``--json``), the problem and the fix, never
a value: unexpected exceptions are named by type only, since their text could quote anything.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Mapping, Sequence
from typing import TextIO

from airflow_connections_provider.cli import explain, export_command, sync_commands
from airflow_connections_provider.cli.common import EXIT_ERROR, Io, Register
from airflow_connections_provider.cli.output import FORMAT_VERSION
from airflow_connections_provider.client import ConnectionsClientError

PROG = "airflow-connections"
SUBCOMMANDS: tuple[Register, ...] = (
    sync_commands.register_plan,
    sync_commands.register_apply,
    explain.register,
    export_command.register,
)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog=PROG,
        description="Plan, apply and export sync specs of IBM connection assets outside Airflow (docs/cli.md).",
    )
    subparsers = root.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for register in SUBCOMMANDS:
        register(subparsers)
    return root


def main(
    argv: Sequence[str] | None = None,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    io = Io(out or sys.stdout, err or sys.stderr, os.environ if environ is None else environ)
    try:
        with contextlib.redirect_stdout(io.out), contextlib.redirect_stderr(io.err):  # --help, usage errors
            args = parser().parse_args(argv)
    except SystemExit as exit_:  # argparse: --help is 0, a usage error 2, which here means "changes"
        return 0 if exit_.code == 0 else EXIT_ERROR
    try:
        code: int = args.run(args, io)
        return code
    except ConnectionsClientError as exc:
        message = str(exc)
    except OSError as exc:  # a spec or state file: the path and the reason, nothing read from it
        message = f"{exc.filename or 'file'}: {exc.strerror or type(exc).__name__}"
    except Exception as exc:  # noqa: BLE001 - the boundary: a type, never a text that could quote a value
        message = f"unexpected {type(exc).__name__} (a bug: please report it with the command line, not the spec)"
    if getattr(args, "json", False):
        print(json.dumps({"format_version": FORMAT_VERSION, "command": args.command, "error": message}), file=io.out)
    print(f"error: {message}", file=io.err)
    return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
