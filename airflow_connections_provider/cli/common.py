"""What every subcommand shares: exit codes, where output goes, the command interface."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TextIO

#: ``terraform plan -detailed-exitcode``: 0 nothing to change, 2 changes, 1 an error.
EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES = 2


@dataclass(frozen=True)
class Io:
    """Output streams and the environment a command reads (tests give their own)."""

    out: TextIO
    err: TextIO
    environ: Mapping[str, str]

    def logger(self, level: int) -> logging.Logger:
        """A logger on ``err`` for the sync's own lines (progress, failures): never on ``out``, which
        ``--json`` keeps for the document alone."""
        log = logging.Logger("airflow_connections_provider.cli", level)  # not in the registry: one per command
        handler = logging.StreamHandler(self.err)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        return log


#: A subcommand: ``register(subparsers)`` adds its parser and sets ``run`` to a ``Command``.
Command = Callable[[argparse.Namespace, Io], int]
Register = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]
