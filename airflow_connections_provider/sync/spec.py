"""The declared spec of a sync: reading it, filling it from Airflow connections, checking it whole.

A spec is a list of entries, ``{"connections": [...]}``, or a mapping of name to entry; as YAML/JSON
text (what Airflow hands over once it has rendered a ``.yaml``/``.json`` template file) or as data.
Each entry::

    name: orders-db                     # required, unique in the spec
    datasource_type: postgresql         # required: a name or an id
    description: Orders database        # optional; omitted = left as it is
    properties: {host: ..., password: "{{ conn.orders.password }}"}
    from_airflow_connection: orders     # optional: fill host/port/login/password/schema from it
    property_map: {schema: service_name}  # optional: where those Airflow fields land
    flags: [personal_credentials]       # optional: set when the connection is created (never changed)

A property may reference a secret in a Cloud Pak for Data vault instead of holding its value:
``password: {vault_secret: "1000330999:orders-db-password"}`` (the client's ``vault`` module has the
wire form). A reference is not a secret: it is compared as written, never masked or fingerprinted.

Every problem of every entry is collected into one :class:`InvalidInputError` before anything is written.

Outside Airflow (the console script) a spec may name an Airflow connection or Variable that is not
set where it runs. Its renderer then writes a marker instead of the value, and :func:`resolve_spec`
given that marker (``unavailable_marker``) leaves every property holding it out of the entry and
lists its name in :attr:`DesiredConnection.unavailable`: the planner never compares or sends it.

A spec given as text is read by :mod:`.spec_yaml`: a plain (unquoted) value is the text the user wrote,
and its type is the declared type of the property it is the value of — text for a string or enum
property (``2024_01``, ``0755``, ``12:30``, ``yes`` and ``1e3`` arrive as typed), a whole number for an
integer property when it is written as one plainly, a boolean for a boolean property. An unquoted value
an integer property cannot take as it stands (``0755``, ``5_432``, ``1e3``, ``12:30``: YAML 1.1 and 1.2
read them differently) is refused with "quote it". Names, types and descriptions are text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from airflow_connections_provider.client import (
    ConnectionsClient,
    DatasourceType,
    InvalidInputError,
    NewConnection,
    UnknownDatasourceTypeError,
    check_new_connection,
)
from airflow_connections_provider.client.validation import check_name_characters, close_matches
from airflow_connections_provider.client.vault import is_reference_form
from airflow_connections_provider.masking import looks_secret, mask_texts, secret_values
from airflow_connections_provider.sync.spec_text import load_text, secrets_in_text
from airflow_connections_provider.sync.spec_yaml import MAX_DEPTH, PlainText

ENTRY_KEYS = (
    "name",
    "datasource_type",
    "description",
    "properties",
    "from_airflow_connection",
    "property_map",
    "flags",
)
#: Where the fields of an Airflow connection land by default, when the datasource type has that property.
DEFAULT_PROPERTY_MAP: Mapping[str, str] = {
    "host": "host",
    "port": "port",
    "login": "username",
    "password": "password",
    "schema": "database",
}
#: An unquoted whole number every YAML version reads alike (no sign but -, no leading zero, no _).
_PLAIN_INTEGER = re.compile(r"-?(?:0|[1-9][0-9]*)\Z")


@dataclass(frozen=True, slots=True)
class DesiredConnection(NewConnection):
    """One checked entry: the client's checked new connection (so a create sends it without checking it
    again: checked once, here), plus the declared fields whose value is not available where the spec was
    rendered (names only: the console script outside Airflow), which are never compared or sent."""

    unavailable: frozenset[str] = frozenset()


def parse_spec(spec: Any) -> list[Mapping[str, Any]]:
    """The raw entries of a spec given as text, a file path, a list or a mapping."""
    data = spec
    if isinstance(spec, str):
        text = spec
        if "\n" not in spec and spec.strip().endswith((".yaml", ".yml", ".json")) and Path(spec.strip()).is_file():
            text = Path(spec.strip()).read_text()  # a path Airflow did not render (no template search path)
        data = load_text(text)
    if isinstance(data, Mapping) and "connections" in data:
        data = data["connections"]
    if isinstance(data, Mapping):
        entries: list[Any] = []
        for name, entry in data.items():
            entries.append({"name": name, **entry} if isinstance(entry, Mapping) else entry)
        data = entries
    if data is None:
        return []
    if not isinstance(data, Sequence) or isinstance(data, (str, bytes)):
        raise InvalidInputError(
            "sync spec",
            ["the spec must be a list of connections, {'connections': [...]}, or a mapping of name to entry"],
        )
    return list(data)


def mask_spec_secrets(spec: Any) -> None:
    """Mask secret-looking values of a rendered spec, whether it parses or not (never raises).

    Collected first and handed to the masker in one batch: one by one costs O(N²) (see ``masking``).
    """
    mask_texts(secrets_in_text(spec) if isinstance(spec, str) else _secrets_in_data(spec))


def _secrets_in_data(data: Any) -> Iterator[str]:
    """Values of secret-looking keys at any depth up to :data:`MAX_DEPTH` (deeper is no spec: never
    read, so never recursed into); iterative, so no nesting can overflow the stack."""
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            continue
        if isinstance(item, Mapping):
            for key, value in item.items():
                if is_reference_form(value):
                    continue  # a vault reference names a secret, it is not one
                if _is_container(value):
                    stack.append((value, depth + 1))
                elif value not in (None, "") and not isinstance(value, bool) and looks_secret(str(key)):
                    yield str(value)
        elif _is_container(item):
            stack.extend((value, depth + 1) for value in item)


def _is_container(value: Any) -> bool:
    return isinstance(value, Mapping) or (isinstance(value, Sequence) and not isinstance(value, (str, bytes)))


ConnectionLookup = Callable[[str], Any]
Masker = Callable[[Iterable[str]], None]


def _airflow_connection(conn_id: str) -> Any:
    from airflow.providers.common.compat.sdk import BaseHook

    return BaseHook.get_connection(conn_id)


def resolve_spec(
    client: ConnectionsClient,
    spec: Any,
    *,
    managed_prefix: str | None = None,
    lookup: ConnectionLookup = _airflow_connection,
    unavailable_marker: str | None = None,
    mask: Masker = mask_texts,
) -> list[DesiredConnection]:
    """Check the whole spec against the service's datasource types; raise one error listing every problem.

    ``mask`` receives the secrets the datasource types mark (Airflow's masker in a task; the console
    script, which prints no value and runs without Airflow, passes its own).
    """
    problems: list[str] = []
    desired: list[DesiredConnection] = []
    try:
        context = _Context(lookup, unavailable_marker)
        _resolve_entries(client, parse_spec(spec), managed_prefix, context, problems, desired)
    finally:
        # The second net (the secrets the datasource types mark), in one batch, even when an entry raised.
        mask(value for entry in desired for value in secret_values(entry.properties, entry.secret_names))
    if problems:
        raise InvalidInputError("sync spec", problems)
    return desired


@dataclass(frozen=True, slots=True)
class _Context:
    lookup: ConnectionLookup
    marker: str | None

    def unavailable(self, value: Any) -> bool:
        if is_reference_form(value):  # a vault reference whose URN was not available
            value = next(iter(value.values())) if isinstance(value, Mapping) else value.secret_urn
        return self.marker is not None and isinstance(value, str) and self.marker in value


def _resolve_entries(
    client: ConnectionsClient,
    entries: list[Mapping[str, Any]],
    managed_prefix: str | None,
    context: _Context,
    problems: list[str],
    desired: list[DesiredConnection],
) -> None:
    seen: dict[str, int] = {}
    for position, raw in enumerate(entries, start=1):
        where = f"entry {position}"
        if not isinstance(raw, Mapping):
            problems.append(f"{where}: must be a mapping with name, datasource_type and properties")
            continue
        name = raw.get("name")
        where = f"entry {position} ({name!r})" if isinstance(name, str) and name else where
        for key in raw:
            if key not in ENTRY_KEYS:
                hint = close_matches(str(key), ENTRY_KEYS)
                problems.append(f"{where}: unknown key {key!r}" + (f"; did you mean {hint[0]!r}?" if hint else ""))
        if name is not None and not isinstance(name, str):
            problems.append(f"{where}: 'name' must be text, got {type(name).__name__}")
            continue
        if not isinstance(name, str) or not name.strip():
            problems.append(f"{where}: 'name' is missing")
            continue
        if context.unavailable(name):
            problems.append(f"entry {position}: 'name' comes from a connection or Variable that is not set here")
            continue
        name = str(name)
        characters = check_name_characters(name, what="'name'")
        if characters:  # named by position and code point: the name itself may not show as what it is
            problems.extend(f"entry {position}: {p}" for p in characters)
            continue
        if name in seen:
            problems.append(f"{where}: duplicate name, also entry {seen[name]}")
            continue
        seen[name] = position
        if managed_prefix and not name.startswith(managed_prefix):
            problems.append(f"{where}: name must start with managed_prefix {managed_prefix!r}")
        entry = _resolve_entry(client, raw, where, problems, context)
        if entry is not None:
            desired.append(entry)


def _resolve_entry(
    client: ConnectionsClient,
    raw: Mapping[str, Any],
    where: str,
    problems: list[str],
    context: _Context,
) -> DesiredConnection | None:
    type_ref = raw.get("datasource_type")
    if type_ref is not None and not isinstance(type_ref, str):
        problems.append(f"{where}: 'datasource_type' must be text (a name or an id), got {type(type_ref).__name__}")
        return None
    if not isinstance(type_ref, str) or not type_ref.strip():
        problems.append(f"{where}: 'datasource_type' is missing")
        return None
    try:
        dtype = client.get_datasource_type(type_ref)
    except UnknownDatasourceTypeError as exc:
        problems.extend(f"{where}: {p}" for p in exc.problems)
        return None
    properties = raw.get("properties") or {}
    if not isinstance(properties, Mapping):
        problems.append(f"{where}: 'properties' must be a mapping of name to value, got {type(properties).__name__}")
        return None
    unavailable = {k for k, v in properties.items() if context.unavailable(v)}
    typed, typing_problems = typed_plain_values(dtype, {k: v for k, v in properties.items() if k not in unavailable})
    problems.extend(f"{where}: {p}" for p in typing_problems)
    filled = _from_airflow_connection(raw, dtype, where, problems, context.lookup)
    unavailable |= {k for k, v in filled.items() if context.unavailable(v) and k not in typed}
    merged = {**filled, **typed}  # explicit properties win over the Airflow connection's
    merged = {k: v for k, v in merged.items() if k not in unavailable}
    # A value that is not available is still declared: checked as present, never compared or sent.
    stand_ins = {k: _stand_in(dtype, k) for k in unavailable}
    description = raw.get("description")
    checked, entry_problems = check_new_connection(
        dtype,
        name=str(raw["name"]),
        properties={**stand_ins, **merged},
        description=description if isinstance(description, str) else None,
        flags=raw.get("flags"),
    )
    problems.extend(f"{where}: {p}" for p in entry_problems)
    if description is not None and not isinstance(description, str):
        problems.append(f"{where}: 'description' must be text, got {type(description).__name__}")
        return None
    if context.unavailable(description):
        description, unavailable = None, unavailable | {"description"}
    if checked is None or typing_problems:
        return None
    kept = {k: v for k, v in checked.properties.items() if k not in unavailable}
    described = None if description is None else str(description)
    return DesiredConnection(
        name=checked.name,
        datasource_type=dtype,
        description=described,
        properties=kept,
        flags=checked.flags,
        unavailable=frozenset(unavailable),
    )


def _stand_in(dtype: DatasourceType, name: Any) -> Any:
    """A value of the property's type, to check an entry whose value for it is not available."""
    prop = dtype.get_property(name) if isinstance(name, str) else None
    kind = prop.type.lower() if prop is not None else "string"
    if kind == "integer":
        return 1
    if kind == "boolean":
        return False
    if kind == "enum" and prop is not None and prop.values:
        return prop.values[0]
    return "not-available"


