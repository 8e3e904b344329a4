"""Typed, frozen views of what the API returns, and of what callers ask it to change.

``from_api`` readers ignore keys they do not know (real replies carry ``interaction_properties``,
``rov``, ``owner_id`` and more), so a richer reply never breaks a reader. The word "connection" here
always means the platform's connection asset; Airflow's own connection is called ``ibm_conn_id`` in
every operator, sensor, hook and trigger of this package.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from airflow_connections_provider.client.errors import InvalidInputError
from airflow_connections_provider.client.values import differing_properties, normalise_property_value
from airflow_connections_provider.client.vault import VaultReference, as_reference, stored_references

ScopeKind = Literal["project_id", "catalog_id", "space_id"]
SCOPE_KINDS: tuple[ScopeKind, ...] = ("project_id", "catalog_id", "space_id")

#: Every connection flag IBM's sources name (its OpenAPI document's ``ConnectionEntity.flags``; cpdctl adds
#: ``parameterized``). A list shows only connections with *no* flag unless the ``entity.flags`` filter names
#: a flag (``x`` or ``+x`` adds those that carry it, ``-x`` removes them, additions first). Lookups that
#: must see every connection of a name send all of them.
KNOWN_FLAGS = ("parameterized", "personal_credentials", "restricted", "internal_use_only")
#: "The credentials' secrets will be visible only to the user who created the connection" (cpdctl).
PERSONAL_CREDENTIALS = "personal_credentials"


@dataclass(frozen=True, slots=True)
class Scope:
    """Where connections live: exactly one project, catalog or space."""

    kind: ScopeKind
    id: str

    @classmethod
    def project(cls, project_id: str) -> Scope:
        return cls("project_id", project_id)

    @classmethod
    def catalog(cls, catalog_id: str) -> Scope:
        return cls("catalog_id", catalog_id)

    @classmethod
    def space(cls, space_id: str) -> Scope:
        return cls("space_id", space_id)

    def as_query(self) -> dict[str, str]:
        return {self.kind: self.id}

    def __str__(self) -> str:
        return f"{self.kind.removesuffix('_id')} {self.id}"


def _frozen(mapping: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True, slots=True)
class PropertyDefinition:
    """One connection property of a datasource type."""

    name: str
    type: str = "string"
    label: str = ""
    description: str = ""
    required: bool = False
    masked: bool = False
    hidden: bool = False
    group: str | None = None
    default_value: Any = None
    values: tuple[str, ...] = ()

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> PropertyDefinition:
        raw_values = data.get("values") or ()
        values = tuple(str(v.get("value", v)) if isinstance(v, Mapping) else str(v) for v in raw_values)
        return cls(
            name=str(data["name"]),
            type=str(data.get("type") or "string"),
            label=str(data.get("label") or ""),
            description=str(data.get("description") or ""),
            required=bool(data.get("required", False)),
            masked=bool(data.get("masked", False)),
            hidden=bool(data.get("hidden", False)),
            group=data.get("group"),
            default_value=data.get("default_value"),
            values=values,
        )


@dataclass(frozen=True, slots=True)
class Condition:
    """One test on another property: ``equals``, ``not_equals``, ``in``, ``set`` (or ``matches``)."""

    property_name: str
    condition: str
    values: tuple[str, ...] = ()

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Condition:
        raw = data.get("values") or ()
        return cls(
            property_name=str(data.get("property_name") or ""),
            condition=str(data.get("condition") or "").lower(),
            values=tuple(str(v) for v in raw) if isinstance(raw, (list, tuple)) else (str(raw),),
        )

    def holds(self, given: Mapping[str, Any], definition: PropertyDefinition | None) -> bool:
        """Does the condition hold for the ``given`` properties? Unknown conditions never hold."""
        present = self.property_name in given and given[self.property_name] not in (None, "")
        if self.condition == "set":
            return present
        value = given[self.property_name] if present else (definition.default_value if definition else None)
        kind = definition.type if definition else None
        if self.condition == "matches":
            return value is not None and any(_fullmatch(pattern, str(value)) for pattern in self.values)
        same = value is not None and any(
            normalise_property_value(value, kind) == normalise_property_value(v, kind) for v in self.values
        )
        if self.condition in ("equals", "in"):
            return same
        if self.condition == "not_equals":
            return not same
        return False


def _fullmatch(pattern: str, text: str) -> bool:
    try:
        return re.fullmatch(pattern, text) is not None
    except re.error:
        return False


@dataclass(frozen=True, slots=True)
class ConditionalRequirement:
    """``properties.conditions.connection`` of a datasource type: when ``property_name`` applies."""

    property_name: str
    conditions: tuple[Condition, ...]
    all_conditions_required: bool = False

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> ConditionalRequirement:
        raw = data.get("conditions") or ()
        return cls(
            property_name=str(data.get("property_name") or ""),
            conditions=tuple(Condition.from_api(c) for c in raw if isinstance(c, Mapping)),
            all_conditions_required=bool(data.get("all_conditions_required", False)),
        )

    def applies(self, given: Mapping[str, Any], definitions: Mapping[str, PropertyDefinition]) -> bool:
        results = [c.holds(given, definitions.get(c.property_name)) for c in self.conditions]
        if not results:
            return True
        return all(results) if self.all_conditions_required else any(results)

    @property
    def pairs_with_another(self) -> bool:
        """A ``set`` condition on another property ties this one to it (``secret_key`` to ``access_key``)."""
        return any(c.condition == "set" and c.property_name != self.property_name for c in self.conditions)


@dataclass(frozen=True, slots=True)
class DatasourceType:
    """A kind of data source and the connection properties it takes.

    ``kind`` is the service's ``entity.type`` (``database``, ``file`` or ``generic``). ``conditions``
    say when a property applies; :meth:`required_for` turns them into the required set (the rule is in
    its docstring).
    """

    id: str
    name: str
    label: str = ""
    description: str = ""
    status: str | None = None
    kind: str | None = None
    properties: tuple[PropertyDefinition, ...] = ()
    conditions: tuple[ConditionalRequirement, ...] = ()

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> DatasourceType:
        metadata = data.get("metadata") or {}
        entity = data.get("entity") or {}
        all_props = entity.get("properties") or {}
        props = all_props.get("connection") or []
        conditions = (all_props.get("conditions") or {}).get("connection") or []
        return cls(
            id=str(metadata.get("asset_id") or entity.get("id") or ""),
            name=str(entity.get("name") or ""),
            label=str(entity.get("label") or ""),
            description=str(entity.get("description") or ""),
            status=entity.get("status"),
            kind=entity.get("type") if isinstance(entity.get("type"), str) else None,
            properties=tuple(PropertyDefinition.from_api(p) for p in props if isinstance(p, Mapping)),
            conditions=tuple(ConditionalRequirement.from_api(c) for c in conditions if isinstance(c, Mapping)),
        )

    def required_for(self, given: Mapping[str, Any]) -> tuple[str, ...]:
        """The properties a connection with ``given`` properties must carry.

        A property without conditions is required when its definition says so. One with conditions
        applies only when they hold (all of them with ``all_conditions_required``, else any); it is then
        required when its definition says so, or when a ``set`` condition ties it to another property
        that is given (IBM's Cloud Object Storage: ``api_key`` unless ``defer_credentials`` is yes,
        ``secret_key`` once ``access_key`` is given).
        """
        definitions = {p.name: p for p in self.properties}
        conditional = {c.property_name: c for c in self.conditions}
        required = []
        for prop in self.properties:
            rule = conditional.get(prop.name)
            if rule is None:
                needed = prop.required
            else:
                needed = rule.applies(given, definitions) and (prop.required or rule.pairs_with_another)
            if needed:
                required.append(prop.name)
        return tuple(required)

    @property
    def property_kinds(self) -> Mapping[str, str]:
        """Property name → type, for :func:`~airflow_connections_provider.client.values.same_property_values`."""
        return MappingProxyType({p.name: p.type for p in self.properties})

    def get_property(self, name: str) -> PropertyDefinition | None:
        for prop in self.properties:
            if prop.name == name:
                return prop
        return None

    @property
    def required_properties(self) -> tuple[str, ...]:
        """Required whatever else is given (conditional ones only when :meth:`required_for` says)."""
        conditional = {c.property_name for c in self.conditions}
        return tuple(p.name for p in self.properties if p.required and p.name not in conditional)

    @property
    def secret_properties(self) -> frozenset[str]:
        return frozenset(p.name for p in self.properties if p.masked)


@dataclass(frozen=True, slots=True)
class Connection:
    """A connection asset as read back from the service.

    Replies may carry secret properties in clear (IBM's recorded replies do, for shared credentials),
    or omit them, or hold a placeholder, depending on the deployment: treat ``properties`` as secret.
    ``repr`` and ``str`` list property names only, so a logged connection never shows a value.
    """

    id: str
    name: str
    datasource_type: str
    scope: Scope
    description: str = ""
    properties: Mapping[str, Any] = field(default_factory=dict, repr=False)
    flags: tuple[str, ...] = ()
    create_time: str | None = None
    creator_id: str | None = None
    href: str | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Connection:
        metadata = data.get("metadata") or {}
        entity = data.get("entity") or {}
        scope = next(
            (Scope(kind, str(metadata[kind])) for kind in SCOPE_KINDS if metadata.get(kind)),
            Scope("project_id", ""),
        )
        return cls.from_entity(
            entity,
            connection_id=str(metadata.get("asset_id") or ""),
            scope=scope,
            create_time=metadata.get("create_time"),
            creator_id=metadata.get("creator_id"),
            href=metadata.get("href"),
        )

    @classmethod
    def from_update_reply(
        cls, body: Mapping[str, Any], *, connection_id: str, scope: Scope, before: Connection | None = None
    ) -> Connection:
        """The connection after ``PATCH`` of ``connection_id`` in ``scope`` answered ``body``.

        IBM's service sends the bare entity (no ``metadata``, so no id); a full ``{metadata, entity}``
        reads the same. Id and scope are the ones patched; creation metadata comes from ``before``.
        """
        inner = body.get("entity")
        entity: Mapping[str, Any] = inner if isinstance(inner, Mapping) else body
        return cls.from_entity(
            entity,
            connection_id=connection_id,
            scope=scope,
            create_time=before.create_time if before else None,
            creator_id=before.creator_id if before else None,
            href=before.href if before else None,
        )

    @classmethod
    def from_entity(cls, entity: Mapping[str, Any], *, connection_id: str, scope: Scope, **metadata: Any) -> Connection:
        """A connection from a bare entity (the PATCH reply has no ``metadata``): the caller knows the id."""
        flags = entity.get("flags")
        properties = entity.get("properties")
        return cls(
            id=connection_id,
            name=str(entity.get("name") or ""),
            datasource_type=str(entity.get("datasource_type") or ""),
            scope=scope,
            description=str(entity.get("description") or ""),
            properties=_frozen(properties if isinstance(properties, Mapping) else None),
            flags=tuple(str(f) for f in flags) if isinstance(flags, (list, tuple)) else (),
            **metadata,
        )

    @property
    def property_names(self) -> tuple[str, ...]:
        return tuple(sorted(self.properties))

    @property
    def vault_references(self) -> Mapping[str, VaultReference]:
        """The properties that name a vault secret (listed in ``vaulted_properties``), as references."""
        return MappingProxyType(stored_references(self.properties))

    def visible_differences(self, wanted: Mapping[str, Any], dtype: DatasourceType) -> tuple[str, ...]:
        """The properties of ``wanted`` this connection lacks or holds with another value, secrets aside.

        Values compare normalised by their type in ``dtype`` (``"5432"`` equals ``5432``, ``"true"``
        equals ``True``); a vault reference compares as a reference (equal when the property is vaulted
        with the same secret URN). Secret properties are skipped, since a reply may hide them, unless
        ``wanted`` gives a vault reference for one: a reference is not a secret, and it is shown.
        """
        actual = {**self.properties, **self.vault_references}
        ignore = {k for k in dtype.secret_properties if as_reference(wanted.get(k)) is None}
        return differing_properties(actual, wanted, kinds=dtype.property_kinds, ignore=ignore)

    def has_visible_properties(self, wanted: Mapping[str, Any], dtype: DatasourceType) -> bool:
        """Does this connection hold every non-secret property of ``wanted``? (see :meth:`visible_differences`)

        The one "same visible properties" check: the client's look before writing again, the operators'
        adopt-on-retry and rename checks use it; the sync planner uses :meth:`visible_differences`.
        """
        return not self.visible_differences(wanted, dtype)

    def __repr__(self) -> str:
        return (
            f"Connection(id={self.id!r}, name={self.name!r}, datasource_type={self.datasource_type!r}, "
            f"scope={self.scope}, properties={list(self.property_names)})"
        )

    __str__ = __repr__


@dataclass(frozen=True, slots=True)
class ServiceVersion:
    service_name: str
    version: str
    status: str | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> ServiceVersion:
        return cls(
            service_name=str(data.get("service_name") or ""),
            version=str(data.get("version") or ""),
            status=data.get("status"),
        )


@dataclass(frozen=True, slots=True)
class ConnectionChanges:
    """What an update changes. Keys not named here are left exactly as they are.

    ``set_properties`` values may be secrets: they are kept out of ``repr``.
    """

    name: str | None = None
    description: str | None = None
    set_properties: Mapping[str, Any] = field(default_factory=dict, repr=False)
    remove_properties: Sequence[str] = ()

    def __post_init__(self) -> None:
        problems = []
        if not isinstance(self.set_properties, Mapping):
            kind = type(self.set_properties).__name__
            problems.append(f"set_properties must be a mapping of property name to value, got {kind}")
        removals = self.remove_properties
        if isinstance(removals, (str, bytes)) or not isinstance(removals, (list, tuple, set, frozenset)):
            problems.append(f"remove_properties must be a list of property names, got {type(removals).__name__}")
        else:
            problems += [
                f"remove_properties[{i}] must be a property name (a string), got {type(k).__name__}"
                for i, k in enumerate(removals)
                if not isinstance(k, str)
            ]
        if problems:
            raise InvalidInputError("connection changes", problems)
        object.__setattr__(self, "set_properties", _frozen(self.set_properties))
        object.__setattr__(self, "remove_properties", tuple(removals))

    @property
    def is_empty(self) -> bool:
        return self.name is None and self.description is None and not self.set_properties and not self.remove_properties

    @property
    def changed_fields(self) -> tuple[str, ...]:
        """Names of what changes, safe to log: ``name``, ``description``, ``properties.<key>``."""
        fields = [f for f in ("name", "description") if getattr(self, f) is not None]
        fields += [f"properties.{k}" for k in sorted(self.set_properties)]
        fields += [f"properties.{k} (removed)" for k in sorted(self.remove_properties)]
        return tuple(fields)

    def __repr__(self) -> str:
        return f"ConnectionChanges({', '.join(self.changed_fields) or 'nothing'})"
