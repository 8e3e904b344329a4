"""Checking operator arguments after Jinja rendering, before any request is sent.

Templated fields arrive as whatever the template produced (text, often), so they are checked in
``execute()``, never in ``__init__``. Every problem is collected and reported in one
``AirflowFailException`` (no retry can fix an argument). Messages name the argument and the
expected type; they show a value only for arguments that cannot hold a secret.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from airflow.providers.common.compat.sdk import AirflowFailException


def _type(value: Any) -> str:
    return "None" if value is None else type(value).__name__


class ArgumentChecks:
    """Collects problems; :meth:`raise_if_any` reports them all at once."""

    def __init__(self, subject: str) -> None:
        self.subject = subject
        self.problems: list[str] = []

    def add(self, problem: str) -> None:
        self.problems.append(problem)

    def text(self, name: str, value: Any, *, optional: bool = False) -> None:
        if value is None and optional:
            return
        if not isinstance(value, str):
            self.add(f"{name} must be text, got {_type(value)}")
        elif not value.strip():
            self.add(f"{name} must not be empty")

    def flag(self, name: str, value: Any) -> None:
        if not isinstance(value, bool):
            self.add(f"{name} must be True or False, got {_type(value)} {value!r}")

    def choice(self, name: str, value: Any, choices: Collection[str]) -> None:
        if value not in choices:
            self.add(f"{name} must be one of {', '.join(map(repr, choices))}, got {value!r}")

    def integer(self, name: str, value: Any, *, low: int, high: int | None = None, optional: bool = False) -> None:
        if value is None and optional:
            return
        bounds = f"between {low} and {high}" if high is not None else f">= {low}"
        if not isinstance(value, int) or isinstance(value, bool) or value < low or (high is not None and value > high):
            self.add(f"{name} must be an integer {bounds}, got {_type(value)} {value!r}")

    def seconds(self, name: str, value: Any, *, positive: bool = False, optional: bool = True) -> None:
        if value is None and optional:
            return
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        if not ok or value < 0 or (positive and value == 0):
            bound = "> 0" if positive else ">= 0"
            self.add(f"{name} must be a finite number of seconds {bound}, got {_type(value)} {value!r}")

    def properties(self, name: str, value: Any) -> None:
        """A mapping of property name to a JSON scalar or a vault reference (``{"vault_secret": "<urn>"}``;
        values are never shown: they may be secrets)."""
        from airflow_connections_provider.client.vault import is_reference_form, reference_problem

        if not isinstance(value, Mapping):
            self.add(f"{name} must be a mapping of property name to value, got {_type(value)}")
            return
        for key, item in value.items():
            if not isinstance(key, str) or not key.strip():
                self.add(f"{name} has a key that is not a property name ({_type(key)})")
            elif item is None:  # named here with the others, not left for the client to find after them
                self.add(f"{name}[{key!r}] is null: give a value, or leave the property out")
            elif isinstance(item, (str, bool, int)):
                continue
            elif is_reference_form(item):
                if problem := reference_problem(key, item):
                    self.add(f"{name}: {problem}")
            elif isinstance(item, float):
                if not math.isfinite(item):
                    self.add(f"{name}[{key!r}] must be a finite number, got {item!r}")
            else:
                self.add(
                    f"{name}[{key!r}] must be text, a number, true/false or a vault reference "
                    f"{{'vault_secret': '<secret URN>'}}, got {_type(item)}"
                )

    def flags(self, name: str, value: Any) -> None:
        """None, or a list of the connection flags IBM's sources name (``personal_credentials``, ...)."""
        from airflow_connections_provider.client.validation import check_flags

        for problem in check_flags(value)[1]:
            self.add(f"{name}: {problem}" if not problem.startswith(name) else problem)

    def names(self, name: str, value: Any) -> None:
        if isinstance(value, str) or not isinstance(value, Sequence):
            self.add(f"{name} must be a list of property names, got {_type(value)}")
            return
        bad = [i for i, item in enumerate(value) if not isinstance(item, str) or not item.strip()]
        if bad:
            self.add(f"{name} must hold property names (text); item(s) {bad} are not")

    def exactly_one(self, **named: Any) -> None:
        given = [k for k, v in named.items() if v not in (None, "")]
        if len(given) != 1:
            self.add(f"give exactly one of {' or '.join(named)} ({'both are' if given else 'neither is'} set)")
        else:
            self.text(given[0], named[given[0]])

    def raise_if_any(self) -> None:
        if self.problems:
            listing = "\n".join(f"  - {p}" for p in self.problems)
            raise AirflowFailException(
                f"{self.subject}: {len(self.problems)} invalid argument(s), nothing was sent:\n{listing}"
            )