def typed_plain_values(dtype: DatasourceType, properties: Mapping[Any, Any]) -> tuple[dict[Any, Any], list[str]]:
    """Give each unquoted YAML value (:class:`PlainText`) the type its property declares.

    Text for string, enum and any other property (exactly as written); a whole number for an integer
    property written plainly (``5432``, ``-1``); for a boolean property the text, which the checks read
    as true/false/yes/no/on/off. An integer property's plain value that is not a plain whole number
    (``0755``, ``5_432``, ``+5``, ``1e3``, ``12:30``) is a problem: YAML versions read it differently,
    so it is quoted or rewritten, never guessed. Messages name the property, never the value.
    """
    typed: dict[Any, Any] = {}
    problems: list[str] = []
    for key, value in properties.items():
        if not isinstance(value, PlainText):
            typed[key] = value
            continue
        prop = dtype.get_property(key) if isinstance(key, str) else None
        if prop is not None and prop.type.lower() == "integer":
            if _PLAIN_INTEGER.match(value):
                typed[key] = int(value)
            else:
                problems.append(
                    f"property {key!r} is an integer, and its unquoted value is not a plain whole number "
                    "(leading zeros, _, a + sign, an exponent or a time such as 12:30 read differently in "
                    "YAML 1.1 and 1.2); write it as a plain whole number such as 5432, or quote it"
                )
            continue
        typed[key] = str(value)
    return typed, problems


