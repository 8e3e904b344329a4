"""Export: a scope's connections as a sync spec, secrets replaced by Airflow template placeholders.

The spec says what the service holds, so applying it (its placeholders rendered) to the same scope
plans no change. Every visible property is kept as the service returned it, the description and
flags too. A secret (a property the datasource type marks ``masked``) is never written, whatever the
reply carried: it becomes a placeholder naming an Airflow connection derived from the connection's
name, ``{{ conn.<conn_id>.password | tojson }}`` for ``password`` and ``{{
conn.<conn_id>.extra_dejson.<property> | tojson }}`` for the others, which the user fills by creating
that Airflow connection (or by editing the placeholder). A secret is exported when the reply holds it
(any value, a masked stand-in included) or the type requires it given the visible properties
(conditions evaluated): a deployment that omits secrets from its replies cannot say which optional
ones are set.

IBM's own export (``/v2/asset_exports``, ``cpdctl asset export``) packs assets for another service,
secrets encrypted with a key; this is the sync's own format instead, reviewable and diffable. The
order is stable (connections by name, properties by name), so two exports of an unchanged scope are
identical byte for byte (``export_yaml``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from airflow_connections_provider.client import ALL_FLAGS, Connection, ConnectionsClient, DatasourceType, Scope

#: Characters an Airflow connection id in a placeholder may hold: Jinja reads ``conn.<id>`` as attributes.
_NOT_IN_CONN_ID = re.compile(r"[^0-9a-z_]+")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


@dataclass(frozen=True)
class Placeholder:
    """A secret's place in the spec: the Jinja expression Airflow (or the console script) renders."""

    conn_id: str
    prop: str

    @property
    def reference(self) -> str:
        """``conn.orders_db.password``: what the user fills in (docs/cli.md, "export")."""
        if self.prop == "password":
            return f"conn.{self.conn_id}.password"
        key = f".{self.prop}" if _IDENTIFIER.match(self.prop) else f"[{self.prop!r}]"
        return f"conn.{self.conn_id}.extra_dejson{key}"

    @property
    def template(self) -> str:
        """Rendered to a JSON string, which YAML reads back exactly (docs/sync.md, "Secrets in a spec")."""
        return "{{ " + self.reference + " | tojson }}"


@dataclass(frozen=True)
class ExportedConnection:
    """One entry of the exported spec. ``properties`` holds visible values and :class:`Placeholder` s."""

    name: str
    datasource_type: str
    description: str
    flags: tuple[str, ...] = ()
    properties: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The entry as data: placeholders as their template text (never a value)."""
        entry: dict[str, Any] = {
            "name": self.name,
            "datasource_type": self.datasource_type,
            "description": self.description,
        }
        if self.flags:
            entry["flags"] = list(self.flags)
        entry["properties"] = {
            k: v.template if isinstance(v, Placeholder) else v for k, v in sorted(self.properties.items())
        }
        return entry


def conn_id_for(name: str, taken: set[str]) -> str:
    """An Airflow connection id for the connection ``name``: lower case, ``_`` for the rest, unique in ``taken``."""
    base = _NOT_IN_CONN_ID.sub("_", name.lower()).strip("_") or "connection"
    if base[0].isdigit():
        base = f"c_{base}"
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}_{n}"
    taken.add(candidate)
    return candidate


def exported_connection(conn: Connection, dtype: DatasourceType, conn_id: str) -> ExportedConnection:
    """``conn`` as a spec entry: visible properties as read, secrets as placeholders naming ``conn_id``."""
    secret = dtype.secret_properties
    properties: dict[str, Any] = {k: v for k, v in conn.properties.items() if k not in secret and v is not None}
    # Required ones as the visible properties decide (conditions evaluated): a reply may omit every secret.
    required_secrets = secret & set(dtype.required_for(properties))
    for prop in sorted((secret & set(conn.properties)) | required_secrets):
        properties[prop] = Placeholder(conn_id, prop)
    return ExportedConnection(
        name=conn.name,
        datasource_type=dtype.name,
        description=conn.description or "",
        flags=tuple(sorted(conn.flags)),
        properties=dict(sorted(properties.items())),
    )


def export_connections(
    client: ConnectionsClient, scope: Scope, *, name_prefix: str | None = None
) -> list[ExportedConnection]:
    """Every connection of ``scope`` (flagged ones included; only names starting with ``name_prefix``
    when given), by name. Requests: the listing's pages and one per datasource type (cached)."""
    found = [c for c in client.list_connections(scope, flags=ALL_FLAGS) if c.name.startswith(name_prefix or "")]
    taken: set[str] = set()
    return [
        exported_connection(c, client.get_datasource_type(c.datasource_type), conn_id_for(c.name, taken))
        for c in sorted(found, key=lambda c: (c.name, c.id))
    ]


def placeholders(entries: Iterable[ExportedConnection]) -> list[Placeholder]:
    """Every placeholder of the spec, in its order: what the user must provide to apply it."""
    return [v for e in entries for v in e.properties.values() if isinstance(v, Placeholder)]
