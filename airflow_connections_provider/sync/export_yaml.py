"""The exported spec as text: YAML that the sync's reader (``spec_yaml``) reads back exactly, and that
Jinja (Airflow's, or the console script's) renders without touching anything but the placeholders.

Every text value is double-quoted with escapes, never plain: YAML 1.1 would retype plain ``yes``,
``0755``, ``12:30`` or ``2024_01``, and ``spec_yaml`` refuses plain values an integer property cannot
take as written; a quoted value means the same to every YAML reader. Escaped inside quotes: ``\\``,
``"``, every character that is not printable (YAML's reader refuses them raw; ``\\x85``, ``\\u2028``
and ``\\u2029`` would end the line), and a ``{`` that would open a Jinja tag with the next character
(``{{``, ``{%``, ``{#``), so rendering the file leaves values alone. Whole numbers and booleans are
written plainly (``5432``, ``true``): the property's declared type then reads them as that type. Keys
are plain when they are identifiers no YAML reads as anything but text, quoted otherwise.

Placeholders are written bare, ``password: {{ conn.orders_db.password | tojson }}``: rendered, they
are JSON strings, which YAML reads back exactly whatever the secret holds (docs/sync.md).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from airflow_connections_provider.sync.export import ExportedConnection, Placeholder, placeholders

#: Plain keys YAML 1.1 or 1.2 would read as a boolean or null.
_TYPED_WORDS = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"})
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0"}


def quoted(text: str) -> str:
    """``text`` as a YAML double-quoted scalar every reader reads back exactly and Jinja leaves alone."""
    out = ['"']
    for i, ch in enumerate(text):
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ch == "{" and text[i + 1 : i + 2] in ("{", "%", "#"):
            out.append("\\x7b")
        elif not ch.isprintable():
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def key(name: str) -> str:
    return name if _PLAIN_KEY.match(name) and name.lower() not in _TYPED_WORDS else quoted(name)


def scalar(value: Any) -> str:
    """A property value: placeholders bare, whole numbers and booleans plain, the rest as quoted text
    or, for lists and mappings, flow collections of the same."""
    if isinstance(value, Placeholder):
        return value.template
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and math.isfinite(value):
        return quoted(repr(value))  # as text: the property's type reads it, no YAML float rule in between
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{quoted(str(k))}: {scalar(v)}" for k, v in value.items()) + "}"
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return "[" + ", ".join(scalar(v) for v in value) + "]"
    return quoted(str(value))


def entry_lines(entry: ExportedConnection) -> list[str]:
    lines = [
        f"  - name: {quoted(entry.name)}",
        f"    datasource_type: {quoted(entry.datasource_type)}",
        f"    description: {quoted(entry.description)}",
    ]
    if entry.flags:
        lines.append(f"    flags: [{', '.join(quoted(f) for f in entry.flags)}]")
    if entry.properties:
        lines.append("    properties:")
        lines += [f"      {key(k)}: {scalar(v)}" for k, v in sorted(entry.properties.items())]
    else:
        lines.append("    properties: {}")
    return lines


def export_yaml(entries: Sequence[ExportedConnection], *, source: str) -> str:
    """The spec text: a header saying what to fill in (no name, no value: Jinja reads comments too),
    then the entries in their order."""
    needed = sorted({p.reference for p in placeholders(entries)})
    header = [
        f"# Connections exported from {source} by airflow-connections-provider: {len(entries)} connection(s).",
        "# A sync spec (docs/sync.md): plan or apply it to converge a scope on it. No secret value is in it:",
    ]
    if needed:
        header += [
            "# each secret is a placeholder that Airflow (or the airflow-connections script) renders from an",
            "# Airflow connection. Fill in, before a sync renders this file (or edit the placeholders):",
            *(f"#   {reference}" for reference in needed),
        ]
    else:
        header.append("# it names no secret.")
    body = ["connections: []"] if not entries else ["connections:", *(li for e in entries for li in entry_lines(e))]
    return "\n".join([*header, *body]) + "\n"