def _from_airflow_connection(
    raw: Mapping[str, Any],
    dtype: DatasourceType,
    where: str,
    problems: list[str],
    lookup: ConnectionLookup,
) -> dict[str, Any]:
    conn_id = raw.get("from_airflow_connection")
    custom = raw.get("property_map") or {}
    if not isinstance(custom, Mapping):
        problems.append(f"{where}: 'property_map' must be a mapping of Airflow field to property name")
        return {}
    if not conn_id:
        return {}
    if not isinstance(conn_id, str):
        problems.append(f"{where}: 'from_airflow_connection' must be an Airflow connection id (text)")
        return {}
    mapping = {**DEFAULT_PROPERTY_MAP, **custom}
    try:
        conn = lookup(str(conn_id))
    except Exception as exc:  # noqa: BLE001 - Airflow raises several types for a missing connection
        problems.append(f"{where}: Airflow connection {conn_id!r} cannot be read ({type(exc).__name__})")
        return {}
    filled: dict[str, Any] = {}
    for airflow_field, prop in mapping.items():
        if airflow_field not in DEFAULT_PROPERTY_MAP:
            problems.append(
                f"{where}: property_map key {airflow_field!r} is not one of {', '.join(DEFAULT_PROPERTY_MAP)}"
            )
            continue
        value = getattr(conn, airflow_field, None)
        if value in (None, ""):
            continue
        if dtype.get_property(prop) is None:
            if airflow_field in custom:
                problems.append(f"{where}: property_map sends {airflow_field!r} to unknown property {prop!r}")
            continue  # a default mapping onto a property this type lacks is simply unused
        filled[prop] = value
    return filled
