"""The client's modules import only modules below them (the order of the package docstring's map)."""

from __future__ import annotations

import ast
from pathlib import Path

import airflow_connections_provider.client as package

ORDER = [
    "errors",
    "error_replies",
    "vault",
    "values",
    "setting_checks",
    "config",
    "models",
    "validation",
    "messages",
    "paging",
    "endpoints",
    "dependents",
    "auth",
    "retry",
    "retrying",
    "deadline_watch",
    "transport",
    "async_transport",
    "workspaces",
    "actions",
    "client",
    "async_client",
]
PREFIX = "airflow_connections_provider.client."


def imported_siblings(module: str) -> set[str]:
    tree = ast.parse((Path(package.__file__).parent / f"{module}.py").read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module.startswith(PREFIX):
                found.add(node.module.removeprefix(PREFIX))
            elif node.module == PREFIX.rstrip("."):
                found.update(alias.name for alias in node.names)
    return found


def test_every_module_is_in_the_map():
    on_disk = {p.stem for p in Path(package.__file__).parent.glob("*.py")} - {"__init__"}
    assert on_disk == set(ORDER)
    for name in ORDER:
        assert f"``{name}``" in (package.__doc__ or "")


def test_no_module_imports_sideways_or_upwards():
    for position, module in enumerate(ORDER):
        allowed = set(ORDER[:position])
        assert imported_siblings(module) <= allowed, module
